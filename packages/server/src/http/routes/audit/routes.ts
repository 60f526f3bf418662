import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AuditPage, AuditQuery, WorkspaceParams } from '@relaydesk/protocol';
import type { AppContext } from '../../../context.js';
import { principalOf } from '../../plugins/authentication.js';
import { readAuditLog } from '../../../actions/auditLog.js';
import { operations } from '../../openapiResponses.js';

const schemas = operations({
  readAuditLog: {
    tags: ['workspaces'],
    summary: 'Audit log',
    description:
      'Admin and integration actions in this workspace, newest first: who (user, and API token if one was used), what, when, from which address. ' +
      'Workspace admins only; page back with `before` (the `createdAt` of the last entry seen).',
    params: WorkspaceParams,
    querystring: AuditQuery,
    response: { 200: AuditPage },
  },
});

export function registerAuditRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/api/v1/workspaces/:workspaceId/audit-log',
    { schema: schemas.readAuditLog, config: { auth: 'required', scope: 'admin' } },
    async (request) => ({ entries: await readAuditLog(ctx, principalOf(request).user.id, request.params.workspaceId, request.query) }),
  );
}
