import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CloseCodes, RealtimeLimits } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import { redeemWsTicket } from '../actions/wsTickets.js';
import { isStorageFault } from '../storage/errors.js';
import type { Bus } from './bus.js';
import { Connection, GatewaySocket, type ConnectionDeps } from './connection.js';
import { NoticeBatcher } from './noticeBatcher.js';
import { SSE_HEADERS, SseStream } from './sseStream.js';
import type { GatewayMetrics } from './metrics.js';
import type { PresenceStore } from './presence.js';
import type { Publisher } from './publisher.js';
import type { ConnectionCaps } from './connectionCaps.js';
import type { Session } from './session.js';
import { SharedIds } from './sharedIds.js';

/** Handshakes (ticket check + loading memberships) in progress at once; the rest get 1013. */
const MAX_CONCURRENT_HANDSHAKES = 64;
/** The heartbeat visits the sockets in this many slices per period, one slice per tick. */
const HEARTBEAT_SLICES = 10;
/** How long presence notices for a connection gather before they are written together. */
const PRESENCE_BATCH_MS = 100;

/** A taken pair of connection slots (IP and user); release it once when the connection ends. */
export type Admission = { release: () => void };

/**
 * The real-time endpoints on the API's HTTP server: the WebSocket `/ws` (single-use ticket,
 * Origin allowlist, heartbeats, admission, connection caps) and the Server-Sent Events fallback,
 * each client running a `Session`. What they deliver comes from the bus (see `Publisher`).
 */
export class Gateway {
  private readonly wss = new WebSocketServer<typeof GatewaySocket>({
    noServer: true,
    maxPayload: RealtimeLimits.maxFrameBytes,
    WebSocket: GatewaySocket,
    // Said explicitly, as they are what an idle socket costs: no compression state (the default),
    // and no client set, whose per-socket 'close' closure would duplicate what the gateway tracks.
    perMessageDeflate: false,
    clientTracking: false,
  });
  private readonly connections = new Set<Connection>();
  private readonly streams = new Set<SseStream>();
  private handshakes = 0;
  /** Upgraded sockets not closed yet, admitted or not: a shutdown waits for them all. */
  private openSockets = 0;
  private allSocketsClosed: (() => void) | undefined;
  /** One interval each for all sockets and for all SSE streams, never one per connection. */
  private readonly heartbeat: NodeJS.Timeout;
  /** Where the heartbeat's round over the sockets has got to (see `beat`). */
  private beatCursor: Iterator<Connection> | undefined;
  private beats = 0;
  private readonly sseHeartbeat: NodeJS.Timeout;
  /** What every connection and stream shares: built once, not per connection. */
  private readonly deps: ConnectionDeps;

  constructor(
    private readonly ctx: AppContext,
    private readonly bus: Bus,
    private readonly presence: PresenceStore,
    private readonly publisher: Publisher,
    private readonly metrics: GatewayMetrics,
    private readonly caps: ConnectionCaps,
  ) {
    this.deps = {
      ctx,
      bus,
      metrics,
      presence,
      ids: new SharedIds(),
      presenceBatch: new NoticeBatcher(PRESENCE_BATCH_MS),
      closed: (connection) => this.socketClosed(connection),
    };
    this.heartbeat = setInterval(() => this.beat(), Math.max(1, Math.floor(ctx.config.wsHeartbeatMs / HEARTBEAT_SLICES)));
    this.heartbeat.unref();
    this.sseHeartbeat = setInterval(() => this.streams.forEach((s) => s.ping()), ctx.config.sseHeartbeatMs);
    this.sseHeartbeat.unref();
  }

  /** Every session on this node, socket or stream. */
  sessions(): Session[] {
    const sessions: Session[] = [];
    for (const c of this.connections) if (c.sessionIfStarted) sessions.push(c.sessionIfStarted);
    for (const s of this.streams) sessions.push(s.session);
    return sessions;
  }

  /** Open connections (sockets and streams) of these users, on every node. */
  connectionsOf(userIds: string[]): Promise<number> {
    return this.caps.connectionsOf(userIds);
  }

