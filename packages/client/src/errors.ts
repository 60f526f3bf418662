import type { ErrorCode, FieldProblem } from '@relaydesk/protocol';

/** An error answer of the API, carrying its stable code: callers branch on `code`, never on `message`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK_ERROR',
    message: string,
    readonly requestId: string | null = null,
    readonly details: FieldProblem[] = [],
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }

  /** The message for one field, for forms that show errors next to their inputs. */
  fieldMessage(field: string): string | undefined {
    return this.details.find((d) => d.field === field || d.field === `/${field}`)?.message;
  }
}

export const isApiError = (e: unknown, code?: ApiError['code']): e is ApiError =>
  e instanceof ApiError && (code === undefined || e.code === code);

/** The session is over (refresh failed): the app should show the login screen. */
export class SessionEndedError extends ApiError {}
