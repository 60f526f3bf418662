import { TEST_ORIGIN } from './testServer.js';

interface StoredCookie {
  value: string;
  path: string;
}

export interface TestResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  /** Raw body, sent as is (with its own content-type header). */
  raw?: string | Buffer;
  /** A multipart/form-data body (fetch writes the boundary into the content-type). */
  form?: FormData;
  headers?: Record<string, string>;
  /** Send Origin and X-CSRF-Token like the web app does (default true). */
  browser?: boolean;
}

/**
 * A real HTTP client (fetch) with a cookie jar that honours Path, Max-Age and deletion, so
 * tests see cookies exactly as a browser on the allowed origin would send them.
 */
export class TestClient {
  readonly jar = new Map<string, StoredCookie>();

  constructor(
    readonly baseUrl: string,
    readonly origin: string = TEST_ORIGIN,
  ) {}

  cookie(name: string): string | undefined {
    return this.jar.get(name)?.value;
  }

  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<TestResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const pathname = path.split('?')[0] ?? path;
    const cookies = [...this.jar.entries()].filter(([, c]) => pathname.startsWith(c.path)).map(([n, c]) => `${n}=${c.value}`);
    if (cookies.length > 0 && headers.cookie === undefined) headers.cookie = cookies.join('; ');
    if (options.browser !== false) {
      headers.origin ??= this.origin;
      const csrf = this.cookie('csrf');
      if (csrf && headers['x-csrf-token'] === undefined) headers['x-csrf-token'] = csrf;
    }
    let body: string | Buffer | FormData | undefined = options.form ?? options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.baseUrl + path, { method, headers, body, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) this.store(line);
    const text = await res.text();
    let parsed: unknown = text;
    if (res.headers.get('content-type')?.includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  get<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options);
  }
  post<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('POST', path, { ...options, body });
  }
  delete<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, options);
  }

  /** The response body as bytes (downloads), with status and headers. */
  async download(path: string, options: { headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
    const headers: Record<string, string> = { ...options.headers };
    const pathname = path.split('?')[0] ?? path;
    const cookies = [...this.jar.entries()].filter(([, c]) => pathname.startsWith(c.path)).map(([n, c]) => `${n}=${c.value}`);
    if (cookies.length > 0) headers.cookie = cookies.join('; ');
    const res = await fetch(this.baseUrl + path, { headers, redirect: 'manual' });
    return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
  }

  private store(line: string): void {
    const [pair, ...attrs] = line.split(';').map((s) => s.trim());
    const eq = pair?.indexOf('=') ?? -1;
    if (!pair || eq < 1) return;
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    let cookiePath = '/';
    let expired = value === '';
    for (const attr of attrs) {
      const [k, v = ''] = attr.split('=');
      const key = k?.toLowerCase();
      if (key === 'path') cookiePath = v;
      if (key === 'max-age' && Number(v) <= 0) expired = true;
      if (key === 'expires' && Date.parse(v) <= Date.now()) expired = true;
    }
    if (expired) this.jar.delete(name);
    else this.jar.set(name, { value, path: cookiePath });
  }
}

let counter = 0;
/** Unique, valid registration input. */
export function newUserInput(overrides: Partial<{ email: string; username: string; password: string; displayName: string }> = {}) {
  counter += 1;
  const tag = `${process.pid.toString(36)}${counter.toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  return { email: `u${tag}@example.com`, username: `u_${tag}`, password: 'correct horse battery', ...overrides };
}

/** Registers a fresh user through the API; the client is then signed in as that user. */
export async function registerNewUser(client: TestClient, overrides: Parameters<typeof newUserInput>[0] = {}) {
  const input = newUserInput(overrides);
  const res = await client.post('/api/v1/auth/register', input);
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${res.text}`);
  return { input, user: res.body.user as { id: string; username: string; email: string; displayName: string } };
}
