import Type from 'typebox';
import { CreateBotRequest, CreateTokenRequest, CreatedToken, TokenList, User, WorkspaceParams } from '@relaydesk/protocol';

const Id = Type.String({ minLength: 1, maxLength: 64 });
import { noContent, operations } from '../../openapiResponses.js';

const TokenParams = Type.Object({ tokenId: Id });
const BotParams = Type.Object({ workspaceId: Id, botId: Id });
const BotTokenParams = Type.Object({ workspaceId: Id, botId: Id, tokenId: Id });
const BotList = Type.Object({ bots: Type.Array(User) });

/** API tokens and bots as the API document describes them; routes.ts validates with the same objects. */
export const tokenSchemas = operations({
  createToken: {
    tags: ['tokens'],
    summary: 'Create a personal access token',
    description:
      'The token (`rdp_…`) is in this answer only: it is stored hashed and cannot be shown again. Use it as `Authorization: Bearer <token>`. ' +
      'Scopes: `read` (GET), `write` (other changes), `admin` (workspace administration), `scim`, `events`. Needs a signed-in session, not a token.',
    body: CreateTokenRequest,
    response: { 201: CreatedToken },
    errorStatuses: [409],
  },
  listTokens: { tags: ['tokens'], summary: 'List your tokens', description: 'Active tokens, without their secrets, with when and from where each was last used.', response: { 200: TokenList } },
  revokeToken: {
    tags: ['tokens'],
    summary: 'Revoke a token',
    description: 'At once: its next request is refused and its live connections are closed (4004).',
    params: TokenParams,
    response: noContent,
  },
  createBot: {
    tags: ['tokens'],
    summary: 'Create a bot',
    description: 'Workspace admins only. A bot is a member of this workspace that posts with its tokens (`rdb_…`) and cannot log in.',
    params: WorkspaceParams,
    body: CreateBotRequest,
    response: { 201: User },
    errorStatuses: [409],
  },
  listBots: { tags: ['tokens'], summary: 'List bots', description: 'The bots created in this workspace; admins only.', params: WorkspaceParams, response: { 200: BotList } },
  createBotToken: {
    tags: ['tokens'],
    summary: "Create a bot's token",
    description: 'Workspace admins only. Shown once, like a personal token.',
    params: BotParams,
    body: CreateTokenRequest,
    response: { 201: CreatedToken },
    errorStatuses: [409],
  },
  listBotTokens: { tags: ['tokens'], summary: "List a bot's tokens", description: 'Workspace admins only; without secrets.', params: BotParams, response: { 200: TokenList } },
  revokeBotToken: { tags: ['tokens'], summary: "Revoke a bot's token", description: 'Workspace admins only; at once, live connections included.', params: BotTokenParams, response: noContent },
});
