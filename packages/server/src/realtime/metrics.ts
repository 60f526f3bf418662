import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export function createGatewayMetrics(registry: Registry) {
  const registers = [registry];
  return {
    connections: new Gauge({ name: 'relaydesk_ws_connections', help: 'Open WebSocket connections', registers }),
    delivered: new Counter({ name: 'relaydesk_ws_events_delivered_total', help: 'Events written to sockets and SSE streams', registers }),
    deliveryLatency: new Histogram({
      name: 'relaydesk_ws_delivery_latency_seconds',
      help: 'From publish (after commit) to the socket write',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    slowConsumers: new Counter({
      name: 'relaydesk_ws_slow_consumer_disconnects_total',
      help: 'Connections closed for not reading: sockets (4009) and SSE streams',
      registers,
    }),
    floodRejections: new Counter({ name: 'relaydesk_ws_flood_rejections_total', help: 'Operations refused by the per-connection token bucket', registers }),
    replayed: new Counter({ name: 'relaydesk_ws_resume_replayed_events_total', help: 'Events replayed from storage (resume and gap filling)', registers }),
    refused: new Counter({ name: 'relaydesk_ws_refused_total', help: 'Upgrades refused, by reason', labelNames: ['reason'] as const, registers }),
    revoked: new Counter({ name: 'relaydesk_realtime_revoked_total', help: 'Sockets and SSE streams closed because their session was revoked (4004)', registers }),
    sseStreams: new Gauge({ name: 'relaydesk_sse_streams', help: 'Open Server-Sent Events streams (the HTTP fallback)', registers }),
    sseRefused: new Counter({ name: 'relaydesk_sse_refused_total', help: 'SSE streams refused by a connection cap, by reason', labelNames: ['reason'] as const, registers }),
    presenceChanges: new Counter({
      name: 'relaydesk_presence_changes_total',
      help: "Changes of a user's aggregate presence published, by new status",
      labelNames: ['status'] as const,
      registers,
    }),
    receipts: new Counter({ name: 'relaydesk_receipts_published_total', help: 'Read receipts published to channel members', registers }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
