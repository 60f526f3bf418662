import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { principalOf } from '../http/plugins/authentication.js';
import { findBadString } from '../actions/textRules.js';
import { ScimError, SCIM_CONTENT_TYPE, scimErrorBody, sendScimError, toScimError } from './errors.js';
import { readPage, resourceTypes, schemas, serviceProviderConfig } from './schemas.js';
import { resolveTenant, type ScimTenant } from './tenant.js';
import { createScimUser, deleteScimUser, getScimUser, listScimUsers, patchScimUser, replaceScimUser } from './users.js';
import { createScimGroup, deleteScimGroup, getScimGroup, listScimGroups, patchScimGroup, replaceScimGroup } from './groups.js';

/**
 * SCIM 2.0 (RFC 7643/7644) for identity providers, outside /api/v1 and outside the API document:
 * SCIM describes itself (/ServiceProviderConfig, /Schemas, /ResourceTypes) and answers in its own
 * error schema. Every route needs an API token with the `scim` scope of a workspace admin.
 * Bodies are read leniently (attribute names in any case, unknown attributes ignored), so they
 * are checked by hand rather than by a JSON schema.
 */
const auth = { auth: 'required' as const, scope: 'scim' as const };
const hide = { hide: true };

const utf8 = new TextDecoder('utf-8', { fatal: true });

interface Query {
  filter?: string;
  startIndex?: string;
  count?: string;
  workspaceId?: string;
}

