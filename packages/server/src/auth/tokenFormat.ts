import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * API tokens as GitHub shapes them: a prefix that says what it is (`rdp_` personal, `rdb_` bot),
 * 30 random base62 characters (178 bits), and a 6-character base62 CRC32 of the rest. The prefix
 * lets secret scanners find a leaked token; the checksum lets them (and us, before any database
 * read) tell a real token from a string that only looks like one.
 */
export type TokenKind = 'personal' | 'bot';
const PREFIX: Record<TokenKind, string> = { personal: 'rdp_', bot: 'rdb_' };
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY = 30;
const CHECKSUM = 6;
const SHAPE = /^rd[pb]_[0-9A-Za-z]{36}$/;

export function newApiToken(kind: TokenKind): string {
  // Rejection sampling: 248 = 4 × 62, so every character is equally likely.
  let body = '';
  while (body.length < BODY) {
    for (const byte of randomBytes(BODY)) if (byte < 248 && body.length < BODY) body += ALPHABET[byte % 62];
  }
  const head = PREFIX[kind] + body;
  return head + checksumOf(head);
}

/** Whether `token` has an API token's shape (prefix, length, alphabet); says nothing of its checksum. */
export const looksLikeApiToken = (token: string): boolean => SHAPE.test(token);

/** Shape and checksum: a typo or a made-up token fails here, without a database read. */
export function isWellFormedApiToken(token: string): boolean {
  return SHAPE.test(token) && checksumOf(token.slice(0, -CHECKSUM)) === token.slice(-CHECKSUM);
}

function checksumOf(head: string): string {
  let n = crc32(head);
  let out = '';
  for (let i = 0; i < CHECKSUM; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}
