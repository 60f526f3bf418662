import type { ErrorBody, TokenResponse } from '@relaydesk/protocol';
import { ApiError, SessionEndedError } from './errors.js';
import { singleFlight } from './singleFlight.js';

export type AuthMode =
  /** Browsers: HttpOnly cookies plus the double-submit CSRF header. */
  | 'cookie'
  /** Servers, scripts and benchmarks: `Authorization: Bearer`, tokens kept in memory. */
  | 'bearer';

export interface TransportOptions {
  /** '' for the page's own origin, or e.g. `http://127.0.0.1:3000`. */
  baseUrl?: string;
  auth?: AuthMode;
  fetch?: typeof fetch;
  /** Cookie mode: where the readable `csrf` cookie is found (defaults to `document.cookie`). */
  readCookies?: () => string;
  /** Called once when a refresh fails: the user has to log in again. */
  onSessionEnded?: () => void;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  /** False for the calls that establish a session: a 401 there is an answer, not an expiry. */
  refreshOn401?: boolean;
  signal?: AbortSignal;
  /** Extra request headers (an Idempotency-Key). */
  headers?: Record<string, string>;
}

export interface BearerTokens {
  accessToken: string;
  refreshToken: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** HTTP with the API's conventions: JSON, the error shape, CSRF, and one refresh per expiry. */
export class HttpTransport {
  readonly baseUrl: string;
  readonly auth: AuthMode;
  private readonly fetchImpl: typeof fetch;
  private readonly readCookies: () => string;
  private tokens: BearerTokens | null = null;
  /**
   * Bumped whenever the credentials change (a refresh, new tokens): a 401 to a request sent with
   * older credentials is retried with the current ones instead of refreshing again.
   */
  private generation = 0;
  private sessionEndedListeners = new Set<() => void>();
  /** Shared by every request that meets a 401 while it runs. */
  readonly refresh: () => Promise<void>;
  /** The refresh plus, if it fails, ending the session: shared too, so the session ends once. */
  private readonly refreshOrEnd: () => Promise<void>;

  constructor(options: TransportOptions = {}) {
    this.baseUrl = options.baseUrl ?? '';
    this.auth = options.auth ?? 'cookie';
    this.fetchImpl = options.fetch ?? ((...args) => globalThis.fetch(...args));
    this.readCookies = options.readCookies ?? (() => (typeof document === 'undefined' ? '' : document.cookie));
    if (options.onSessionEnded) this.sessionEndedListeners.add(options.onSessionEnded);
    this.refresh = singleFlight(() => this.doRefresh());
    this.refreshOrEnd = singleFlight(() => this.doRefreshOrEnd());
  }

  onSessionEnded(listener: () => void): () => void {
    this.sessionEndedListeners.add(listener);
    return () => this.sessionEndedListeners.delete(listener);
  }

  setTokens(tokens: BearerTokens | null): void {
    this.tokens = tokens;
    this.generation += 1;
  }

  get bearerTokens(): BearerTokens | null {
    return this.tokens;
  }

  url(path: string, query?: RequestOptions['query']): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(key, String(value));
    const qs = params.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  /** Headers that authenticate a request (also used by the event stream). */
  authHeaders(method: string): Record<string, string> {
    const headers: Record<string, string> = {};
    if (this.auth === 'bearer' && this.tokens) headers.authorization = `Bearer ${this.tokens.accessToken}`;
    if (this.auth === 'cookie' && !SAFE_METHODS.has(method)) {
      const csrf = /(?:^|;\s*)csrf=([^;]+)/.exec(this.readCookies())?.[1];
      if (csrf) headers['x-csrf-token'] = decodeURIComponent(csrf);
    }
    return headers;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const sentWith = this.generation;
    const response = await this.send(method, path, options);
    if (response.status === 401 && options.refreshOn401 !== false) {
      await this.renew(sentWith);
      return this.parse<T>(await this.send(method, path, options));
    }
    return this.parse<T>(response);
  }

  /** Fetch with auth (refreshing once on 401) but without reading the body: for streams. */
  async open(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const sentWith = this.generation;
    let response = await this.send(method, path, options);
    if (response.status === 401) {
      await this.renew(sentWith);
      response = await this.send(method, path, options);
    }
    if (!response.ok) await this.parse(response);
    return response;
  }

  /**
   * Runs a request made outside this transport (an upload over XMLHttpRequest) with the same rule
   * as `request`: on a 401 renew the session once, then try again.
   */
  async withRenewal<T>(attempt: () => Promise<T>): Promise<T> {
    const sentWith = this.generation;
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) throw e;
      await this.renew(sentWith);
      return attempt();
    }
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const headers = { ...options.headers, ...this.authHeaders(method) };
    // FormData sets its own multipart Content-Type (with the boundary); everything else is JSON.
    const form = typeof FormData !== 'undefined' && options.body instanceof FormData;
    if (options.body !== undefined && !form) headers['content-type'] = 'application/json';
    try {
      return await this.fetchImpl(this.url(path, options.query), {
        method,
        headers,
        body: options.body === undefined ? null : form ? (options.body as FormData) : JSON.stringify(options.body),
        credentials: 'same-origin',
        signal: options.signal ?? null,
      });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new ApiError(0, 'NETWORK_ERROR', `Could not reach the server: ${(e as Error).message}`);
    }
  }

  /** Reads a response the API's way: JSON, or an ApiError with the stable code. */
  parseResponse<T>(response: Response): Promise<T> {
    return this.parse<T>(response);
  }

  private async parse<T>(response: Response): Promise<T> {
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const json: unknown = text ? safeJson(text) : undefined;
    if (response.ok) return json as T;
    const error = (json as Partial<ErrorBody> | undefined)?.error;
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new ApiError(
      response.status,
      error?.code ?? 'INTERNAL',
      error?.message ?? `HTTP ${response.status}`,
      error?.requestId ?? null,
      error?.details ?? [],
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : null,
    );
  }

  /** After a 401: refresh, unless the credentials already changed since the request was sent. */
  private async renew(sentWith: number): Promise<void> {
    if (this.generation !== sentWith) return;
    await this.refreshOrEnd();
  }

  private async doRefreshOrEnd(): Promise<void> {
    try {
      await this.refresh();
    } catch (e) {
      // The server could not answer (down, restarting, overloaded): the session may well be fine.
      if (e instanceof ApiError && (e.status === 0 || e.status === 429 || e.status >= 500)) throw e;
      this.tokens = null;
      for (const listener of this.sessionEndedListeners) listener();
      throw new SessionEndedError(401, 'UNAUTHENTICATED', 'Your session has ended; log in again');
    }
  }

  private async doRefresh(): Promise<void> {
    if (this.auth === 'bearer') {
      if (!this.tokens) throw new ApiError(401, 'UNAUTHENTICATED', 'Not logged in');
      const answer = await this.parse<TokenResponse>(
        await this.send('POST', '/api/v1/auth/refresh', { body: { refreshToken: this.tokens.refreshToken } }),
      );
      this.tokens = { accessToken: answer.accessToken, refreshToken: answer.refreshToken };
    } else {
      await this.parse(await this.send('POST', '/api/v1/auth/refresh', {}));
    }
    this.generation += 1;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
