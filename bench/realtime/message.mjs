// The message and event shapes the baseline servers send: the same fields (and so about the same
// bytes) as RelayDesk's `ack` and `event` frames (packages/protocol/src/messages.ts), so the three
// servers put the same payload on the wire.
import { randomUUID } from 'node:crypto';

export function makeMessage(roomSeq, room, authorId, send) {
  return {
    id: randomUUID(),
    channelId: room,
    seq: roomSeq,
    authorId,
    body: send.body,
    clientMessageId: send.clientMessageId ?? null,
    threadRootId: null,
    replyCount: 0,
    lastReplyAt: null,
    mentions: { userIds: [], channel: false },
    reactions: [],
    attachmentCount: 0,
    pinned: false,
    createdAt: new Date().toISOString(),
    editedAt: null,
    deleted: false,
  };
}

export const makeEvent = (message) => ({
  type: 'event',
  channelId: message.channelId,
  seq: message.seq,
  actorId: message.authorId,
  at: message.createdAt,
  event: { type: 'message.created', message },
});

/** Rooms are keyed by name; ids stand in for RelayDesk's UUIDs (same length on the wire). */
export const roomId = (r) => `00000000-0000-4000-8000-${String(r).padStart(12, '0')}`;
export const userId = (i) => `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`;
