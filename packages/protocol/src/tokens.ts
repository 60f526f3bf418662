import Type from 'typebox';
import { DisplayName, Username } from './auth.js';
import { Timestamp } from './scalars.js';

/** What an API token may do. `read` and `write` cover the REST API and the socket; the others are the integrations' own. */
export const TOKEN_SCOPES = ['read', 'write', 'admin', 'scim', 'events'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export const TokenLimits = {
  nameMax: 64,
  maxExpiresInDays: 366,
  /** Active tokens per user (bots included): a leaked session cannot mint thousands. */
  maxActivePerUser: 50,
} as const;

export const TokenScopeSchema = Type.Union([Type.Literal('read'), Type.Literal('write'), Type.Literal('admin'), Type.Literal('scim'), Type.Literal('events')]);

export const CreateTokenRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: TokenLimits.nameMax, pattern: '\\S' }),
    scopes: Type.Array(TokenScopeSchema, { minItems: 1, maxItems: TOKEN_SCOPES.length, uniqueItems: true }),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: TokenLimits.maxExpiresInDays })),
  },
  { additionalProperties: false },
);
export type CreateTokenRequest = Type.Static<typeof CreateTokenRequest>;

export const ApiToken = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(TokenScopeSchema),
  /** The token's last four characters. */
  hint: Type.String(),
  createdAt: Timestamp,
  expiresAt: Type.Union([Timestamp, Type.Null()]),
  lastUsedAt: Type.Union([Timestamp, Type.Null()]),
  lastUsedIp: Type.Union([Type.String(), Type.Null()]),
});
export type ApiToken = Type.Static<typeof ApiToken>;

/** The only answer that carries the secret: it is not stored and cannot be shown again. */
export const CreatedToken = Type.Intersect([ApiToken, Type.Object({ token: Type.String() })]);
export type CreatedToken = Type.Static<typeof CreatedToken>;

export const TokenList = Type.Object({ tokens: Type.Array(ApiToken) });
export type TokenList = Type.Static<typeof TokenList>;

export const CreateBotRequest = Type.Object({ username: Username, displayName: Type.Optional(DisplayName) }, { additionalProperties: false });
export type CreateBotRequest = Type.Static<typeof CreateBotRequest>;

export const AuditEntry = Type.Object({
  id: Type.String(),
  /** e.g. `workspace.renamed`, `bot.created`, `token.created`, `incoming_hook.posted` (docs/integrations.md lists them). */
  action: Type.String(),
  actorUserId: Type.Union([Type.String(), Type.Null()]),
  /** The API token used, or null for a signed-in session. */
  tokenId: Type.Union([Type.String(), Type.Null()]),
  /** What was acted on (an id), when there is one. */
  target: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
});
export type AuditEntry = Type.Static<typeof AuditEntry>;

export const AuditQuery = Type.Object(
  { before: Type.Optional(Timestamp), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) },
  { additionalProperties: false },
);
export const AuditPage = Type.Object({ entries: Type.Array(AuditEntry) });
