import * as wsModule from 'ws';
import { WebSocket, type RawData } from 'ws';
import { CloseCodes, RealtimeLimits, type ClientFrame } from '@relaydesk/protocol';
import { AppError } from '../errors.js';
import { StorageFullError, isStorageFault } from '../storage/errors.js';
import { presentMessage } from '../presenters/chat.js';
import { sendMessage } from '../actions/messageSender.js';
import { deleteMessage, editMessage } from '../actions/messageEditor.js';
import { setReaction } from '../actions/reactions.js';
import { startTyping } from '../actions/typing.js';
import { markRead } from '../actions/readState.js';
import { Session, type SessionDeps, type Transport } from './session.js';
import { TokenBucket } from './tokenBucket.js';
import { checkClientFrame, frame, OutFrame, parseClientFrame } from './frames.js';

/** The part of ws's (internal) sender the fan-out uses; see `Connection.write`. */
interface WsSender {
  sendFrame(list: Buffer[]): void;
}
// Checked once at start-up rather than found missing at the first send after an upgrade of ws.
if (typeof (wsModule as unknown as { Sender?: { prototype: Partial<WsSender> } }).Sender?.prototype.sendFrame !== 'function') {
  throw new Error('ws no longer has Sender.prototype.sendFrame: Connection.write must go back to ws.send');
}

/** Violations (malformed frames) tolerated before the socket is closed with 1008. */
const MAX_VIOLATIONS = 5;
/** Refused operations within FLOOD_WINDOW_MS before a flooding client is disconnected (4008). */
const MAX_FLOOD_REFUSALS = 2 * RealtimeLimits.opsBurst;
const FLOOD_WINDOW_MS = 5_000;
/** Frames that change something: refused on a connection opened with an API token without the `write` scope. */
const WRITES = new Set<ClientFrame['type']>(['send', 'edit', 'delete', 'react', 'read', 'typing']);

/** Frames a client may send before its session is set up; they are handled once it is. */
const MAX_EARLY_FRAMES = 32;

interface QueuedFrame {
  data: RawData;
  isBinary: boolean;
}

/** Shared by every connection of a gateway (one object, not one per connection). */
export interface ConnectionDeps extends SessionDeps {
  /** The socket closed, whatever stage it had reached: the gateway gives back what it took for it. */
  closed: (connection: Connection) => void;
}

/**
 * The gateway's sockets: each carries its `Connection`, so that one set of listener functions
 * (below) serves every socket instead of closures per socket, as `ws` itself does with the
 * `net.Socket` under it.
 */
export class GatewaySocket extends WebSocket {
  connection: Connection | undefined = undefined;
}

// `ws` calls its listeners with the socket as `this`.
const connectionOf = (ws: WebSocket) => (ws as GatewaySocket).connection;

function onError(this: WebSocket, err: Error): void {
  connectionOf(this)?.onError(err);
}

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  connectionOf(this)?.onMessage(data, isBinary);
}

function onPong(this: WebSocket): void {
  const connection = connectionOf(this);
  if (connection) connection.alive = true;
}

function onClose(this: WebSocket): void {
  connectionOf(this)?.onClose();
}

/**
 * One WebSocket, from the moment it is upgraded: reads and validates frames, applies flood
 * control, and runs operations through the same actions as the REST API. What it follows and
 * delivers is its `Session`'s job (shared with the SSE fallback), set up once the gateway has
 * admitted the socket (`start`); frames that come before wait, bounded.
 */
export class Connection implements Transport {
  alive = true;
  /** When the heartbeat last pinged this socket (monotonic ms, performance.now(); 0: never). */
  pingedAt = 0;
  /** The slots the gateway took for this socket, given back when it closes. */
  ipSlot: string | undefined;
  userSlot: string | undefined;
  /** Set by `start`, once the socket is admitted. */
  private started: Session | undefined;
  /**
   * Frames not handled yet, in arrival order. They are handled one at a time (a `resume`
   * completes before what follows it) once the session is ready.
   */
  private queue: QueuedFrame[] | undefined;
  private ready = false;
  private handling = false;
  private violations = 0;
  private bucket: TokenBucket | undefined;
  private refusals: number[] | undefined;

