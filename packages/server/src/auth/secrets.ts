import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 random bits, URL-safe: refresh tokens, WebSocket tickets, CSRF tokens. */
export const randomToken = (): string => randomBytes(32).toString('base64url');

/** Tokens are stored as SHA-256: a leaked table does not yield usable tokens. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
