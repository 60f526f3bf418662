import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody, ErrorCode, FieldProblem } from '@relaydesk/protocol';
import { AppError } from '../../errors.js';
import { StorageFullError, isStorageFault } from '../../storage/errors.js';

export function sendError(request: FastifyRequest, reply: FastifyReply, status: number, code: ErrorCode, message: string, details?: FieldProblem[]) {
  const body: ErrorBody = { error: { code, message, requestId: request.id, ...(details ? { details } : {}) } };
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

/** Fastify's own 4xx codes, mapped onto ours. */
const statusCodes: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/**
 * Fastify's messages for these quote the request back (the Content-Type header; V8's JSON error
 * quotes the body): ours say what is wrong without echoing input.
 */
function safeMessage(err: FastifyError): string {
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'This content type is not accepted here';
  if (err instanceof SyntaxError) return 'The body is not valid JSON';
  return err.message;
}

interface AjvIssue {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

function fieldProblems(issues: AjvIssue[]): FieldProblem[] {
  return issues.map((i) => {
    const extra = (i.params.missingProperty ?? i.params.additionalProperty) as string | undefined;
    const path = [i.instancePath.replace(/^\//, '').replace(/\//g, '.'), extra].filter(Boolean).join('.');
    const message = i.keyword === 'additionalProperties' ? 'is not an accepted field' : (i.message ?? 'is invalid');
    return { field: path || 'body', message };
  });
}

/** Every error leaves as `{ error: { code, message, requestId } }`; internals never leave at all. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof AppError) {
      return sendError(request, reply, err.status, err.code, err.message, err.details);
    }
    if (isStorageFault(err)) {
      // The cause (SQLITE_FULL, 57P01, ECONNREFUSED ...) goes to the log, never to the client.
      request.log.error({ err: err.cause, fault: err.name }, err.message);
      reply.header('retry-after', String(err.retryAfterSeconds));
      return err instanceof StorageFullError
        ? sendError(request, reply, 503, 'STORAGE_FULL', 'The server is out of storage space; try again later')
        : sendError(request, reply, 503, 'STORAGE_UNAVAILABLE', 'The database is not available at the moment; try again shortly');
    }
    if (err.validation) {
      return sendError(request, reply, 400, 'VALIDATION_FAILED', 'The request is not valid', fieldProblems(err.validation as AjvIssue[]));
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return sendError(request, reply, status, statusCodes[status] ?? 'BAD_REQUEST', safeMessage(err));
    }
    request.log.error({ err }, 'unhandled error');
    return sendError(request, reply, 500, 'INTERNAL', 'Something went wrong on our side');
  });

  // The path is not echoed: it is the requester's input, and an error page is no place to reflect it.
  app.setNotFoundHandler((request, reply) => sendError(request, reply, 404, 'NOT_FOUND', 'Nothing is served at this address'));
}