  constructor(
    private readonly deps: ConnectionDeps,
    readonly ws: GatewaySocket,
  ) {
    ws.connection = this;
    // Protocol errors (a frame over the size limit, invalid UTF-8) arrive as 'error' events
    // before ws closes the socket (1009/1007); unheard, one would crash the process.
    ws.on('error', onError);
    ws.on('message', onMessage);
    ws.on('pong', onPong);
    ws.on('close', onClose);
  }

  /** The session once `start` has begun setting it up (undefined before: still being admitted). */
  get sessionIfStarted(): Session | undefined {
    return this.started;
  }

  /** The admitted user's session: frames are only handled once `start` has set it up. */
  get session(): Session {
    if (!this.started) throw new Error('The connection has not been admitted');
    return this.started;
  }

  private get userId(): string {
    return this.session.userId;
  }

  /** Sets up the session of the admitted user, then handles the frames received so far and the next ones. */
  async start(userId: string, authSessionId: string): Promise<void> {
    this.started = new Session(this.deps, this, userId, authSessionId);
    try {
      await this.started.start(this.deps.ctx.config.wsHeartbeatMs);
    } finally {
      this.ready = true;
      void this.handleQueued();
    }
  }

  /** Closes the socket with `code`, and ends the session (presence, subscriptions) now. */
  close(code: number, reason: string): void {
    if (this.started) this.started.close(code, reason);
    else this.ws.close(code, reason);
  }

  // Transport (the session's way out).

  write(out: OutFrame): void {
    this.writeBytes(out.wsBytes);
  }

  writeMany(frames: readonly OutFrame[]): void {
    this.writeBytes(frames.length === 1 ? frames[0]!.wsBytes : Buffer.concat(frames.map((f) => f.wsBytes)));
  }

