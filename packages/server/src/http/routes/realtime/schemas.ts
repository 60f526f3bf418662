import { StreamQuery } from '@relaydesk/protocol';
import { operations } from '../../openapiResponses.js';

/** The SSE fallback as the API document describes it; routes.ts validates with the same object. */
export const realtimeSchemas = operations({
  openEventStream: {
    tags: ['realtime'],
    summary: 'The live stream as Server-Sent Events',
    description:
      'The WebSocket server frames as `data: <json>` lines (docs/protocol.md). `resume` is a URL-encoded JSON object {channelId: lastSeq}. A cookie-authenticated stream from a foreign Origin is a 403.',
    querystring: StreamQuery,
    response: { 200: { description: 'The stream; it stays open', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
    errorStatuses: [403],
  },
});