  /**
   * For the HTTP server's 'upgrade' event. Only the few strings admission needs are kept from the
   * request: a socket lives for hours, and nothing it holds may keep the request (headers, URL)
   * alive with it.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const admission = { origin: request.headers.origin, ip: this.clientIp(request), ticket: url.searchParams.get('ticket') };
    this.wss.handleUpgrade(request, socket, head, (ws) => void this.accept(ws, admission));
  }

  /**
   * Refusals complete the upgrade and close with a code, because a browser cannot read the
   * status of a failed upgrade but can read a close code: 4003 foreign Origin, 4029 too many
   * connections from this IP or for this user, 4001 bad ticket, 1013 too many handshakes at once
   * (retry with backoff).
   */
  private async accept(ws: GatewaySocket, { origin, ip, ticket }: { origin: string | undefined; ip: string; ticket: string | null }): Promise<void> {
    this.openSockets++;
    // Listens from now on: frames that arrive while the ticket is checked wait for the session.
    const connection = new Connection(this.deps, ws);
    if (origin !== undefined && !this.ctx.config.allowedOrigins.includes(origin)) {
      this.metrics.refused.inc({ reason: 'origin' });
      return ws.close(CloseCodes.forbiddenOrigin, 'forbidden origin');
    }
    // The IP's slot is taken before the ticket is even looked at, so a flood of upgrades from one
    // address costs no database work.
    if (this.handshakes >= MAX_CONCURRENT_HANDSHAKES) {
      this.metrics.refused.inc({ reason: 'busy' });
      return ws.close(1013, 'busy: retry in a few seconds');
    }
    this.handshakes++;
    try {
      if (!(await this.caps.take('ip', ip))) {
        this.metrics.refused.inc({ reason: 'ip_cap' });
        return ws.close(CloseCodes.tooManyConnections, 'too many connections from this address');
      }
      // Closed while the slot was taken: its close event has passed, so give it back here.
      if (ws.readyState !== ws.OPEN) return this.caps.release('ip', ip);
      connection.ipSlot = ip;
      const claimed = ticket ? await redeemWsTicket(this.ctx, ticket) : undefined;
      if (!claimed) {
        this.metrics.refused.inc({ reason: 'ticket' });
        return ws.close(CloseCodes.badTicket, 'invalid, expired or used ticket');
      }
      // Gone while the ticket was checked: its close event has passed, so nothing taken now would be given back.
      if (ws.readyState !== ws.OPEN) return;
      const { userId, sessionId } = claimed;
      if (!(await this.caps.take('user', userId))) {
        this.metrics.refused.inc({ reason: 'user_cap' });
        return ws.close(CloseCodes.tooManyConnections, 'too many connections for this user');
      }
      if (ws.readyState !== ws.OPEN) return this.caps.release('user', userId);
      connection.userSlot = userId;
      this.connections.add(connection);
      this.metrics.connections.inc();
      await connection.start(userId, sessionId);
    } catch (err) {
      // A storage outage passes: 1013 tells the client to come back, where 1011 reads as a bug.
      if (isStorageFault(err)) {
        this.ctx.logger.error({ err: err.cause, fault: err.name }, 'WebSocket handshake failed: storage unavailable');
        ws.close(1013, 'storage unavailable: retry in a few seconds');
      } else {
        this.ctx.logger.error({ err }, 'WebSocket handshake failed');
        ws.close(1011, 'internal error');
      }
    } finally {
      this.handshakes--;
    }
  }

  /** A socket closed, whatever stage it had reached: gives back what was taken for it. */
  private socketClosed(connection: Connection): void {
    if (connection.ipSlot !== undefined) this.caps.release('ip', connection.ipSlot);
    if (connection.userSlot !== undefined) this.caps.release('user', connection.userSlot);
    connection.ipSlot = connection.userSlot = undefined;
    if (this.connections.delete(connection)) this.metrics.connections.dec();
    if (--this.openSockets === 0) this.allSocketsClosed?.();
  }

