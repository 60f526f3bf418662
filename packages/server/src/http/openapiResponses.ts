import type { FastifySchema, RouteOptions } from 'fastify';
import Type from 'typebox';
import { ErrorStatus } from '@relaydesk/protocol';
import { emptyBodyAsObject } from './emptyBody.js';

declare module 'fastify' {
  interface FastifySchema {
    /**
     * Error statuses this route answers beyond those every route of its kind answers (see
     * `routeErrorStatuses`). For the API document only: the error handler shapes every error.
     */
    errorStatuses?: readonly ErrorHttpStatus[];
    /** A request body Fastify does not parse (multipart), described for the API document only. */
    documentedBody?: { content: Record<string, { schema: unknown }>; description?: string };
  }
}

export type ErrorHttpStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 416 | 422 | 429 | 503;

/** The one error shape (protocol/src/errors.ts), as the shared `ErrorBody` component of the document. */
export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable, machine-readable; clients branch on it, never on the message.' }),
      message: Type.String({ description: 'For humans; may change.' }),
      requestId: Type.String({ description: 'Also in the X-Request-Id header and in the server log.' }),
      details: Type.Optional(
        Type.Array(Type.Object({ field: Type.String(), message: Type.String() }), { description: 'Per-field problems of a 400.' }),
      ),
    }),
  },
  { $id: 'ErrorBody', title: 'ErrorBody', description: 'Every error response: { error: { code, message, requestId, details? } }.' },
);

const errorSummary: Record<ErrorHttpStatus, string> = {
  400: 'The request is not valid',
  401: 'Not signed in, or the session or token is no longer valid',
  403: 'Signed in but not allowed (or a missing CSRF token or a foreign Origin on a cookie-authenticated change)',
  404: 'No such resource, or one the caller may not see: both look the same',
  409: 'Conflicts with the current state',
  413: 'The body is too large',
  415: 'The body is not of an accepted type',
  416: 'The requested range is outside the file',
  422: 'The request cannot be processed as sent (an Idempotency-Key reused with another body)',
  429: 'Too many requests: wait for Retry-After seconds',
  503: 'Temporarily unavailable (storage unreachable or full, shutting down): retry after Retry-After seconds',
};

/** The codes that go with a status, from the one table in the protocol package. */
const codesOf = (status: number) =>
  Object.entries(ErrorStatus)
    .filter(([code, s]) => s === status && code !== 'INVALID_FRAME')
    .map(([code]) => code);

const retryAfter = { 'Retry-After': { type: 'integer', description: 'Seconds to wait before retrying.' } };

function errorResponse(status: ErrorHttpStatus): Record<string, unknown> {
  return {
    $ref: 'ErrorBody#',
    description: `${errorSummary[status]}. Codes: ${codesOf(status).join(', ')}.`,
    ...(status === 429 || status === 503 ? { headers: retryAfter } : {}),
  };
}

const successDescription: Record<string, string> = {
  200: 'Success',
  201: 'Created',
  204: 'Done; no body',
  206: 'Partial content: the requested byte range',
  304: 'Not modified: the cached copy (If-None-Match) is current',
};

/** A success answer without a body. */
export const noContent = { 204: Type.Unsafe<undefined>({ type: 'null', description: successDescription[204] }) };

interface RouteFacts {
  url: string;
  method: string | string[];
  config?: { auth?: string; scope?: string };
  preValidation?: RouteOptions['preValidation'];
}

const isPublicApi = (url: string) => url.startsWith('/api/v1/');

/**
 * The error statuses a route answers, derived from what it declares: inputs can be invalid (400),
 * a path id can name nothing visible (404), a JSON body can be too large or of the wrong type
 * (413, 415), an authenticated route needs a valid session (401) and, when it changes state,
 * the CSRF token and an allowed Origin (403); the API is rate limited (429) and needs storage (503).
 */
export function routeErrorStatuses(schema: FastifySchema, route: RouteFacts): ErrorHttpStatus[] {
  const statuses = new Set<ErrorHttpStatus>(schema.errorStatuses ?? []);
  const hasBody = schema.body !== undefined || schema.documentedBody !== undefined;
  if (hasBody || schema.querystring !== undefined || schema.params !== undefined) statuses.add(400);
  if (route.config?.auth === 'required') {
    statuses.add(401);
    // A change can lack the CSRF token or come from a foreign Origin; any route can be called
    // with an API token that lacks its scope (INSUFFICIENT_SCOPE).
    statuses.add(403);
  }
  if (schema.params !== undefined) statuses.add(404);
  if (hasBody) {
    statuses.add(413);
    statuses.add(415);
  }
  if (isPublicApi(route.url)) {
    statuses.add(429);
    statuses.add(503);
  }
  return [...statuses].sort((a, b) => a - b);
}

/** Whether the route accepts a missing body (validated as `{}`). */
export function bodyIsOptional(route: RouteFacts): boolean {
  return [route.preValidation].flat().includes(emptyBodyAsObject as never);
}

/**
 * The schema as documented: success responses described, the error responses added (each a
 * reference to the shared ErrorBody), a documented-only body in place of the parsed one.
 */
export function documentedSchema(schema: FastifySchema, route: RouteFacts): FastifySchema {
  const response: Record<string, unknown> = {};
  for (const [status, body] of Object.entries((schema.response ?? {}) as Record<string, Record<string, unknown>>)) {
    response[status] = body.description || body['x-response-description'] ? body : { ...body, 'x-response-description': successDescription[status] ?? 'Success' };
  }
  for (const status of routeErrorStatuses(schema, route)) response[status] ??= errorResponse(status);
  const { errorStatuses: _errors, documentedBody, ...rest } = schema;
  return { ...rest, ...(documentedBody ? { body: documentedBody } : {}), response };
}

/**
 * The route schemas of one area, keyed by operation id: each key becomes the `operationId` of its
 * operation in the API document, so ids are written once and cannot repeat within an area.
 */
export function operations<T extends Record<string, FastifySchema>>(defs: T): { [K in keyof T]: T[K] & { operationId: K & string } } {
  return Object.fromEntries(Object.entries(defs).map(([id, schema]) => [id, { operationId: id, ...schema }])) as never;
}
