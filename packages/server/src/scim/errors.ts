import type { FastifyError, FastifyReply } from 'fastify';
import { AppError } from '../errors.js';
import { isStorageFault } from '../storage/errors.js';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** RFC 7644 §3.12 `scimType` values this server uses. */
export type ScimType = 'invalidFilter' | 'uniqueness' | 'invalidValue' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'tooMany';

/** An error that leaves in the SCIM error schema (RFC 7644 §3.12), not RelayDesk's own format. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimType,
  ) {
    super(detail);
    this.name = 'ScimError';
  }
}

export const invalidValue = (detail: string) => new ScimError(400, detail, 'invalidValue');
export const notFound = (what: string) => new ScimError(404, `No such ${what}`);

export interface ScimErrorBody {
  schemas: [typeof ERROR_SCHEMA];
  status: string;
  detail: string;
  scimType?: ScimType;
}

const body = (status: number, detail: string, scimType?: ScimType): ScimErrorBody => ({
  schemas: [ERROR_SCHEMA],
  status: String(status),
  detail,
  ...(scimType ? { scimType } : {}),
});

/** What any error thrown under /scim/v2 — ours, the authentication plugin's, Fastify's — answers. */
export function toScimError(err: FastifyError | Error): { status: number; body: ScimErrorBody; retryAfter?: number } {
  if (err instanceof ScimError) return { status: err.status, body: body(err.status, err.detail, err.scimType) };
  if (err instanceof AppError) {
    const scimType: ScimType | undefined =
      err.status === 409 ? 'uniqueness' : err.code === 'VALIDATION_FAILED' ? 'invalidValue' : err.status === 400 ? 'invalidSyntax' : undefined;
    return { status: err.status, body: body(err.status, err.message, scimType) };
  }
  if (isStorageFault(err)) return { status: 503, body: body(503, 'The database is not available at the moment; try again shortly'), retryAfter: err.retryAfterSeconds };
  const fastifyError = err as FastifyError;
  if (fastifyError.validation) return { status: 400, body: body(400, 'The request is not valid', 'invalidSyntax') };
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // Fastify's own messages may quote the request back: a fixed one per case instead.
    const detail = err instanceof SyntaxError ? 'The body is not valid JSON' : status === 415 ? 'Send application/scim+json or application/json' : 'The request is not valid';
    return { status, body: body(status, detail, status === 400 ? 'invalidSyntax' : undefined) };
  }
  return { status: 500, body: body(500, 'Something went wrong on our side') };
}

export function sendScimError(reply: FastifyReply, status: number, errorBody: ScimErrorBody, retryAfter?: number) {
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  return reply.code(status).type(SCIM_CONTENT_TYPE).send(errorBody);
}

export { body as scimErrorBody };