  /**
   * The SSE fallback's admission, like an upgrade's: a slot for the IP and one for the user, and a
   * place among the handshakes in progress (a reconnect storm must not replay all at once).
   * Nothing is taken when it is refused.
   */
  async admitStream(ip: string, userId: string): Promise<{ admission: Admission } | { refused: 'busy' | 'ip_cap' | 'user_cap' }> {
    const refuse = (reason: 'busy' | 'ip_cap' | 'user_cap') => {
      this.metrics.sseRefused.inc({ reason });
      return { refused: reason };
    };
    if (this.handshakes >= MAX_CONCURRENT_HANDSHAKES) return refuse('busy');
    // Given back when runStream has set the stream up, or here on a refusal.
    this.handshakes++;
    if (!(await this.caps.take('ip', ip))) {
      this.handshakes--;
      return refuse('ip_cap');
    }
    if (!(await this.caps.take('user', userId))) {
      this.handshakes--;
      this.caps.release('ip', ip);
      return refuse('user_cap');
    }
    let released = false;
    return {
      admission: {
        release: () => {
          if (released) return;
          released = true;
          this.caps.release('ip', ip);
          this.caps.release('user', userId);
        },
      },
    };
  }

  /**
   * Runs an admitted SSE stream on `res`: the head (`headers` plus the event-stream ones), then
   * `ready`, the replay of `positions` like a `resume` frame, then live frames until either side
   * ends it.
   */
  async runStream(
    res: ServerResponse,
    headers: OutgoingHttpHeaders,
    who: { userId: string; sessionId: string },
    positions: Record<string, number>,
    admission: Admission,
  ): Promise<void> {
    let stream: SseStream | undefined;
    try {
      res.writeHead(200, { ...headers, ...SSE_HEADERS });
      const started = new SseStream(this.deps, res, who, this.ctx.config.sseHeartbeatMs);
      stream = started;
      this.streams.add(started);
      this.metrics.sseStreams.inc();
      started.session.onClose(() => {
        admission.release();
        if (this.streams.delete(started)) this.metrics.sseStreams.dec();
      });
      await started.start(positions);
    } catch (err) {
      this.ctx.logger.error({ err: isStorageFault(err) ? err.cause : err }, 'SSE stream set-up failed');
      if (stream) stream.session.close(isStorageFault(err) ? 1013 : 1011, 'internal error');
      else {
        admission.release();
        res.destroy();
      }
    } finally {
      this.handshakes--;
    }
  }

  /** The address a connection counts against: the socket's peer, or the proxy's X-Forwarded-For when TRUST_PROXY is on (as for the API's per-IP limits). */
  private clientIp(request: IncomingMessage): string {
    const forwarded = request.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    return (this.ctx.config.trustProxy && first) || request.socket.remoteAddress || 'unknown';
  }

  /**
   * Visits the next slice of the sockets: each is pinged once per heartbeat period and dropped if
   * it has not answered the previous ping. Pinging every socket in one go (and reading all their
   * pongs right after) stalled the event loop for ~100 ms at 5,000 sockets, once per period.
   */
  private beat(): void {
    // A round starts once per period (never sooner, whatever the number of sockets), so each
    // socket has a whole period to answer its ping.
    if (this.beats++ % HEARTBEAT_SLICES === 0) {
      this.publisher.prune();
      // A Set's iterator is live: sockets that close are skipped, new ones join this round.
      this.beatCursor ??= this.connections.values();
    }
    if (!this.beatCursor) return;
    const now = performance.now(); // monotonic: a wall-clock step must not drop (or spare) every socket
    let budget = Math.ceil(this.connections.size / HEARTBEAT_SLICES);
    while (budget-- > 0) {
      const next = this.beatCursor.next();
      if (next.done) {
        this.beatCursor = undefined;
        break;
      }
      const c = next.value;
      if (!c.alive) {
        // A socket can come round early (sockets before it closed, a round ran over): it is
        // only dropped once it has had at least half a period to answer.
        if (now - c.pingedAt >= this.ctx.config.wsHeartbeatMs / 2) c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.pingedAt = now;
      c.ws.ping();
    }
  }

  /** Shutdown: every client is told to reconnect (1012) and will resume elsewhere or later. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    clearInterval(this.sseHeartbeat);
    this.deps.presenceBatch.flush();
    for (const c of this.connections) c.close(1012, 'server restarting');
    for (const s of this.streams) s.session.close(1012, 'server restarting');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    // Every socket's closing handshake (or ws's timeout), as the server's client tracking would wait for.
    if (this.openSockets > 0) await new Promise<void>((resolve) => (this.allSocketsClosed = resolve));
    await this.presence.close();
    await this.bus.close();
  }
}
