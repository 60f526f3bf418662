import type { Kysely, Selectable } from 'kysely';
import type { MessageRecord, MessageStore, PageRequest, ReactionRecord } from '../messagePort.js';
import type { Database, MessagesTable } from './schema.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { uniqueViolationColumn } from './connect.js';
import { fixedQuery } from './fixedQuery.js';
import { scrubMessageEvents } from './eventStore.js';

/**
 * Explicit columns: on PostgreSQL the table also has a generated search vector that no reader
 * needs to haul around.
 */
export const messageColumns = [
  'id', 'channel_id', 'seq', 'author_id', 'body', 'client_message_id', 'thread_root_id', 'reply_count',
  'last_reply_at', 'mentions_channel', 'attachment_count', 'created_at', 'edited_at', 'deleted_at',
] as const;

export const toMessage = (r: Selectable<MessagesTable>): MessageRecord => ({
  id: r.id,
  channelId: r.channel_id,
  seq: r.seq,
  authorId: r.author_id,
  body: r.body,
  clientMessageId: r.client_message_id,
  threadRootId: r.thread_root_id,
  replyCount: r.reply_count,
  lastReplyAt: r.last_reply_at,
  mentionsChannel: r.mentions_channel === 1,
  attachmentCount: r.attachment_count,
  createdAt: r.created_at,
  editedAt: r.edited_at,
  deletedAt: r.deleted_at,
});

// The send path's queries, built once (see fixedQuery).
const insertMessage = fixedQuery(
  (db, id: string, channelId: string, seq: number, authorId: string, body: string, clientMessageId: string | null, threadRootId: string | null,
    replyCount: number, lastReplyAt: number | null, mentionsChannel: number, attachmentCount: number, createdAt: number, editedAt: number | null, deletedAt: number | null) =>
    db.insertInto('messages').values({
      id, channel_id: channelId, seq, author_id: authorId, body, client_message_id: clientMessageId, thread_root_id: threadRootId,
      reply_count: replyCount, last_reply_at: lastReplyAt, mentions_channel: mentionsChannel, attachment_count: attachmentCount,
      created_at: createdAt, edited_at: editedAt, deleted_at: deletedAt,
    }),
);
const messageById = fixedQuery((db, id: string) => db.selectFrom('messages').select(messageColumns).where('id', '=', id));
const messageByClientId = fixedQuery((db, authorId: string, clientMessageId: string) =>
  db.selectFrom('messages').select(messageColumns).where('author_id', '=', authorId).where('client_message_id', '=', clientMessageId),
);

