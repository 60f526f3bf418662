import type { IncomingMessage } from 'node:http';
import type { SocketRefusal } from './plugins/edgeErrors.js';

/** RFC 6455 §4.1: 16 random bytes, base64. */
const KEY = /^[+/0-9A-Za-z]{22}==$/;
/** A comma-separated list of RFC 7230 tokens. */
const PROTOCOLS = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:[ \t]*,[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+)*$/;

/**
 * What an upgrade request would be refused for, checked before it reaches the gateway: a path other
 * than /ws, or a handshake the `ws` library would abort with its own bare text answer (the same
 * checks, in its order). Null when the gateway should take it; its own refusals then complete the
 * handshake and close with a 4xxx code a browser can read (docs/protocol.md).
 */
export function upgradeRefusal(request: IncomingMessage): SocketRefusal | null {
  const path = (request.url ?? '/').split('?')[0];
  if (path !== '/ws') return { code: 'NOT_FOUND', message: 'Only /ws accepts an upgrade' };
  if (request.method !== 'GET') return { code: 'METHOD_NOT_ALLOWED', message: 'A WebSocket handshake is a GET', extra: { Allow: 'GET' } };
  if (request.headers.upgrade?.toLowerCase() !== 'websocket') return { code: 'BAD_REQUEST', message: 'Only an upgrade to websocket is accepted' };
  const key = request.headers['sec-websocket-key'];
  if (key === undefined || !KEY.test(key)) return { code: 'BAD_REQUEST', message: 'Missing or invalid Sec-WebSocket-Key header' };
  const version = request.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') {
    return { code: 'BAD_REQUEST', message: 'Missing or unsupported Sec-WebSocket-Version header', extra: { 'Sec-WebSocket-Version': '13, 8' } };
  }
  const protocols = request.headers['sec-websocket-protocol'];
  if (protocols !== undefined) {
    const names = protocols.trim().split(/[ \t]*,[ \t]*/);
    if (!PROTOCOLS.test(protocols.trim()) || new Set(names).size !== names.length) {
      return { code: 'BAD_REQUEST', message: 'Invalid Sec-WebSocket-Protocol header' };
    }
  }
  return null;
}
