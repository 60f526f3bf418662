import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export function createGatewayMetrics(registry: Registry) {
  const registers = [registry];
  return {
    connections: new Gauge({ name: 'relaydesk_ws_connections', help: 'Open WebSocket connections', registers }),
    delivered: new Counter({ name: 'relaydesk_ws_events_delivered_total', help: 'Events written to sockets', registers }),
    deliveryLatency: new Histogram({
      name: 'relaydesk_ws_delivery_latency_seconds',
      help: 'From publish (after commit) to the socket write',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    slowConsumers: new Counter({ name: 'relaydesk_ws_slow_consumer_disconnects_total', help: 'Sockets closed for not reading (4009)', registers }),
    floodRejections: new Counter({ name: 'relaydesk_ws_flood_rejections_total', help: 'Operations refused by the per-connection token bucket', registers }),
    replayed: new Counter({ name: 'relaydesk_ws_resume_replayed_events_total', help: 'Events replayed from storage (resume and gap filling)', registers }),
    refused: new Counter({ name: 'relaydesk_ws_refused_total', help: 'Upgrades refused, by reason', labelNames: ['reason'] as const, registers }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
