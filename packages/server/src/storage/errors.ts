/** Typed storage failures. Only the HTTP/WebSocket edges turn these into status codes. */
export class NotFoundError extends Error {
  constructor(readonly entity: string) {
    super(`${entity} not found`);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends Error {
  /** `field` names the unique value that collided, e.g. `username`. */
  constructor(readonly field: string) {
    super(`${field} already exists`);
    this.name = 'ConflictError';
  }
}

/**
 * The database cannot be used at the moment: it does not answer, refuses connections, or is
 * shutting down. Nothing was committed by the operation that saw it (or, if the connection
 * died during COMMIT, the caller cannot know, so it must not acknowledge: a retry with the
 * same idempotency key settles it). `cause` is the driver's own error, for the logs.
 */
export class StorageUnavailableError extends Error {
  /** A PostgreSQL restart takes a few seconds; clients should not retry much sooner. */
  readonly retryAfterSeconds = 5;
  constructor(options: { cause: unknown }) {
    super(`storage unavailable: ${describeCause(options.cause)}`, options);
    this.name = 'StorageUnavailableError';
  }
}

/** The disk (or the database's quota) is full: writes fail until space is freed; reads still work. */
export class StorageFullError extends Error {
  /** Freeing space takes an operator; retrying sooner only adds load. */
  readonly retryAfterSeconds = 30;
  constructor(options: { cause: unknown }) {
    super(`storage full: ${describeCause(options.cause)}`, options);
    this.name = 'StorageFullError';
  }
}

export type StorageFault = StorageUnavailableError | StorageFullError;

export function isStorageFault(err: unknown): err is StorageFault {
  return err instanceof StorageUnavailableError || err instanceof StorageFullError;
}

/** "SQLITE_FULL: database or disk is full", "57P01: terminating connection ...", "ECONNREFUSED: ...". */
function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const code = (cause as { code?: unknown }).code;
  return typeof code === 'string' && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
}
