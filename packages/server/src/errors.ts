import { ErrorStatus, type ErrorCode, type FieldProblem } from '@relaydesk/protocol';

/** The one domain error. Actions throw it; the HTTP and WebSocket edges render it. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldProblem[],
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ErrorStatus[code];
  }
}
