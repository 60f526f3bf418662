import http from 'node:http';
import { FrameRecorder } from './testFrames.js';
import type { TestClient } from '../testing/httpClient.js';

/** Test helper (not shipped behaviour): a Server-Sent Events client of `/api/v1/realtime/stream` that records every frame. */

const PATH = '/api/v1/realtime/stream';

export interface StreamOptions {
  /** The query string as is (instead of `resume` encoded from the positions). */
  query?: string;
  /** Send the client's cookies (default true). */
  cookies?: boolean;
  headers?: Record<string, string>;
}

export class TestStream extends FrameRecorder {
  /** Comment lines received (`: ping` → "ping"). */
  readonly comments: string[] = [];
  /** Resolves when the response ends or the connection drops. */
  readonly ended: Promise<void>;
  isEnded = false;
  private pending = '';

  private constructor(
    private readonly req: http.ClientRequest,
    readonly res: http.IncomingMessage,
    /** For a refused stream: its JSON error body. */
    readonly body: string,
  ) {
    super();
    this.ended = new Promise((resolve) => {
      const done = () => {
        if (this.isEnded) return;
        this.isEnded = true;
        this.finish('stream ended');
        resolve();
      };
      res.once('end', done);
      res.once('close', done);
      res.once('error', done);
      req.once('error', done);
    });
  }

  get status(): number {
    return this.res.statusCode ?? 0;
  }

  /** Opens the stream for `client`'s user (its cookies), resuming from `resume` when given. Resolves once the response head has arrived. */
  static open(client: TestClient, resume?: Record<string, number>, options: StreamOptions = {}): Promise<TestStream> {
    const query = options.query ?? (resume ? `resume=${encodeURIComponent(JSON.stringify(resume))}` : '');
    const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
    if (options.cookies !== false) {
      const cookies = [...client.jar.entries()].filter(([, c]) => PATH.startsWith(c.path)).map(([n, c]) => `${n}=${c.value}`);
      if (cookies.length > 0) headers.cookie = cookies.join('; ');
    }
    return new Promise((resolve, reject) => {
      const req = http.get(`${client.baseUrl}${PATH}${query ? `?${query}` : ''}`, { headers, agent: false }, (res) => {
        if (res.statusCode !== 200) {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve(new TestStream(req, res, body)));
          return;
        }
        const stream = new TestStream(req, res, '');
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => stream.onData(chunk));
        resolve(stream);
      });
      req.once('error', reject);
    });
  }

  /** Opens the stream and waits for `ready` and for every named channel's `resumed` (or `reset`). */
  static async live(client: TestClient, resume: Record<string, number> = {}, options: StreamOptions = {}): Promise<TestStream> {
    const stream = await TestStream.open(client, resume, options);
    if (stream.status !== 200) throw new Error(`stream refused: ${stream.status} ${stream.body}`);
    await stream.next('ready');
    for (const channelId of Object.keys(resume)) {
      await stream.waitFor((f) => (f.type === 'resumed' || f.type === 'reset') && f.channelId === channelId);
    }
    return stream;
  }

  /** The parsed JSON error body of a refused stream. */
  get error(): { code: string; message: string; requestId: string } {
    return (JSON.parse(this.body) as { error: { code: string; message: string; requestId: string } }).error;
  }

  /** Stops reading (the server's writes then queue up), like a stalled proxy or tab. */
  pause(): void {
    this.res.pause();
    this.res.socket?.pause();
  }

  resume(): void {
    this.res.socket?.resume();
    this.res.resume();
  }

  /** Waits for the stream to end, or rejects after `timeoutMs`. */
  async waitForEnd(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`stream still open after ${timeoutMs} ms; frames: ${this.describe()}`)), timeoutMs);
    });
    await Promise.race([this.ended, timeout]).finally(() => clearTimeout(timer));
  }

  async close(): Promise<void> {
    this.req.destroy();
    await this.ended;
  }

  /** SSE framing: blocks end with a blank line; `data:` lines carry a frame, `:` lines are comments. */
  private onData(chunk: string): void {
    this.pending += chunk;
    for (let end = this.pending.indexOf('\n\n'); end >= 0; end = this.pending.indexOf('\n\n')) {
      const block = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 2);
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        else this.malformed.push(line);
      }
      if (data.length > 0) this.record(JSON.parse(data.join('\n')));
    }
  }
}
