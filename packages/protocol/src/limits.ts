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
  /** RFC 5321 caps a forward path at 254 characters. */
  emailMax: 254,
  jsonBodyBytes: 1024 * 1024,
  requestTimeoutMs: 30_000,
  accessTokenTtlSeconds: 15 * 60,
  refreshTokenTtlSeconds: 30 * 24 * 60 * 60,
  wsTicketTtlSeconds: 5 * 60,
} as const;
