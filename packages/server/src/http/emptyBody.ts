import type { FastifyRequest } from 'fastify';

/** For POSTs whose body may be omitted entirely: validate a missing body as `{}`. */
export async function emptyBodyAsObject(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}
