import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { CloseCodes, RealtimeLimits, type StoredChannelEvent } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import { redeemWsTicket } from '../actions/wsTickets.js';
import { channelTopic, userTopic, type Bus } from './bus.js';
import { Connection, type EarlyFrame } from './connection.js';
import { eventFrame, frame } from './frames.js';
import type { GatewayMetrics } from './metrics.js';

/** Frames a client may send before `ready`; they are handled once the connection is set up. */
const MAX_EARLY_FRAMES = 32;
/** Handshakes (ticket check + loading memberships) in progress at once; the rest get 1013. */
const MAX_CONCURRENT_HANDSHAKES = 64;

/**
 * The WebSocket endpoint `/ws` on the API's HTTP server. It authenticates upgrades with a
 * single-use ticket and the Origin allowlist, runs connections, pings them, and turns committed
 * changes (`publish`) into bus messages serialized once.
 */
export class Gateway {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: RealtimeLimits.maxFrameBytes });
  private readonly connections = new Set<Connection>();
  private readonly workspaceOf = new Map<string, string>();
  private handshakes = 0;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly ctx: AppContext,
    private readonly bus: Bus,
    private readonly metrics: GatewayMetrics,
    heartbeatMs: number = RealtimeLimits.heartbeatMs,
  ) {
    this.heartbeat = setInterval(() => this.beat(), heartbeatMs);
    this.heartbeat.unref();
  }

  /** Hands committed events to the bus: one frame string per event, whoever receives it. */
  publish(events: StoredChannelEvent[]): void {
    void (async () => {
      for (const event of events) {
        const workspaceId = await this.workspaceIdOf(event.channelId);
        if (!workspaceId) continue;
        const message = { kind: 'change' as const, workspaceId, event, frame: eventFrame(event), publishedAt: Date.now() };
        this.bus.publish(channelTopic(workspaceId, event.channelId), message);
        if (event.event.type === 'member.joined') this.bus.publish(userTopic(event.event.userId), message);
      }
    })().catch((err: unknown) => this.ctx.logger.error({ err }, 'publishing events failed'));
  }

  /** Tells every connection of a user that their read marker moved (unread badges everywhere). */
  readMoved(userId: string, channelId: string, lastReadSeq: number): void {
    this.bus.publish(userTopic(userId), { kind: 'notice', frame: frame({ type: 'read', channelId, lastReadSeq }) });
  }

  private async workspaceIdOf(channelId: string): Promise<string | undefined> {
    let id = this.workspaceOf.get(channelId);
    if (!id) {
      id = (await this.ctx.storage.channels.findById(channelId))?.workspaceId;
      if (id) this.workspaceOf.set(channelId, id);
    }
    return id;
  }

  /** For the HTTP server's 'upgrade' event. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      // Protocol errors (a frame over the size limit, invalid UTF-8) arrive as 'error' events
      // before ws closes the socket (1009/1007); unheard, one would crash the process.
      ws.on('error', (err) => this.ctx.logger.debug({ err }, 'WebSocket protocol error'));
      // Frames may arrive while the ticket is being checked: keep them (bounded) for the connection.
      const early: EarlyFrame[] = [];
      const keep = (data: RawData, isBinary: boolean) => {
        if (early.length >= MAX_EARLY_FRAMES) ws.close(1008, 'too many frames before ready');
        else early.push({ data, isBinary });
      };
      ws.on('message', keep);
      void this.accept(ws, request, url.searchParams.get('ticket'), early, () => ws.off('message', keep));
    });
  }

  /**
   * Refusals complete the upgrade and close with a code, because a browser cannot read the
   * status of a failed upgrade but can read a close code: 4003 foreign Origin, 4001 bad ticket,
   * 1013 too many handshakes at once (retry with backoff).
   */
  private async accept(ws: WebSocket, request: IncomingMessage, ticket: string | null, early: EarlyFrame[], stopKeeping: () => void): Promise<void> {
    const origin = request.headers.origin;
    if (origin !== undefined && !this.ctx.config.allowedOrigins.includes(origin)) {
      this.metrics.refused.inc({ reason: 'origin' });
      return ws.close(CloseCodes.forbiddenOrigin, 'forbidden origin');
    }
    if (this.handshakes >= MAX_CONCURRENT_HANDSHAKES) {
      this.metrics.refused.inc({ reason: 'busy' });
      return ws.close(1013, 'busy: retry in a few seconds');
    }
    this.handshakes++;
    try {
      const claimed = ticket ? await redeemWsTicket(this.ctx, ticket) : undefined;
      if (!claimed) {
        this.metrics.refused.inc({ reason: 'ticket' });
        return ws.close(CloseCodes.badTicket, 'invalid, expired or used ticket');
      }
      const connection = new Connection({ ctx: this.ctx, bus: this.bus, metrics: this.metrics }, ws, claimed.userId);
      this.connections.add(connection);
      this.metrics.connections.inc();
      ws.on('close', () => {
        if (this.connections.delete(connection)) this.metrics.connections.dec();
      });
      // start() takes over the frames synchronously, so none falls between the two listeners.
      stopKeeping();
      await connection.start(early);
    } catch (err) {
      this.ctx.logger.error({ err }, 'WebSocket handshake failed');
      ws.close(1011, 'internal error');
    } finally {
      this.handshakes--;
    }
  }

  /** Drops peers that did not answer the previous ping. */
  private beat(): void {
    for (const c of this.connections) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }

  /** Shutdown: every client is told to reconnect (1012) and will resume elsewhere or later. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const c of this.connections) c.close(1012, 'server restarting');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await this.bus.close();
  }
}
