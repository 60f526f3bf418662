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
