import type { RawData, WebSocket } from 'ws';
import { ClientFrame, CloseCodes, RealtimeLimits } from '@relaydesk/protocol';
import Value from 'typebox/value';
import { AppError } from '../errors.js';
import { presentMessage } from '../presenters/chat.js';
import { sendMessage } from '../actions/messageSender.js';
import { deleteMessage, editMessage } from '../actions/messageEditor.js';
import { setReaction } from '../actions/reactions.js';
import { markRead } from '../actions/readState.js';
import { Session, type SessionDeps } from './session.js';
import { TokenBucket } from './tokenBucket.js';
import { frame } from './frames.js';

/** Violations (malformed frames) tolerated before the socket is closed with 1008. */
const MAX_VIOLATIONS = 5;
/** Refused operations within FLOOD_WINDOW_MS before a flooding client is disconnected (4008). */
const MAX_FLOOD_REFUSALS = 2 * RealtimeLimits.opsBurst;
const FLOOD_WINDOW_MS = 5_000;

export interface EarlyFrame {
  data: RawData;
  isBinary: boolean;
}

export interface ConnectionDeps extends SessionDeps {
  /** Forwards "typing" (throttled per user and channel) to the channel's other followers. */
  typing: (userId: string, workspaceId: string, channelId: string) => void;
}

/**
 * One authenticated WebSocket: reads and validates frames, applies flood control, and runs
 * operations through the same actions as the REST API. What it follows and delivers is its
 * `Session`'s job, shared with the SSE fallback.
 */
export class Connection {
  alive = true;
  readonly session: Session;
  private readonly bucket = new TokenBucket(RealtimeLimits.opsPerSecond, RealtimeLimits.opsBurst);
  private violations = 0;
  private refusals: number[] = [];
  /** Frames are handled one at a time, in arrival order (a `resume` completes before what follows it). */
  private frames: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: ConnectionDeps,
    readonly ws: WebSocket,
    readonly userId: string,
  ) {
    this.session = new Session(deps, { write: (text) => ws.send(text), get bufferedBytes() { return ws.bufferedAmount; }, close: (code, reason) => ws.close(code, reason) }, userId);
  }

  async start(early: EarlyFrame[] = []): Promise<void> {
    // Frames are taken from the first moment (registered before any await) and handled in order
    // once the session is set up.
    let setUp!: () => void;
    this.frames = new Promise<void>((resolve) => (setUp = resolve));
    const enqueue = (data: RawData, isBinary: boolean) => {
      this.frames = this.frames.then(() => this.onFrame(data.toString(), isBinary));
    };
    for (const f of early) enqueue(f.data, f.isBinary);
    this.ws.on('message', enqueue);
    this.ws.on('pong', () => (this.alive = true));
    this.ws.on('close', () => this.session.dispose());
    try {
      await this.session.start(this.deps.ctx.config.wsHeartbeatMs);
    } finally {
      setUp();
    }
  }

  close(code: number, reason: string): void {
    this.session.close(code, reason);
  }

  private async onFrame(text: string, isBinary: boolean): Promise<void> {
    const { session } = this;
    let parsed: unknown;
    try {
      parsed = isBinary ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!Value.Check(ClientFrame, parsed)) {
      session.sendError(undefined, 'INVALID_FRAME', 'Frames are JSON objects of a known type (see docs/protocol.md)');
      if (++this.violations >= MAX_VIOLATIONS) this.close(1008, 'too many invalid frames');
      return;
    }
    const f = parsed as ClientFrame;
    const ref = 'ref' in f ? f.ref : undefined;
    const token = this.bucket.take();
    if (!token.ok) {
      this.deps.metrics.floodRejections.inc();
      session.sendError(ref, 'RATE_LIMITED', 'Too many operations; slow down', token.retryAfterMs);
      const now = Date.now();
      this.refusals = this.refusals.filter((t) => now - t < FLOOD_WINDOW_MS);
      this.refusals.push(now);
      if (this.refusals.length >= MAX_FLOOD_REFUSALS) this.close(CloseCodes.flooding, 'flooding');
      return;
    }
    try {
      await this.handle(f);
    } catch (err) {
      if (err instanceof AppError) session.sendError(ref, err.code, err.message);
      else {
        this.deps.ctx.logger.error({ err }, 'realtime operation failed');
        session.sendError(ref, 'INTERNAL', 'Something went wrong on our side');
      }
    }
  }

  private async handle(f: ClientFrame): Promise<void> {
    const { ctx } = this.deps;
    const { session } = this;
    if (f.type !== 'resume') await session.ensureLive();
    switch (f.type) {
      case 'resume':
        return session.resume(f.channels, f.ref);
      case 'ping':
        return session.send(frame({ type: 'pong', ...(f.ref ? { ref: f.ref } : {}) }));
      case 'send': {
        const { message } = await sendMessage(ctx, this.userId, f.channelId, {
          body: f.body,
          clientMessageId: f.clientMessageId,
          ...(f.threadRootId ? { threadRootId: f.threadRootId } : {}),
        });
        return this.ack(f.ref, { message: await presentMessage(ctx.storage, message) });
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
        return this.typing(f.channelId);
      case 'presence':
        session.setStatus(f.status);
        return this.ack(f.ref, {});
    }
  }

  /**
   * "Typing" in a channel this connection follows (so the user is a member, as its live
   * membership says); fire-and-forget, no answer.
   */
  private typing(channelId: string): void {
    const workspaceId = this.session.workspaceOf(channelId);
    if (!workspaceId) throw new AppError('NOT_A_MEMBER', 'Join the channel first');
    this.deps.typing(this.userId, workspaceId, channelId);
  }

  private ack(ref: string | undefined, extra: { message?: unknown; lastReadSeq?: number }): void {
    this.session.send(JSON.stringify({ type: 'ack', ...(ref ? { ref } : {}), ...extra }));
  }
}
