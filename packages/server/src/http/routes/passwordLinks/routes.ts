import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { PasswordLink, SetPasswordRequest } from '@relaydesk/protocol';
import type { AppContext } from '../../../context.js';
import type { Metrics } from '../../../observability/metrics.js';
import type { RateLimits } from '../../../rateLimit/limiters.js';
import { assertAllowedOrigin, principalOf } from '../../plugins/authentication.js';
import { enforceLimit } from '../../plugins/rateLimit.js';
import { issuePasswordLink, setPasswordWithLink } from '../../../actions/passwordLinks.js';
import { emptyBodyAsObject } from '../../emptyBody.js';
import { noContent, operations } from '../../openapiResponses.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const schemas = operations({
  issuePasswordLink: {
    tags: ['workspaces'],
    summary: 'Issue a set-password link',
    description: 'Workspace admins: a single-use link (72 h) for a member to set a password, e.g. one provisioned over SCIM. The token is in the URL fragment.',
    params: Type.Object({ workspaceId: Id, userId: Id }),
    response: { 201: PasswordLink },
  },
  setPassword: {
    tags: ['auth'],
    summary: 'Set a password with a link',
    description: 'Uses an admin-issued link once (404 LINK_INVALID when unknown, expired or used); every session of the user ends. Then log in.',
    security: [],
    body: SetPasswordRequest,
    response: noContent,
  },
});

export function registerPasswordLinkRoutes(app: FastifyInstance, ctx: AppContext, limits: RateLimits, metrics: Metrics): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post(
    '/api/v1/workspaces/:workspaceId/members/:userId/password-link',
    { schema: schemas.issuePasswordLink, config: { auth: 'required', scope: 'admin' }, preValidation: emptyBodyAsObject },
    async (request, reply) => reply.code(201).send(await issuePasswordLink(ctx, principalOf(request).user.id, request.params.workspaceId, request.params.userId)),
  );
  r.post('/api/v1/auth/set-password', { schema: schemas.setPassword, config: { csrf: false } }, async (request, reply) => {
    // Like login: no session yet, so no CSRF token, but a foreign page may not post it; and guesses count as login attempts.
    if (request.headers.origin !== undefined) assertAllowedOrigin(ctx.config.allowedOrigins, request.headers.origin);
    await enforceLimit(limits, metrics, reply, 'login_ip', request.ip);
    await setPasswordWithLink(ctx, request.body.token, request.body.password);
    return reply.code(204).send();
  });
}
