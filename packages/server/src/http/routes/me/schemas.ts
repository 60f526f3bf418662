import { BlockList, UnreadList, UserParams } from '@relaydesk/protocol';
import { noContent, operations } from '../../openapiResponses.js';

const tags = ['me'];

/** The caller's own routes as the API document describes them; routes.ts validates with the same objects. */
export const meSchemas = operations({
  listUnreads: {
    tags,
    summary: 'Unread counts',
    description: 'Per channel the caller belongs to, across workspaces; counts stop at 999.',
    response: { 200: UnreadList },
  },
  listBlocks: { tags, summary: 'Blocked users', description: 'The ids of the users the caller has blocked; private to the caller.', response: { 200: BlockList } },
  blockUser: {
    tags,
    summary: 'Block a user',
    description: 'Idempotent. A blocked user cannot start a conversation with the caller, nor send, edit, react or type where the caller would see it.',
    params: UserParams,
    response: noContent,
  },
  unblockUser: { tags, summary: 'Unblock a user', description: 'Idempotent.', params: UserParams, response: noContent },
});
