import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Value from 'typebox/value';
import { ResumePositions } from '@relaydesk/protocol';
import type { AppContext } from '../../../context.js';
import type { Gateway } from '../../../realtime/gateway.js';
import { AppError } from '../../../errors.js';
import { assertAllowedOrigin, principalOf } from '../../plugins/authentication.js';
import { realtimeSchemas } from './schemas.js';

/** Seconds a refused client (connection cap, too many streams starting) should wait before trying again. */
const RETRY_AFTER_SECONDS = 5;

function parseResume(raw: string | undefined): Record<string, number> {
  if (raw === undefined || raw === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (!Value.Check(ResumePositions, parsed)) {
    throw new AppError('VALIDATION_FAILED', 'The request is not valid', [
      { field: 'resume', message: 'must be a JSON object of channel ids to sequence numbers, e.g. {"c1":118}' },
    ]);
  }
  return parsed as Record<string, number>;
}

/**
 * The HTTP fallback of the real-time gateway: the socket's server frames as Server-Sent Events.
 * Everything a client says goes through the REST API instead (sends, reads, typing).
 */
export function registerRealtimeRoutes(app: FastifyInstance, ctx: AppContext, gateway: Gateway): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/api/v1/realtime/stream',
    {
      schema: realtimeSchemas.openEventStream,
      config: { auth: 'required' },
    },
    async (request, reply) => {
      const who = principalOf(request);
      const userId = who.user.id;
      // Like the socket's Origin check: a page of a foreign origin must not read a stream opened with the user's cookies.
      if (request.credentials.via === 'cookie' && request.headers.origin !== undefined) assertAllowedOrigin(ctx.config.allowedOrigins, request.headers.origin);
      const positions = parseResume(request.query.resume);
      const admitted = await gateway.admitStream(request.ip, userId);
      if ('refused' in admitted) {
        reply.header('Retry-After', RETRY_AFTER_SECONDS);
        if (admitted.refused === 'busy') throw new AppError('NOT_READY', 'Too many streams starting at once; retry after a randomized backoff');
        throw new AppError('TOO_MANY_CONNECTIONS', 'Too many real-time connections for this user or address; close one or retry later');
      }
      const { admission } = admitted;
      // The security headers, request id and rate-limit headers set so far go out with the stream.
      const headers: OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value;
      reply.hijack();
      // The stream belongs to the access token's session: revoking that session ends it.
      await gateway.runStream(reply.raw, headers, { userId, sessionId: who.sessionId }, positions, admission);
    },
  );
}
