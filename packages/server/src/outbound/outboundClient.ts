import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { checkTarget, parseAllowList, REASON_LABELS, type AllowList } from './addressPolicy.js';
import { OutboundError } from './errors.js';

export { OutboundError, isOutboundError, type OutboundErrorCode } from './errors.js';

/*
 * Everything the server fetches or calls on a user's behalf (webhooks, link previews) goes through
 * this client: no other `fetch` to a user-given URL (docs/integrations.md, "Outbound requests").
 *
 * Built on node:http/https rather than fetch/undici: their `lookup` option is the one place a
 * connection's address is chosen, so handing them the address we already checked closes DNS
 * rebinding without a dependency or a custom connector; they never follow redirects nor read
 * proxy variables on their own, and we want neither.
 */

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a hostname to every address it has; injectable so tests can answer as an attacker's DNS would. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => {
  const answers = await dns.promises.lookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

export interface OutboundClientOptions {
  /** OUTBOUND_ALLOWED_HOSTS entries (hostnames, addresses, CIDRs); empty refuses every internal target. */
  allowedHosts?: readonly string[];
  /** Whole request: DNS, connect, response headers and body. */
  timeoutMs?: number;
  /** Body bytes read before the request fails with OUTBOUND_TOO_LARGE. */
  maxResponseBytes?: number;
  userAgent?: string;
  /** Replaces DNS (tests). Default: the system resolver, as every other program on the host sees names. */
  resolver?: Resolver;
  /**
   * Extra CA certificates (PEM) trusted for https targets, on top of Node's. Tests use it; an
   * operator with an internal CA sets NODE_EXTRA_CA_CERTS instead.
   */
  ca?: string | Buffer | (string | Buffer)[];
}

export interface OutboundRequest {
  method?: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
  timeoutMs?: number;
  maxResponseBytes?: number;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** At most maxResponseBytes; a larger body is an OUTBOUND_TOO_LARGE error, never a truncated body. */
  body: Buffer;
  /** The URL requested, normalized (what was actually called). */
  url: string;
  /** The address the connection went to: one of the checked ones. */
  address: string;
  /**
   * A 3xx status. Redirects are never followed (the next URL would skip the checks); callers treat
   * a redirect as a failed call, and `location` says where it pointed, for the error they report.
   */
  redirect: boolean;
  location: string | undefined;
}

export interface OutboundClient {
  request(url: string | URL, init?: OutboundRequest): Promise<OutboundResponse>;
}

/** Why 10 s: a webhook receiver or a page that takes longer is broken for a chat's purposes. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Why 1 MiB: enough for a webhook answer or a page's <head>; link previews read no further. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
export const DEFAULT_USER_AGENT = 'RelayDesk-Outbound/1';

interface Target {
  url: URL;
  hostname: string;
  port: number;
  addresses: ResolvedAddress[];
}

/**
 * A `lookup` for http.request that ignores the name and answers with the addresses already
 * checked: the socket cannot connect anywhere else, whatever DNS says by then.
 */
export function pinnedLookup(addresses: readonly ResolvedAddress[]): net.LookupFunction {
  return (_hostname, options, callback) => {
    // With autoSelectFamily (Node 20's default) net asks for all addresses and tries them in turn.
    if (options.all) callback(null, addresses.map((a) => ({ address: a.address, family: a.family })));
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };
}