function scimScope(scope: FastifyInstance, ctx: AppContext): void {
  // SCIM clients send application/scim+json: read as JSON, as strictly as the rest of the API.
  scope.addContentTypeParser('application/scim+json', { parseAs: 'buffer' }, (_request, body: Buffer, done) => {
    // A DELETE sent with the content type and no body (some IdPs do) has nothing to parse.
    if (body.length === 0) return done(null, undefined);
    let value: unknown;
    try {
      value = JSON.parse(utf8.decode(body));
    } catch {
      return done(new ScimError(400, 'The body is not valid JSON', 'invalidSyntax'), undefined);
    }
    return findBadString(value) ? done(new ScimError(400, "The request's body is not valid text", 'invalidValue'), undefined) : done(null, value);
  });
  // Every refusal — the authentication plugin's 401/403, validation, ours — in the SCIM error schema.
  scope.setErrorHandler((err: Error, request, reply) => {
    const { status, body, retryAfter } = toScimError(err);
    if (status >= 500) request.log.error({ err }, 'SCIM request failed');
    // RFC 7644 §2 / RFC 6750 §3: a refused bearer says which scheme it wants.
    if (status === 401) reply.header('www-authenticate', 'Bearer realm="scim"');
    return sendScimError(reply, status, body, retryAfter);
  });
  scope.setNotFoundHandler((_request, reply) => sendScimError(reply, 404, scimErrorBody(404, 'Nothing is served at this address')));

  const base = (request: FastifyRequest) => {
    const params = request.params as { workspaceId?: string };
    const prefix = params.workspaceId ? `/scim/v2/workspaces/${encodeURIComponent(params.workspaceId)}` : '/scim/v2';
    // PUBLIC_URL, not the Host header: a location is never built from what the client sent.
    return `${ctx.config.publicUrl.replace(/\/$/, '')}${prefix}`;
  };
  const tenant = (request: FastifyRequest): Promise<ScimTenant> => {
    const params = request.params as { workspaceId?: string };
    const query = request.query as Query;
    return resolveTenant(ctx, principalOf(request), params.workspaceId ?? query.workspaceId, base(request));
  };
  const idOf = (request: FastifyRequest) => {
    const { id } = request.params as { id: string };
    if (id.length > 64) throw new ScimError(404, 'No such resource');
    return id;
  };
  const send = (reply: FastifyReply, status: number, payload: unknown) => reply.code(status).type(SCIM_CONTENT_TYPE).send(payload);
  const filterOf = (request: FastifyRequest) => {
    const { filter } = request.query as Query;
    if (Array.isArray(filter)) throw new ScimError(400, 'Give one filter', 'invalidFilter');
    return filter;
  };
  const pageOf = (request: FastifyRequest) => {
    const { startIndex, count } = request.query as Query;
    if (Array.isArray(startIndex) || Array.isArray(count)) throw new ScimError(400, 'Give startIndex and count once', 'invalidValue');
    return readPage({ startIndex, count });
  };

  scope.get('/ServiceProviderConfig', { schema: hide, config: auth }, async (request, reply) => {
    await tenant(request);
    return send(reply, 200, serviceProviderConfig(base(request)));
  });
  scope.get('/Schemas', { schema: hide, config: auth }, async (request, reply) => {
    await tenant(request);
    const all = schemas(base(request));
    return send(reply, 200, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: all.length, startIndex: 1, itemsPerPage: all.length, Resources: all });
  });
  scope.get('/Schemas/:id', { schema: hide, config: auth }, async (request, reply) => {
    await tenant(request);
    const found = schemas(base(request)).find((s) => s.id === (request.params as { id: string }).id);
    if (!found) throw new ScimError(404, 'No such schema');
    return send(reply, 200, found);
  });
  scope.get('/ResourceTypes', { schema: hide, config: auth }, async (request, reply) => {
    await tenant(request);
    const all = resourceTypes(base(request));
    return send(reply, 200, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: all.length, startIndex: 1, itemsPerPage: all.length, Resources: all });
  });
  scope.get('/ResourceTypes/:id', { schema: hide, config: auth }, async (request, reply) => {
    await tenant(request);
    const found = resourceTypes(base(request)).find((s) => s.id === (request.params as { id: string }).id);
    if (!found) throw new ScimError(404, 'No such resource type');
    return send(reply, 200, found);
  });

  /** A change through SCIM is an integration's change: audited as `scim.<what>` with the user or group as target. */
  const change = (operationId: string, status: number, work: (t: ScimTenant, request: FastifyRequest) => Promise<{ id: string } | string>) =>
    ({
      schema: { ...hide, operationId },
      config: auth,
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const t = await tenant(request);
        const result = await work(t, request);
        const target = typeof result === 'string' ? result : result.id;
        request.auditAs = { workspaceId: t.workspaceId, actorUserId: t.adminId, target };
        return typeof result === 'string' ? reply.code(status).send() : send(reply, status, result);
      },
    }) as const;

  scope.route({ method: 'POST', url: '/Users', ...change('scimCreateUser', 201, (t, r) => createScimUser(ctx, t, r.body)) });
  scope.get('/Users', { schema: hide, config: auth }, async (request, reply) =>
    send(reply, 200, await listScimUsers(ctx, await tenant(request), filterOf(request), pageOf(request))),
  );
  scope.get('/Users/:id', { schema: hide, config: auth }, async (request, reply) => send(reply, 200, await getScimUser(ctx, await tenant(request), idOf(request))));
  scope.route({ method: 'PUT', url: '/Users/:id', ...change('scimReplaceUser', 200, (t, r) => replaceScimUser(ctx, t, idOf(r), r.body)) });
  scope.route({ method: 'PATCH', url: '/Users/:id', ...change('scimPatchUser', 200, (t, r) => patchScimUser(ctx, t, idOf(r), r.body)) });
  scope.route({ method: 'DELETE', url: '/Users/:id', ...change('scimDeleteUser', 204, async (t, r) => (await deleteScimUser(ctx, t, idOf(r)), idOf(r))) });

  scope.route({ method: 'POST', url: '/Groups', ...change('scimCreateGroup', 201, (t, r) => createScimGroup(ctx, t, r.body)) });
  scope.get('/Groups', { schema: hide, config: auth }, async (request, reply) =>
    send(reply, 200, await listScimGroups(ctx, await tenant(request), filterOf(request), pageOf(request))),
  );
  scope.get('/Groups/:id', { schema: hide, config: auth }, async (request, reply) => send(reply, 200, await getScimGroup(ctx, await tenant(request), idOf(request))));
  scope.route({ method: 'PUT', url: '/Groups/:id', ...change('scimReplaceGroup', 200, (t, r) => replaceScimGroup(ctx, t, idOf(r), r.body)) });
  scope.route({ method: 'PATCH', url: '/Groups/:id', ...change('scimPatchGroup', 200, (t, r) => patchScimGroup(ctx, t, idOf(r), r.body)) });
  scope.route({ method: 'DELETE', url: '/Groups/:id', ...change('scimDeleteGroup', 204, async (t, r) => (await deleteScimGroup(ctx, t, idOf(r)), idOf(r))) });
}

/** `/scim/v2/…` (the token's user administers one workspace) and `/scim/v2/workspaces/{workspaceId}/…` (names it). */
export async function registerScimRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(async (scope) => scimScope(scope, ctx), { prefix: '/scim/v2' });
  await app.register(async (scope) => scimScope(scope, ctx), { prefix: '/scim/v2/workspaces/:workspaceId' });
}