export class SqlMessageStore implements MessageStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(m: MessageRecord, mentionedUserIds: string[]): Promise<void> {
    try {
      await insertMessage(this.db, m.id, m.channelId, m.seq, m.authorId, m.body, m.clientMessageId, m.threadRootId, m.replyCount,
        m.lastReplyAt, m.mentionsChannel ? 1 : 0, m.attachmentCount, m.createdAt, m.editedAt, m.deletedAt);
    } catch (err) {
      const column = uniqueViolationColumn(err) ?? '';
      if (column.includes('client_message_id') || /client_message_id|client_id/.test(String((err as Error).message))) {
        throw new ConflictError('client_message_id');
      }
      throw err;
    }
    await this.insertMentions(m, mentionedUserIds);
  }

  private async insertMentions(m: Pick<MessageRecord, 'id' | 'channelId' | 'seq'>, userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    await this.db
      .insertInto('mentions')
      .values(userIds.map((u) => ({ message_id: m.id, user_id: u, channel_id: m.channelId, seq: m.seq })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async findById(id: string): Promise<MessageRecord | undefined> {
    const [r] = await messageById(this.db, id);
    return r && toMessage(r);
  }

  async findByClientId(authorId: string, clientMessageId: string): Promise<MessageRecord | undefined> {
    const [r] = await messageByClientId(this.db, authorId, clientMessageId);
    return r && toMessage(r);
  }

  async page(channelId: string, req: PageRequest): Promise<MessageRecord[]> {
    let q = this.db.selectFrom('messages').select(messageColumns).where('channel_id', '=', channelId).where('thread_root_id', 'is', null);
    if (req.beforeSeq !== undefined) q = q.where('seq', '<', req.beforeSeq);
    if (req.afterSeq !== undefined) q = q.where('seq', '>', req.afterSeq);
    const rows = await q.orderBy('seq', req.order).limit(req.limit).execute();
    return rows.map(toMessage);
  }

  async replies(rootId: string, req: PageRequest): Promise<MessageRecord[]> {
    let q = this.db.selectFrom('messages').select(messageColumns).where('thread_root_id', '=', rootId);
    if (req.beforeSeq !== undefined) q = q.where('seq', '<', req.beforeSeq);
    if (req.afterSeq !== undefined) q = q.where('seq', '>', req.afterSeq);
    const rows = await q.orderBy('seq', req.order).limit(req.limit).execute();
    return rows.map(toMessage);
  }

  async edit(id: string, body: string, mentionedUserIds: string[], mentionsChannel: boolean, now: number): Promise<void> {
    const current = await this.findById(id);
    if (!current) throw new NotFoundError('message');
    await this.db.insertInto('message_edits').values({ message_id: id, body: current.body, edited_at: now }).execute();
    await this.db.updateTable('messages').set({ body, edited_at: now, mentions_channel: mentionsChannel ? 1 : 0 }).where('id', '=', id).execute();
    await this.db.deleteFrom('mentions').where('message_id', '=', id).execute();
    await this.insertMentions(current, mentionedUserIds);
  }

  async edits(id: string): Promise<{ body: string; editedAt: number }[]> {
    const rows = await this.db.selectFrom('message_edits').select(['body', 'edited_at']).where('message_id', '=', id).orderBy('edited_at').execute();
    return rows.map((r) => ({ body: r.body, editedAt: r.edited_at }));
  }

  async markDeleted(id: string, now: number): Promise<void> {
    const run = async (db: Kysely<Database>) => {
      const [current] = await messageById(db, id);
      if (!current) throw new NotFoundError('message');
      // Every copy of the content goes: old versions, mentions, reactions, the feed's copies. On
      // SQLite the body's update also takes its entry out of the search index (migration 0007).
      await db.deleteFrom('message_edits').where('message_id', '=', id).execute();
      await db.deleteFrom('mentions').where('message_id', '=', id).execute();
      await db.deleteFrom('reactions').where('message_id', '=', id).execute();
      await db.updateTable('messages').set({ body: '', deleted_at: now, mentions_channel: 0, attachment_count: 0 }).where('id', '=', id).execute();
      await scrubMessageEvents(db, { id, channelId: current.channel_id, seq: current.seq });
    };
    await (this.db.isTransaction ? run(this.db) : this.db.transaction().execute(run));
  }

  async refreshThread(rootId: string): Promise<{ replyCount: number; lastReplyAt: number | null }> {
    const stats = await this.db
      .selectFrom('messages')
      .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.max('created_at').as('last')])
      .where('thread_root_id', '=', rootId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    const replyCount = Number(stats.n);
    const lastReplyAt = stats.last === null ? null : Number(stats.last);
    await this.db.updateTable('messages').set({ reply_count: replyCount, last_reply_at: lastReplyAt }).where('id', '=', rootId).execute();
    return { replyCount, lastReplyAt };
  }

  async addReaction(r: ReactionRecord): Promise<boolean> {
    const res = await this.db
      .insertInto('reactions')
      .values({ message_id: r.messageId, user_id: r.userId, emoji: r.emoji, created_at: r.createdAt })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async removeReaction(messageId: string, userId: string, emoji: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('reactions')
      .where('message_id', '=', messageId)
      .where('user_id', '=', userId)
      .where('emoji', '=', emoji)
      .executeTakeFirst();
    return res.numDeletedRows > 0n;
  }

  async reactionsFor(messageIds: string[]): Promise<ReactionRecord[]> {
    if (messageIds.length === 0) return [];
    const rows = await this.db.selectFrom('reactions').selectAll().where('message_id', 'in', messageIds).orderBy('created_at').execute();
    return rows.map((r) => ({ messageId: r.message_id, userId: r.user_id, emoji: r.emoji, createdAt: r.created_at }));
  }

  async mentionsFor(messageIds: string[]): Promise<{ messageId: string; userId: string }[]> {
    if (messageIds.length === 0) return [];
    const rows = await this.db.selectFrom('mentions').select(['message_id', 'user_id']).where('message_id', 'in', messageIds).execute();
    return rows.map((r) => ({ messageId: r.message_id, userId: r.user_id }));
  }

  async pin(channelId: string, messageId: string, by: string, now: number): Promise<boolean> {
    const res = await this.db
      .insertInto('pins')
      .values({ channel_id: channelId, message_id: messageId, pinned_by: by, pinned_at: now })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async unpin(channelId: string, messageId: string): Promise<boolean> {
    const res = await this.db.deleteFrom('pins').where('channel_id', '=', channelId).where('message_id', '=', messageId).executeTakeFirst();
    return res.numDeletedRows > 0n;
  }

  async pinnedIds(channelId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('pins').select('message_id').where('channel_id', '=', channelId).orderBy('pinned_at', 'desc').execute();
    return rows.map((r) => r.message_id);
  }

  async pinnedAmong(messageIds: string[]): Promise<Set<string>> {
    if (messageIds.length === 0) return new Set();
    const rows = await this.db.selectFrom('pins').select('message_id').where('message_id', 'in', messageIds).execute();
    return new Set(rows.map((r) => r.message_id));
  }
}
