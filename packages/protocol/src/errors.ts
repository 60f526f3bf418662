/**
 * Stable error codes. Clients branch on `code`, never on `message`; a code, once shipped,
 * keeps its meaning. The HTTP status that goes with each code lives here too, so the server's
 * edge and the SDK agree on it.
 */
export const ErrorStatus = {
  VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  INVALID_FRAME: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  TOKEN_EXPIRED: 401,
  SESSION_REVOKED: 401,
  REFRESH_TOKEN_REUSED: 401,
  CSRF_FAILED: 403,
  ORIGIN_FORBIDDEN: 403,
  FORBIDDEN: 403,
  /** An API token without the scope this operation needs (read, write, admin, scim, events). */
  INSUFFICIENT_SCOPE: 403,
  NOT_A_MEMBER: 403,
  /** The other user has blocked this one (or this one them): no new conversation, send, edit, reaction or typing reaches them. */
  BLOCKED: 403,
  CHANNEL_ARCHIVED: 403,
  EDIT_WINDOW_CLOSED: 403,
  RECEIPTS_UNAVAILABLE: 400,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  USERNAME_TAKEN: 409,
  EMAIL_TAKEN: 409,
  CONFLICT: 409,
  SLUG_TAKEN: 409,
  INVITE_INVALID: 404,
  /** A set-password link that does not exist, has expired or was used already. */
  LINK_INVALID: 404,
  /** The Idempotency-Key was used before with another request body (IETF draft-ietf-httpapi-idempotency-key-header). */
  IDEMPOTENCY_KEY_REUSED: 422,
  PAYLOAD_TOO_LARGE: 413,
  /** An upload over UPLOAD_MAX_BYTES. */
  FILE_TOO_LARGE: 413,
  /** An image with more pixels than FileLimits.maxPixels (a decompression bomb). */
  IMAGE_TOO_LARGE: 413,
  /** The content's real type is not on the allowed list. */
  FILE_TYPE_NOT_ALLOWED: 415,
  /** An executable or script, whatever its name. */
  FILE_EXECUTABLE: 415,
  /** The name's extension says one type, the content another (a .png that is a PE file). */
  FILE_TYPE_MISMATCH: 415,
  /** Media that also carries markup or script (a polyglot). */
  FILE_CONTENT_SUSPICIOUS: 415,
  /** A path (or one of its parameters) longer than the router accepts. */
  URI_TOO_LONG: 414,
  RANGE_NOT_SATISFIABLE: 416,
  /** Request headers larger than the server accepts. */
  HEADERS_TOO_LARGE: 431,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  TOO_MANY_CONNECTIONS: 429,
  INTERNAL: 500,
  NOT_READY: 503,
  /** The node is shutting down (SIGTERM): retry, another node (or this one after restart) answers. */
  SHUTTING_DOWN: 503,
  /** The database cannot be reached; comes with Retry-After. Nothing was changed. */
  STORAGE_UNAVAILABLE: 503,
  /** The disk (or database) is full; comes with Retry-After. Nothing was changed. */
  STORAGE_FULL: 503,
  /** Too much expensive work (image processing) is queued on this node; comes with Retry-After. Nothing was changed. */
  SERVER_BUSY: 503,
  REQUEST_TIMEOUT: 408,
} as const;

export type ErrorCode = keyof typeof ErrorStatus;

export interface FieldProblem {
  /** JSON pointer-ish path of the offending field, e.g. `username` or `body`. */
  field: string;
  message: string;
}

/** The one error shape every error response carries. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    requestId: string;
    details?: FieldProblem[];
  };
}
