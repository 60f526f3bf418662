import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { tombstoneOf, type ChannelEventData, type Message } from '@relaydesk/protocol';
import type { MessageRecord, Storage } from './port.js';
import { NotFoundError } from './errors.js';

const T0 = 1_700_000_000_000;

/** A message's view as the feed stores it, with content in every field that can carry some. */
const view = (m: MessageRecord, mentioned: string): Message => ({
  id: m.id, channelId: m.channelId, seq: m.seq, authorId: m.authorId, body: m.body, clientMessageId: m.clientMessageId,
  threadRootId: null, replyCount: 0, lastReplyAt: null, mentions: { userIds: [mentioned], channel: true },
  reactions: [{ emoji: '👀', count: 1, userIds: [mentioned] }], attachmentCount: 1,
  attachments: [{
    id: 'f1', channelId: m.channelId, uploaderId: m.authorId, messageId: m.id, name: `${m.body}.pdf`, mime: 'application/pdf', size: 1, kind: 'file',
    width: null, height: null, durationMs: null, url: '/api/v1/files/f1', thumbnailUrl: null, previewUrl: null, createdAt: new Date(T0).toISOString(),
  }],
  pinned: true, createdAt: new Date(m.createdAt).toISOString(), editedAt: m.editedAt === null ? null : new Date(m.editedAt).toISOString(), deleted: false,
});

/**
 * MessageStore.markDeleted against the feed: the deleted message's content leaves the stored
 * events in the same transaction, the events and their numbers stay. `storage` is the contract's.
 */
export function deletionContract(storage: () => Storage): void {
  const marker = (what: string) => `zq${what}${randomUUID().replace(/-/g, '')}`;

  /** A channel with one member; `record` numbers and appends an event as recordChange does. */
  async function channelWithAuthor() {
    const s = storage();
    const userId = randomUUID();
    await s.users.create({ id: userId, username: `u_${userId.slice(0, 8)}`, email: `${userId.slice(0, 8)}@example.com`, displayName: 'U', passwordHash: 'h', createdAt: T0 });
    const workspaceId = randomUUID();
    await s.workspaces.create({ id: workspaceId, name: 'W', createdBy: userId, createdAt: T0 }, { workspaceId, userId, role: 'owner', joinedAt: T0 });
    const channelId = randomUUID();
    await s.channels.create({
      id: channelId, workspaceId, kind: 'public', name: 'c', slug: `c-${channelId.slice(0, 8)}`, topic: '', createdBy: userId, createdAt: T0,
      archivedAt: null, lastSeq: 0, conversationKey: null,
    });
    const record = async (tx: Storage, payload: ChannelEventData, seq?: number) => {
      const n = seq ?? (await tx.channels.nextSeq(channelId));
      await tx.events.append({ channelId, seq: n, actorId: userId, createdAt: T0 + n, payload });
      return n;
    };
    const post = async (body: string): Promise<MessageRecord> => {
      const seq = await s.channels.nextSeq(channelId);
      const m: MessageRecord = {
        id: randomUUID(), channelId, seq, authorId: userId, body, clientMessageId: randomUUID(), threadRootId: null, replyCount: 0,
        lastReplyAt: null, mentionsChannel: true, attachmentCount: 0, createdAt: T0 + seq, editedAt: null, deletedAt: null,
      };
      await s.messages.insert(m, [userId]);
      await record(s, { type: 'message.created', message: view(m, userId) }, seq);
      return m;
    };
    const edit = async (m: MessageRecord, body: string): Promise<Message> => {
      await s.messages.edit(m.id, body, [userId], true, T0 + 500);
      const edited = view((await s.messages.findById(m.id))!, userId);
      await record(s, { type: 'message.edited', message: edited });
      return edited;
    };
    return { workspaceId, channelId, userId, record, post, edit };
  }

  it('markDeleted rewrites the message\u2019s created and edited events to its tombstone in place, and no other event', async () => {
    const s = storage();
    const c = await channelWithAuthor();
    const [original, edited, neighbour] = [marker('orig'), marker('edit'), marker('keep')];
    const doomed = await c.post(original);
    await c.record(s, { type: 'reaction.added', messageId: doomed.id, emoji: '👀', userId: c.userId });
    const editedView = await c.edit(doomed, edited);
    const kept = await c.post(neighbour);
    const before = await s.events.after(c.channelId, 0, 100);
    assert.ok(JSON.stringify(before).includes(edited));

    await s.transaction(async (tx) => {
      await tx.messages.markDeleted(doomed.id, T0 + 900);
      await c.record(tx, { type: 'message.deleted', messageId: doomed.id });
    });

    const after = await s.events.after(c.channelId, 0, 100);
    assert.deepEqual(after.map((e) => e.seq), [1, 2, 3, 4, 5], 'every number kept, none added but the deletion');
    const createdView = before[0]!.payload as { message: Message };
    assert.deepEqual(after[0]!.payload, { type: 'message.created', message: tombstoneOf(createdView.message) });
    assert.deepEqual(after[2]!.payload, { type: 'message.edited', message: tombstoneOf(editedView) });
    assert.deepEqual([after[1], after[3]], [before[1], before[3]], 'the reaction and the other message are untouched');
    assert.equal((after[3]!.payload as { message: Message }).message.id, kept.id);
    assert.deepEqual(after[4]!.payload, { type: 'message.deleted', messageId: doomed.id });

    const raw = Buffer.concat((await s.events.afterAsBytes(c.channelId, 0, 100)).map((e) => e.payloadBytes)).toString('utf8');
    for (const secret of [original, edited, `${original}.pdf`]) assert.ok(!raw.includes(secret), `the stored payloads hold ${secret}`);
    assert.ok(raw.includes(neighbour));
    assert.deepEqual(await s.messages.edits(doomed.id), []);
    assert.deepEqual(await s.messages.mentionsFor([doomed.id]), []);
    const found = await s.search.search({ workspaceId: c.workspaceId, userId: c.userId, query: edited, limit: 10, offset: 0 });
    assert.deepEqual(found, []);
  });

  it('the scrub is part of the deleting transaction: rolled back, all stays; committed, all goes', async () => {
    const s = storage();
    const c = await channelWithAuthor();
    const [original, edited] = [marker('stay'), marker('stayedit')];
    const m = await c.post(original);
    await c.edit(m, edited);
    const before = await s.events.after(c.channelId, 0, 100);
    await assert.rejects(
      s.transaction(async (tx) => {
        await tx.messages.markDeleted(m.id, T0 + 900);
        throw new Error('rolled back');
      }),
      /rolled back/,
    );
    assert.deepEqual(await s.events.after(c.channelId, 0, 100), before);
    assert.equal((await s.messages.findById(m.id))!.deletedAt, null);
    assert.equal((await s.messages.edits(m.id)).length, 1);

    await s.transaction((tx) => tx.messages.markDeleted(m.id, T0 + 900));
    const raw = JSON.stringify(await s.events.after(c.channelId, 0, 100));
    for (const secret of [original, edited]) assert.ok(!raw.includes(secret), `committed, the events still hold ${secret}`);
  });

  it('markDeleted of an unknown message is NotFoundError', async () => {
    await assert.rejects(storage().messages.markDeleted(randomUUID(), T0), NotFoundError);
  });
}
