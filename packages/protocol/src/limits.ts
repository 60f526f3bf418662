/** Product limits (PRODUCT.md). Server validation and client-side hints both read these. */
export const Limits = {
  usernameMin: 3,
  usernameMax: 30,
  /** Accepted in any case; stored lower-case. */
  usernamePattern: '^[A-Za-z0-9_]+$',
  passwordMin: 8,
  passwordMax: 128,
  displayNameMin: 1,
  displayNameMax: 64,
  /** RFC 5321: a path is at most 256 octets with its brackets, so an address at most 254; ASCII only. */
  emailMax: 254,
  /** RFC 5321 §4.5.3.1.1: a local part is at most 64 octets. */
  emailLocalMax: 64,
  jsonBodyBytes: 1024 * 1024,
  requestTimeoutMs: 30_000,
  accessTokenTtlSeconds: 15 * 60,
  refreshTokenTtlSeconds: 30 * 24 * 60 * 60,
  wsTicketTtlSeconds: 5 * 60,
} as const;

/**
 * Character rules shared by the schemas and the server (docs/text.md). Each is the inside of a
 * regular-expression character class, written with \u escapes so it reads the same in a JSON
 * Schema `pattern` (the API document) as in code.
 */
export const TextRules = {
  /**
   * Never in a one-line text (names, topics): C0 and C1 controls, line and paragraph separators,
   * and the bidi embedding, override and isolate controls that reorder the text around them.
   */
  lineForbidden: '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069',
} as const;
