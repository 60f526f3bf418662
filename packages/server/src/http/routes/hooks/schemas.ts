import Type from 'typebox';
import {
  ChannelParams,
  CreateIncomingHookRequest,
  CreateOutgoingHookRequest,
  CreatedOutgoingHook,
  DeliveryList,
  IncomingHookList,
  IncomingHookPayload,
  IncomingHookWithUrl,
  Message,
  OutgoingHookList,
} from '@relaydesk/protocol';
import { noContent, operations } from '../../openapiResponses.js';

const tags = ['hooks'];
const HookParams = Type.Object({ channelId: Type.String({ minLength: 1, maxLength: 64 }), hookId: Type.String({ minLength: 1, maxLength: 64 }) });
const DeliveryParams = Type.Object({
  channelId: Type.String({ minLength: 1, maxLength: 64 }),
  hookId: Type.String({ minLength: 1, maxLength: 64 }),
  deliveryId: Type.String({ minLength: 1, maxLength: 64 }),
});
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
  createOutgoingHook: {
    tags,
    summary: 'Create an outgoing webhook',
    description:
      "The channel's creator or a workspace admin. Each new message (or each one whose first word is a trigger word) is POSTed to `url`, " +
      'signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`) with the `secret` shown only now. ' +
      'Retried with exponential backoff on failure; 410 disables the hook; a JSON `{ "text" }` answer is posted back as a thread reply.',
    params: ChannelParams,
    body: CreateOutgoingHookRequest,
    response: { 201: CreatedOutgoingHook },
  },
  listOutgoingHooks: { tags, summary: "List a channel's outgoing webhooks", description: 'Without their secrets.', params: ChannelParams, response: { 200: OutgoingHookList } },
  deleteOutgoingHook: { tags, summary: 'Delete an outgoing webhook', description: 'Nothing more is delivered; pending deliveries are dropped.', params: HookParams, response: noContent },
  listDeliveries: {
    tags,
    summary: "An outgoing webhook's delivery log",
    description: 'The last 100 deliveries, newest first, each attempt with the status or error.',
    params: HookParams,
    response: { 200: DeliveryList },
  },
  redeliver: {
    tags,
    summary: 'Redeliver',
    description: 'Sends the delivery again now, with the same webhook-id; 409 when the hook is disabled.',
    params: DeliveryParams,
    response: noContent,
    errorStatuses: [409],
  },
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