  /**
   * Complete, final frames go to ws's sender as they are, as Engine.IO does for its broadcasts:
   * with permessage-deflate off the sender writes each frame straight to the socket, which is all
   * ws.send would do after building them again.
   */
  private writeBytes(bytes: Buffer): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    (this.ws as unknown as { _sender: WsSender })._sender.sendFrame([bytes]);
  }

  get bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  end(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  // Socket events (see the listeners above).

  onMessage(data: RawData, isBinary: boolean): void {
    const queue = (this.queue ??= []);
    if (!this.started && queue.length >= MAX_EARLY_FRAMES) {
      this.ws.close(1008, 'too many frames before ready');
      return;
    }
    queue.push({ data, isBinary });
    if (this.ready) void this.handleQueued();
  }

  onError(err: Error): void {
    this.deps.ctx.logger.debug({ err }, 'WebSocket protocol error');
  }

  onClose(): void {
    this.started?.dispose();
    this.deps.closed(this);
  }

  /** Handles the queue until it is empty; the queue itself goes with its last frame. */
  private async handleQueued(): Promise<void> {
    if (this.handling) return;
    this.handling = true;
    try {
      for (let next = this.queue?.shift(); next; next = this.queue?.shift()) await this.onFrame(next.data.toString(), next.isBinary);
    } finally {
      this.queue = undefined;
      this.handling = false;
    }
  }

  private async onFrame(text: string, isBinary: boolean): Promise<void> {
    const { session } = this;
    // Closed (revoked, say) but the peer has not seen the close yet: what it still sends is dropped.
    if (session.isClosed) return;
    const checked = checkClientFrame(parseClientFrame(text, isBinary));
    if (!checked.ok && checked.code === 'INVALID_FRAME') {
      session.sendError(undefined, 'INVALID_FRAME', 'Frames are JSON objects of a known type (see docs/protocol.md)');
      if (++this.violations >= MAX_VIOLATIONS) this.close(1008, 'too many invalid frames');
      return;
    }
    const ref = checked.ok ? ('ref' in checked.frame ? checked.frame.ref : undefined) : checked.ref;
    // Bad fields cost a token like any operation, so refusals cannot be had faster than answers.
    const token = (this.bucket ??= new TokenBucket(RealtimeLimits.opsPerSecond, RealtimeLimits.opsBurst)).take();
    if (!token.ok) {
      this.deps.metrics.floodRejections.inc();
      session.sendError(ref, 'RATE_LIMITED', 'Too many operations; slow down', token.retryAfterMs);
      const now = performance.now(); // monotonic, as the bucket
      this.refusals = (this.refusals ?? []).filter((t) => now - t < FLOOD_WINDOW_MS);
      this.refusals.push(now);
      if (this.refusals.length >= MAX_FLOOD_REFUSALS) this.close(CloseCodes.flooding, 'flooding');
      return;
    }
    if (!checked.ok) return session.sendError(ref, 'VALIDATION_FAILED', `Invalid ${checked.field}: ${checked.reason}`);
    try {
      await this.handle(checked.frame);
    } catch (err) {
      if (err instanceof AppError) session.sendError(ref, err.code, err.message);
      else if (isStorageFault(err)) {
        this.deps.ctx.logger.error({ err: err.cause, fault: err.name }, err.message);
        const code = err instanceof StorageFullError ? 'STORAGE_FULL' : 'STORAGE_UNAVAILABLE';
        session.sendError(ref, code, 'Storage is not available at the moment; try again later', err.retryAfterSeconds * 1000);
      } else {
        this.deps.ctx.logger.error({ err }, 'realtime operation failed');
        session.sendError(ref, 'INTERNAL', 'Something went wrong on our side');
      }
    }
  }

  private async handle(f: ClientFrame): Promise<void> {
    const { ctx } = this.deps;
    const { session } = this;
    if (f.type !== 'resume') await session.ensureLive();
    if (WRITES.has(f.type) && !session.canWrite) throw new AppError('INSUFFICIENT_SCOPE', 'This token lacks the "write" scope');
    switch (f.type) {
      case 'resume':
        return session.resume(f.channels, f.ref);
      case 'ping':
        return session.send(frame({ type: 'pong', ...(f.ref ? { ref: f.ref } : {}) }));
      case 'send': {
        const { view } = await sendMessage(ctx, this.userId, f.channelId, {
          body: f.body,
          clientMessageId: f.clientMessageId,
          ...(f.threadRootId ? { threadRootId: f.threadRootId } : {}),
          ...(f.attachmentIds ? { attachmentIds: f.attachmentIds } : {}),
        });
        return this.ack(f.ref, { message: view });
      }
      case 'edit':
        return this.ack(f.ref, { message: await presentMessage(ctx.storage, await editMessage(ctx, this.userId, f.messageId, f.body)) });
      case 'delete':
        await deleteMessage(ctx, this.userId, f.messageId);
        return this.ack(f.ref, {});
      case 'react':
        await setReaction(ctx, this.userId, f.messageId, f.emoji, f.present);
        return this.ack(f.ref, {});
      case 'read':
        return this.ack(f.ref, { lastReadSeq: await markRead(ctx, this.userId, f.channelId, f.seq) });
      case 'typing':
        return startTyping(ctx, this.userId, f.channelId);
      case 'presence':
        session.setStatus(f.status);
        return this.ack(f.ref, {});
      case 'subscribe':
        await session.subscribeAppEvents(f.workspaceId, f.topics);
        return this.ack(f.ref, {});
    }
  }

  private ack(ref: string | undefined, extra: { message?: unknown; lastReadSeq?: number }): void {
    this.session.send(new OutFrame(JSON.stringify({ type: 'ack', ...(ref ? { ref } : {}), ...extra })));
  }
}
