import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectionError, FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorStatus, type ErrorBody, type ErrorCode } from '@relaydesk/protocol';
import { AppError } from '../../errors.js';
import { sendError } from './errors.js';
import type { SecurityHeaders } from './security.js';

/**
 * The answers given before a route's hooks run: by the router (a path that does not decode, a
 * parameter over the length limit), by Node's HTTP parser (408, 431, a request line that does not
 * parse), for a request without `Host`, and during shutdown. Left to Fastify and Node they are
 * bare, unheaded, and some quote the path; here they follow the error contract like any other
 * error: `{ error: { code, message, requestId } }`, the security headers, and never the input.
 */

/** How long a refused connection may take to read our answer before it is cut. */
const REFUSAL_LINGER_MS = 1000;

/** `FOO /path HTTP/1.1`: a request line whose method llhttp does not know, as opposed to noise. */
const REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ [^ ]+ HTTP\/1\.[01]\r?\n/;

/** The methods the API uses anywhere: the parser failed, so the target resource is unknown. */
export const ANY_METHOD = { Allow: 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS' };

/** Node's parser and timeout errors, as one of our codes and a fixed message. */
function parserRefusal(err: ConnectionError, requestTimeoutMs: number): SocketRefusal {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { code: 'REQUEST_TIMEOUT', message: `The request did not arrive in full within ${requestTimeoutMs / 1000} s` };
    case 'HPE_HEADER_OVERFLOW':
      return { code: 'HEADERS_TOO_LARGE', message: 'The request line and headers are larger than the server accepts' };
    case 'HPE_INVALID_METHOD':
      // Node hands over the bytes it was parsing (typed as an array, a Buffer in fact).
      if (REQUEST_LINE.test(Buffer.from((err.rawPacket ?? []) as unknown as Uint8Array).toString('latin1'))) {
        return { code: 'METHOD_NOT_ALLOWED', message: 'This HTTP method is not supported', extra: ANY_METHOD };
      }
      return { code: 'BAD_REQUEST', message: 'The request is not valid HTTP/1.1' };
    default:
      return { code: 'BAD_REQUEST', message: 'The request is not valid HTTP/1.1' };
  }
}

/** A complete HTTP/1.1 error response, for writing straight to a socket no framework owns any more. */
export function rawErrorResponse(code: ErrorCode, message: string, requestId: string, headers: SecurityHeaders, extra: Record<string, string> = {}): string {
  const status = ErrorStatus[code];
  const body = JSON.stringify({ error: { code, message, requestId } } satisfies ErrorBody);
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    ...Object.entries({ ...headers, ...extra }).map(([name, value]) => `${name}: ${value}`),
    `X-Request-Id: ${requestId}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  return `${head.join('\r\n')}\r\n\r\n${body}`;
}

/** A refusal written on a socket that no framework answers for: logged, answered, closed. */
export interface SocketRefusal {
  code: ErrorCode;
  message: string;
  /** Headers beyond the security set (Allow, Sec-WebSocket-Version). */
  extra?: Record<string, string>;
}

/** Writes `refusal` and closes the socket, within REFUSAL_LINGER_MS even if the peer never reads or closes. */
export function refuseOnSocket(socket: Duplex, refusal: SocketRefusal, headers: SecurityHeaders, log: FastifyBaseLogger, reason: string): void {
  const requestId = randomUUID();
  const remoteAddress = (socket as Partial<Socket>).remoteAddress;
  log.info({ reqId: requestId, reason, remoteAddress }, `refused before routing: ${refusal.code}`);
  socket.end(rawErrorResponse(refusal.code, refusal.message, requestId, headers, refusal.extra));
  const linger = setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
}

/**
 * Fastify's `clientErrorHandler`: Node emits `clientError` when a request cannot be parsed or does
 * not arrive in time, and would otherwise write its own bare 400/408/431 on the socket.
 */
export function clientErrorHandler(headers: SecurityHeaders, requestTimeoutMs: number) {
  return function onClientError(this: FastifyInstance, err: ConnectionError, socket: Socket): void {
    // A reset peer, or one we have already answered (the parser then reports the EOF): nothing to say.
    if (err.code === 'ECONNRESET' || socket.destroyed || socket.writableEnded) {
      socket.destroy();
      return;
    }
    // Part of a response is on the wire already: another head would corrupt it.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (!socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    refuseOnSocket(socket, parserRefusal(err, requestTimeoutMs), headers, this.log, err.code);
  };
}

/** Fastify's `frameworkErrors`: the router's refusals, which run before any hook (so no headers yet). */
export function frameworkErrorHandler(headers: SecurityHeaders) {
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    reply.headers(headers).header('X-Request-Id', request.id);
    if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
      return sendError(request, reply, 414, 'URI_TOO_LONG', 'A segment of the path is longer than the server accepts');
    }
    if (err.code === 'FST_ERR_BAD_URL') {
      return sendError(request, reply, 400, 'BAD_REQUEST', 'The path is not a valid URL (bad percent-encoding)');
    }
    request.log.error({ err }, 'router failure');
    return sendError(request, reply, 500, 'INTERNAL', 'Something went wrong on our side');
  };
}

/**
 * Refusals that need the request but no route: a missing `Host` (Node's own check would answer an
 * empty 400, so it is turned off in serverOptions.ts and made here), and any request that arrives
 * once shutdown has begun (Fastify's own 503 would be bare). Register after the security headers.
 */
export function registerEdgeGuards(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (closing) {
      reply.header('Connection', 'close').header('Retry-After', '1');
      return done(new AppError('SHUTTING_DOWN', 'This server is shutting down; retry, another one (or this one restarted) will answer'));
    }
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      return done(new AppError('BAD_REQUEST', 'An HTTP/1.1 request needs a Host header'));
    }
    done();
  });
}