function parseTarget(input: string | URL): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new OutboundError('OUTBOUND_BAD_URL', `Not a URL: ${JSON.stringify(String(input))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundError('OUTBOUND_BAD_URL', `Only http and https URLs can be called (got ${url.protocol})`, { host: url.hostname });
  }
  if (url.username || url.password) {
    throw new OutboundError('OUTBOUND_BAD_URL', 'URLs with credentials (user:password@) are not accepted', { host: url.hostname });
  }
  if (!url.hostname) throw new OutboundError('OUTBOUND_BAD_URL', 'The URL has no host');
  return url;
}

export function createOutboundClient(options: OutboundClientOptions = {}): OutboundClient {
  const allowList: AllowList = parseAllowList(options.allowedHosts ?? []);
  const resolve = options.resolver ?? systemResolver;
  const defaultTimeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const defaultMax = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;

  /** Every address the host resolves to, each checked; one refused address refuses the target. */
  async function resolveTarget(url: URL): Promise<Target> {
    // The WHATWG parser has already turned 2130706433, 0x7f.1 and 127.1 into 127.0.0.1; v6 keeps brackets.
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    let addresses: ResolvedAddress[];
    const family = net.isIP(hostname);
    if (family !== 0) addresses = [{ address: hostname, family: family as 4 | 6 }];
    else {
      try {
        addresses = await resolve(hostname);
      } catch (cause) {
        throw new OutboundError('OUTBOUND_UNREACHABLE', `Could not resolve ${hostname}: ${(cause as Error).message}`, { host: hostname, cause });
      }
      if (addresses.length === 0) throw new OutboundError('OUTBOUND_UNREACHABLE', `${hostname} has no address`, { host: hostname });
    }
    for (const { address } of addresses) {
      const verdict = checkTarget(allowList, hostname, address);
      if (!verdict.allowed) {
        const subject = address === hostname ? 'it' : `it resolves to ${address}, which`;
        const via = verdict.embedded ? `, as ${verdict.embedded.via} of ${verdict.embedded.ipv4}` : '';
        throw new OutboundError(
          'OUTBOUND_REFUSED',
          `Refused to call ${hostname}: ${subject} is a ${REASON_LABELS[verdict.reason]} address (${verdict.reason}${via}); ` +
            'only hosts or CIDRs listed in OUTBOUND_ALLOWED_HOSTS may be internal',
          { host: hostname, address, reason: verdict.reason },
        );
      }
    }
    return { url, hostname, port, addresses };
  }

  function send(target: Target, init: OutboundRequest, deadline: AbortSignal, maxBytes: number): Promise<OutboundResponse> {
    const { url, hostname, addresses } = target;
    const body = init.body === undefined ? undefined : Buffer.from(init.body);
    const headers: OutgoingHttpHeaders = {
      'user-agent': userAgent,
      ...init.headers,
      host: url.host,
      ...(body ? { 'content-length': body.length } : {}),
    };
    const requestOptions: https.RequestOptions = {
      method: init.method ?? 'GET',
      host: hostname,
      port: target.port,
      path: `${url.pathname}${url.search}`,
      headers,
      lookup: pinnedLookup(addresses),
      // A fresh connection per call: nothing pooled under a hostname outlives the check made for it.
      agent: false,
      signal: deadline,
      // TLS checks the certificate against the name, not the address we connect to.
      ...(url.protocol === 'https:' && net.isIP(hostname) === 0 ? { servername: hostname } : {}),
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    };
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<OutboundResponse>((resolvePromise, reject) => {
      const req = transport.request(requestOptions, (res) => {
        // Read now: once the response is done the socket is gone.
        const connectedTo = res.socket?.remoteAddress ?? addresses[0]!.address;
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes) {
          reject(tooLarge(hostname, maxBytes));
          req.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            reject(tooLarge(hostname, maxBytes));
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const redirect = status >= 300 && status < 400;
          const location = redirect && typeof res.headers.location === 'string' ? res.headers.location : undefined;
          resolvePromise({
            status,
            headers: res.headers,
            body: Buffer.concat(chunks),
            url: url.href,
            address: connectedTo,
            redirect,
            location,
          });
        });
        res.on('error', (cause) => reject(failure(cause, hostname, deadline)));
        // A peer that hangs up mid-body: no 'end', and not always an 'error' either.
        res.on('close', () => {
          if (!res.complete) reject(failure(new Error('the connection closed before the response was complete'), hostname, deadline));
        });
      });
      req.on('error', (cause) => reject(failure(cause, hostname, deadline)));
      req.end(body);
    });
  }

  return {
    async request(input, init = {}) {
      const url = parseTarget(input);
      const timeoutMs = init.timeoutMs ?? defaultTimeout;
      const deadline = AbortSignal.timeout(timeoutMs);
      const timedOut = new Promise<never>((_, reject) => {
        deadline.addEventListener('abort', () => reject(timeout(url.hostname, timeoutMs)), { once: true });
      });
      timedOut.catch(() => undefined); // observed through the races below; never an unhandled rejection
      const target = await Promise.race([resolveTarget(url), timedOut]);
      return Promise.race([send(target, init, deadline, init.maxResponseBytes ?? defaultMax), timedOut]);
    },
  };
}

const tooLarge = (host: string, max: number) =>
  new OutboundError('OUTBOUND_TOO_LARGE', `The response from ${host} is larger than ${max} bytes`, { host });

const timeout = (host: string, ms: number) =>
  new OutboundError('OUTBOUND_TIMEOUT', `${host} did not answer within ${ms} ms`, { host });

function failure(cause: unknown, host: string, deadline: AbortSignal): OutboundError {
  if (cause instanceof OutboundError) return cause;
  if (deadline.aborted) return new OutboundError('OUTBOUND_TIMEOUT', `${host} did not answer in time`, { host, cause });
  const code = (cause as NodeJS.ErrnoException).code;
  const what = code ? `${code}: ${(cause as Error).message}` : String(cause);
  return new OutboundError('OUTBOUND_UNREACHABLE', `Could not reach ${host} (${what})`, { host, cause });
}
