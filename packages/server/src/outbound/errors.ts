import type { RefusalReason } from './addressPolicy.js';

/** Stable codes: callers (webhook delivery, link previews) branch on them and report them to users. */
export type OutboundErrorCode =
  | 'OUTBOUND_REFUSED'
  | 'OUTBOUND_TIMEOUT'
  | 'OUTBOUND_UNREACHABLE'
  | 'OUTBOUND_TOO_LARGE'
  | 'OUTBOUND_BAD_URL';

export interface OutboundErrorDetails {
  /** The URL's host as parsed (normalized by the WHATWG URL parser). */
  host?: string;
  /** OUTBOUND_REFUSED: the address that was refused (one of the host's answers, or the literal). */
  address?: string;
  reason?: RefusalReason;
  cause?: unknown;
}

/**
 * The one error of the outbound client. Not an AppError: these are failures of a call the server
 * makes, not answers to the request a client made; the action that made the call decides what
 * its own client sees (a webhook delivery records it, a link preview is left out).
 */
export class OutboundError extends Error {
  readonly host: string | undefined;
  readonly address: string | undefined;
  readonly reason: RefusalReason | undefined;

  constructor(
    readonly code: OutboundErrorCode,
    message: string,
    details: OutboundErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'OutboundError';
    this.host = details.host;
    this.address = details.address;
    this.reason = details.reason;
  }
}

export const isOutboundError = (e: unknown, code?: OutboundErrorCode): e is OutboundError =>
  e instanceof OutboundError && (code === undefined || e.code === code);
