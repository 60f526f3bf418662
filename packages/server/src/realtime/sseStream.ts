import type { ServerResponse } from 'node:http';
import { CloseCodes } from '@relaydesk/protocol';
import { Session, type SessionDeps, type Transport } from './session.js';
import type { OutFrame } from './frames.js';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // nginx would otherwise buffer the stream.
  'x-accel-buffering': 'no',
} as const;

/**
 * One Server-Sent Events response (the fallback for networks that block WebSocket): the same
 * session and frames as a socket, each written as `data: <json>`, with `: ping` comments (`ping`,
 * called by the gateway's one SSE heartbeat for all streams) so that proxies keep an idle stream
 * open. The client cannot send on it; it uses the REST API.
 */
export class SseStream implements Transport {
  readonly session: Session;

  constructor(
    deps: SessionDeps,
    private readonly res: ServerResponse,
    who: { userId: string; sessionId: string },
    private readonly heartbeatMs: number,
  ) {
    this.session = new Session(deps, this, who.userId, who.sessionId);
    res.on('error', () => undefined);
    res.on('close', () => this.session.dispose());
    // The client may have left while the request was authenticated: its close event has passed.
    if (res.destroyed || !res.socket || res.socket.destroyed) this.session.dispose();
  }

  ping(): void {
    this.writeChunk(': ping\n\n');
  }

  /** `ready`, then the replay after `positions` (exactly like a `resume` frame), then live frames. */
  async start(positions: Record<string, number>): Promise<void> {
    await this.session.start(this.heartbeatMs);
    // Revoked before it got going: start has ended it.
    if (!this.session.isClosed) await this.session.resume(positions);
  }

  write(out: OutFrame): void {
    this.writeChunk(sseEvent(out));
  }

  writeMany(frames: readonly OutFrame[]): void {
    this.writeChunk(frames.map(sseEvent).join(''));
  }

  /** What the response and the socket under it hold: grows when the reader stalls. */
  get bufferedBytes(): number {
    return this.res.writableLength;
  }

  private writeChunk(chunk: string): void {
    if (!this.res.destroyed && !this.res.writableEnded) this.res.write(chunk);
  }

  /**
   * A slow consumer is cut off at once: what it has not read would never drain. Otherwise the
   * reason goes out as a comment and the stream ends after what is queued; the client reconnects
   * and resumes either way (after a revocation, 4004, the session's `error` frame has gone out
   * first and reconnecting answers 401).
   */
  end(code: number, reason: string): void {
    if (code === CloseCodes.slowConsumer) {
      this.res.destroy();
      return;
    }
    this.writeChunk(`: close ${code} ${reason}\n\n`);
    this.res.end();
    // A reader that stopped reading would hold the response open (and a shutdown with it).
    setTimeout(() => this.res.destroy(), 1000).unref();
  }
}

/** One frame as a Server-Sent Event. */
const sseEvent = (out: OutFrame): string => `data: ${out.text}\n\n`;
