import Type from 'typebox';
import { EditHistory, EditMessageRequest, Message, MessageParams, ReactionParams, ReceiptList, RepliesQuery } from '@relaydesk/protocol';
import { noContent, operations } from '../../openapiResponses.js';

const tags = ['messages'];
const params = MessageParams;

/** The message routes as the API document describes them; routes.ts validates with the same objects. */
export const messageSchemas = operations({
  getMessage: { tags, summary: 'Read a message', description: 'Visible exactly when its channel is; otherwise a 404.', params, response: { 200: Message } },
  editMessage: {
    tags,
    summary: 'Edit a message',
    description: 'The author only, within the edit window (15 minutes by default), in an active channel they still belong to.',
    params,
    body: EditMessageRequest,
    response: { 200: Message },
  },
  deleteMessage: {
    tags,
    summary: 'Delete a message',
    description: 'The author, or a workspace admin at any time. The content is removed everywhere; the change keeps its sequence number.',
    params,
    response: noContent,
  },
  listMessageEdits: {
    tags,
    summary: 'The edit history of a message',
    description: 'Earlier bodies, oldest first; empty once the message is deleted.',
    params,
    response: { 200: EditHistory },
  },
  listReplies: {
    tags,
    summary: 'The replies of a thread',
    description: 'The root message and a page of its replies, oldest first.',
    params,
    querystring: RepliesQuery,
    response: { 200: Type.Object({ root: Message, replies: Type.Array(Message), hasMore: Type.Boolean() }) },
  },
  addReaction: {
    tags,
    summary: 'React to a message',
    description: 'Adds the caller\u2019s reaction (idempotent); members of an active channel.',
    params: ReactionParams,
    response: noContent,
  },
  removeReaction: {
    tags,
    summary: 'Take a reaction back',
    description: 'Removes the caller\u2019s reaction (idempotent).',
    params: ReactionParams,
    response: noContent,
  },
  pinMessage: { tags, summary: 'Pin a message', description: 'Members of an active channel (idempotent).', params, response: noContent },
  unpinMessage: { tags, summary: 'Unpin a message', description: 'Members of an active channel (idempotent).', params, response: noContent },
  listReceipts: {
    tags,
    summary: 'Who has read a message',
    description: 'For channels of at most 50 members (larger: 400 RECEIPTS_UNAVAILABLE).',
    params,
    response: { 200: ReceiptList },
  },
});
