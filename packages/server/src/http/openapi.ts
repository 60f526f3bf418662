import type { FastifyInstance, FastifySchema } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { bodyIsOptional, documentedSchema, ErrorBodySchema } from './openapiResponses.js';

const tags = [
  { name: 'auth', description: 'Registration, sign-in (cookies or tokens), sessions, passwords and WebSocket tickets.' },
  { name: 'workspaces', description: 'Workspaces (the tenants), their members, roles, invites, presence and statistics.' },
  { name: 'channels', description: 'Public and private channels, DMs and group DMs: membership, settings, change feed, typing, read markers.' },
  { name: 'messages', description: 'Sending, reading, editing and deleting messages; threads, reactions, pins, receipts and search.' },
  { name: 'files', description: 'Uploads (multipart) and downloads of files, thumbnails and previews.' },
  { name: 'tokens', description: 'Personal access tokens and bots: scoped, expiring, revocable API credentials (`Authorization: Bearer rdp_…` / `rdb_…`).' },
  { name: 'hooks', description: "Incoming webhooks: a secret URL per channel that posts Mattermost/Slack-shaped payloads as the hook's bot." },
  { name: 'app-events', description: 'Live, durable events a host application pushes onto topics of a workspace (e.g. check-ins), with a gap-free sequence per topic.' },
  { name: 'me', description: "The caller's own state across workspaces: unread counts and blocked users." },
  { name: 'realtime', description: 'The Server-Sent Events fallback of the WebSocket gateway (the socket itself is /ws, see docs/protocol.md).' },
  { name: 'ops', description: 'Liveness, readiness and metrics for operators: unauthenticated, never rate limited.' },
];

/**
 * The OpenAPI 3.1 document is generated from the route schemas (the protocol package's TypeBox
 * definitions), so it cannot drift from what the server validates. JSON at /api/openapi.json,
 * a browsable page at /api/docs. Error responses are derived per route (openapiResponses.ts).
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  app.addSchema(ErrorBodySchema);
  const optionalBodies = new Set<string>();
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'RelayDesk API',
        version: '1.0.0',
        description:
          'REST API of RelayDesk, a self-hosted real-time team chat. Authenticate with the session cookies set by login ' +
          '(state-changing requests then need the X-CSRF-Token header and an allowed Origin) or with `Authorization: Bearer`. ' +
          'Every error is `{ error: { code, message, requestId } }` with a stable code. Live updates: the WebSocket at /ws (docs/protocol.md).',
        contact: { name: 'RelayDesk maintainers', url: 'https://github.com/relaydesk/relaydesk' },
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: '/', description: 'The server that serves this document' }],
      tags,
      components: {
        securitySchemes: {
          cookie: { type: 'apiKey', in: 'cookie', name: 'access_token' },
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        },
      },
      security: [{ cookie: [] }, { bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: ({ schema, url, route }) => {
      if (!schema || schema.hide) return { schema, url };
      if (schema.body !== undefined && bodyIsOptional(route) && schema.operationId) optionalBodies.add(schema.operationId);
      return { schema: documentedSchema(schema as FastifySchema, route) as never, url };
    },
    transformObject: (documentObject) => toOpenApi31((documentObject as unknown as { openapiObject: Document }).openapiObject, optionalBodies) as never,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

type Node = Record<string, unknown>;
interface Document extends Node {
  paths: Record<string, Record<string, { operationId?: string; requestBody?: { required?: boolean } }>>;
}

/**
 * What the route schemas cannot say the way OpenAPI 3.1 wants: bodies a route lets the client
 * omit are not `required`; TypeBox tuples (`items: [...]`, draft 7) become `prefixItems`; a text
 * limit that applies after normalisation (`x-max-length-normalised`) is the documented maxLength.
 */
function toOpenApi31(document: Document, optionalBodies: Set<string>): Document {
  const doc = structuredClone(document);
  for (const operations of Object.values(doc.paths)) {
    for (const operation of Object.values(operations)) {
      if (operation.operationId && optionalBodies.has(operation.operationId) && operation.requestBody) operation.requestBody.required = false;
    }
  }
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const n = node as Node;
    if (Array.isArray(n.items)) {
      n.prefixItems = n.items;
      // `false` in 2020-12; Spectral's array-items rule wants a schema, and this one admits nothing.
      n.items = { not: {} };
      delete n.additionalItems;
    }
    if (typeof n['x-max-length-normalised'] === 'number') {
      n.maxLength = n['x-max-length-normalised'];
      delete n['x-max-length-normalised'];
    }
    Object.values(n).forEach(visit);
  };
  visit(doc);
  return doc;
}
