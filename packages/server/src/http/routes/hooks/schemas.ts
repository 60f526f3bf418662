import Type from 'typebox';
import { ChannelParams, CreateIncomingHookRequest, IncomingHookList, IncomingHookPayload, IncomingHookWithUrl, Message } from '@relaydesk/protocol';
import { noContent, operations } from '../../openapiResponses.js';

const tags = ['hooks'];
const HookParams = Type.Object({ channelId: Type.String({ minLength: 1, maxLength: 64 }), hookId: Type.String({ minLength: 1, maxLength: 64 }) });
const SecretParams = Type.Object({ secret: Type.String({ minLength: 1, maxLength: 128 }) });

/** Incoming webhooks as the API document describes them; routes.ts validates with the same objects. */
export const hookSchemas = operations({
  createIncomingHook: {
    tags,
    summary: 'Create an incoming webhook',
    description: "The channel's creator or a workspace admin. The answer's `url` holds the secret and is shown only now (and on rotation).",
    params: ChannelParams,
    body: CreateIncomingHookRequest,
    response: { 201: IncomingHookWithUrl },
  },
  listIncomingHooks: { tags, summary: "List a channel's incoming webhooks", description: 'Without their secrets.', params: ChannelParams, response: { 200: IncomingHookList } },
  rotateIncomingHook: {
    tags,
    summary: "Rotate an incoming webhook's secret",
    description: 'A new URL; the old one stops working at once.',
    params: HookParams,
    response: { 200: IncomingHookWithUrl },
  },
  deleteIncomingHook: { tags, summary: 'Delete an incoming webhook', description: 'Its URL stops working; what it posted stays.', params: HookParams, response: noContent },
  postIncomingHook: {
    tags,
    summary: 'Post through an incoming webhook',
    description:
      'Mattermost/Slack-compatible: a JSON body `{ text, username?, icon_url?, attachments?, props? }`, or the form field `payload=<that JSON>`. ' +
      "Posts into the hook's channel as its bot; attachments are rendered as quoted Markdown under the text. Rate limited per hook (WEBHOOK_RATE_PER_MIN).",
    security: [],
    params: SecretParams,
    body: IncomingHookPayload,
    response: { 201: Message },
    errorStatuses: [403, 429, 503],
  },
});
