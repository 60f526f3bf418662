import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { WorkspaceRole } from '../workspacePort.js';
import type { ChannelKind, ChannelMemberProfile, ChannelMemberRecord, ChannelRecord, ChannelStore, UnreadRecord } from '../channelPort.js';
import type { ChannelsTable, Database } from './schema.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { uniqueViolationColumn } from './connect.js';
import { fixedQuery } from './fixedQuery.js';

export const toChannel = (r: Selectable<ChannelsTable>): ChannelRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  kind: r.kind as ChannelKind,
  name: r.name,
  slug: r.slug,
  topic: r.topic,
  createdBy: r.created_by,
  createdAt: r.created_at,
  archivedAt: r.archived_at,
  lastSeq: r.last_seq,
  conversationKey: r.conversation_key,
});

/** SQLite names the indexed columns, PostgreSQL the index: map both to the field that collided. */
function conflictField(err: unknown): string | undefined {
  const column = uniqueViolationColumn(err) ?? '';
  if (/slug/.test(column) || /slug/.test(String((err as { message?: string }).message))) return 'slug';
  if (/conversation/.test(column) || /conversation/.test(String((err as { message?: string }).message))) return 'conversation_key';
  return undefined;
}

// On every send and every channel request: built once (see fixedQuery).
const channelWithMemberships = fixedQuery((db, id: string, userId: string) =>
  db
    .selectFrom('channels as c')
    .leftJoin('workspace_members as wm', (j) => j.onRef('wm.workspace_id', '=', 'c.workspace_id').on('wm.user_id', '=', userId))
    .leftJoin('channel_members as cm', (j) => j.onRef('cm.channel_id', '=', 'c.id').on('cm.user_id', '=', userId))
    .selectAll('c')
    .select(['wm.role as wm_role', 'wm.joined_at as wm_joined_at', 'cm.joined_at as cm_joined_at', 'cm.last_read_seq as cm_last_read_seq'])
    .where('c.id', '=', id),
);
const nextChannelSeq = fixedQuery((db, id: string) =>
  db
    .updateTable('channels')
    .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
    .where('id', '=', id)
    .returning('last_seq'),
);

export class SqlChannelStore implements ChannelStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(c: ChannelRecord): Promise<void> {
    try {
      await this.db
        .insertInto('channels')
        .values({
          id: c.id,
          workspace_id: c.workspaceId,
          kind: c.kind,
          name: c.name,
          slug: c.slug,
          topic: c.topic,
          created_by: c.createdBy,
          created_at: c.createdAt,
          archived_at: c.archivedAt,
          last_seq: c.lastSeq,
          conversation_key: c.conversationKey,
        })
        .execute();
    } catch (err) {
      const field = conflictField(err);
      if (field) throw new ConflictError(field);
      throw err;
    }
  }

  async findById(id: string): Promise<ChannelRecord | undefined> {
    const r = await this.db.selectFrom('channels').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toChannel(r);
  }

  async findWithMemberships(id: string, userId: string) {
    const [r] = await channelWithMemberships(this.db, id, userId);
    if (!r) return undefined;
    const channel = toChannel(r);
    return {
      channel,
      workspaceMember:
        r.wm_role === null || r.wm_joined_at === null
          ? undefined
          : { workspaceId: channel.workspaceId, userId, role: r.wm_role as WorkspaceRole, joinedAt: r.wm_joined_at },
      channelMember:
        r.cm_joined_at === null || r.cm_last_read_seq === null ? undefined : { channelId: id, userId, joinedAt: r.cm_joined_at, lastReadSeq: r.cm_last_read_seq },
    };
  }

  async findByConversationKey(workspaceId: string, key: string): Promise<ChannelRecord | undefined> {
    const r = await this.db
      .selectFrom('channels')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('conversation_key', '=', key)
      .executeTakeFirst();
    return r && toChannel(r);
  }

  async update(id: string, changes: Partial<Pick<ChannelRecord, 'name' | 'slug' | 'topic' | 'archivedAt'>>): Promise<ChannelRecord> {
    const set: Updateable<ChannelsTable> = {};
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.slug !== undefined) set.slug = changes.slug;
    if (changes.topic !== undefined) set.topic = changes.topic;
    if (changes.archivedAt !== undefined) set.archived_at = changes.archivedAt;
    try {
      const r = await this.db.updateTable('channels').set(set).where('id', '=', id).returningAll().executeTakeFirst();
      if (!r) throw new NotFoundError('channel');
      return toChannel(r);
    } catch (err) {
      if (conflictField(err) === 'slug') throw new ConflictError('slug');
      throw err;
    }
  }

  async nextSeq(id: string): Promise<number> {
    const [r] = await nextChannelSeq(this.db, id);
    if (!r) throw new NotFoundError('channel');
    return r.last_seq;
  }

  async listVisible(workspaceId: string, userId: string) {
    const rows = await this.db
      .selectFrom('channels as c')
      .leftJoin('channel_members as cm', (j) => j.onRef('cm.channel_id', '=', 'c.id').on('cm.user_id', '=', userId))
      .selectAll('c')
      .select('cm.user_id as member')
      .where('c.workspace_id', '=', workspaceId)
      .where((eb) => eb.or([eb('c.kind', '=', 'public'), eb('cm.user_id', 'is not', null)]))
      .orderBy('c.kind')
      .orderBy('c.name')
      .orderBy('c.created_at')
      .execute();
    return rows.map((r) => ({ ...toChannel(r), isMember: r.member !== null }));
  }

  async getMember(channelId: string, userId: string): Promise<ChannelMemberRecord | undefined> {
    const r = await this.db
      .selectFrom('channel_members')
      .selectAll()
      .where('channel_id', '=', channelId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return r && { channelId: r.channel_id, userId: r.user_id, joinedAt: r.joined_at, lastReadSeq: r.last_read_seq };
  }

  async addMember(m: ChannelMemberRecord): Promise<boolean> {
    const res = await this.db
      .insertInto('channel_members')
      .values({ channel_id: m.channelId, user_id: m.userId, joined_at: m.joinedAt, last_read_seq: m.lastReadSeq })
      .onConflict((oc) => oc.columns(['channel_id', 'user_id']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async removeMember(channelId: string, userId: string): Promise<boolean> {
    const res = await this.db.deleteFrom('channel_members').where('channel_id', '=', channelId).where('user_id', '=', userId).executeTakeFirst();
    return res.numDeletedRows > 0n;
  }

  private profiles() {
    return this.db
      .selectFrom('channel_members as cm')
      .innerJoin('users as u', 'u.id', 'cm.user_id')
      .select(['cm.channel_id', 'cm.user_id', 'cm.joined_at', 'cm.last_read_seq', 'u.username', 'u.display_name']);
  }

  private static toProfile(r: { channel_id: string; user_id: string; joined_at: number; last_read_seq: number; username: string; display_name: string }): ChannelMemberProfile {
    return { channelId: r.channel_id, userId: r.user_id, joinedAt: r.joined_at, lastReadSeq: r.last_read_seq, username: r.username, displayName: r.display_name };
  }

  async listMembers(channelId: string): Promise<ChannelMemberProfile[]> {
    const rows = await this.profiles().where('cm.channel_id', '=', channelId).orderBy('u.username').execute();
    return rows.map(SqlChannelStore.toProfile);
  }

  async memberIds(channelId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('channel_members').select('user_id').where('channel_id', '=', channelId).execute();
    return rows.map((r) => r.user_id);
  }

  async countMembers(channelId: string): Promise<number> {
    const row = await this.db
      .selectFrom('channel_members')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
      .where('channel_id', '=', channelId)
      .executeTakeFirstOrThrow();
    // PostgreSQL answers count(*) as a bigint string.
    return Number(row.n);
  }

  async membershipsOf(userId: string) {
    const rows = await this.db
      .selectFrom('channel_members as cm')
      .innerJoin('channels as c', 'c.id', 'cm.channel_id')
      .select(['cm.channel_id', 'c.workspace_id', 'c.last_seq'])
      .where('cm.user_id', '=', userId)
      .execute();
    return rows.map((r) => ({ channelId: r.channel_id, workspaceId: r.workspace_id, lastSeq: r.last_seq }));
  }

  async markRead(channelId: string, userId: string, seq: number): Promise<number> {
    await this.db
      .updateTable('channel_members')
      .set({ last_read_seq: seq })
      .where('channel_id', '=', channelId)
      .where('user_id', '=', userId)
      .where('last_read_seq', '<', seq)
      .execute();
    const member = await this.getMember(channelId, userId);
    if (!member) throw new NotFoundError('channel member');
    return member.lastReadSeq;
  }

  async unreads(userId: string, cap: number): Promise<UnreadRecord[]> {
    // One statement for every channel, each count bounded: unread messages are walked on the
    // (channel_id, seq) index and stop at `cap`; mentions come from the per-user mentions index
    // and the partial index of @channel messages, never from a walk of all unread messages.
    const live = sql`m.deleted_at is null and m.author_id <> ${userId}`;
    const result = await sql<{
      channel_id: string;
      workspace_id: string;
      last_read_seq: number | string;
      last_seq: number | string;
      unread_count: number | string;
      mention_count: number | string;
    }>`
      select cm.channel_id, c.workspace_id, cm.last_read_seq, c.last_seq,
        (select count(*) from (
          select 1 as one from messages m
          where m.channel_id = cm.channel_id and m.seq > cm.last_read_seq and m.thread_root_id is null and ${live}
          limit ${cap}) u) as unread_count,
        (select count(*) from (
          select m.id from messages m
          where m.channel_id = cm.channel_id and m.mentions_channel = 1 and m.seq > cm.last_read_seq and ${live}
          union
          select m.id from mentions mn join messages m on m.id = mn.message_id
          where mn.user_id = ${userId} and mn.channel_id = cm.channel_id and mn.seq > cm.last_read_seq and ${live}
          limit ${cap}) mc) as mention_count
      from channel_members cm
      join channels c on c.id = cm.channel_id
      where cm.user_id = ${userId}
      order by c.workspace_id, cm.channel_id`.execute(this.db);
    return result.rows.map((r) => ({
      channelId: r.channel_id,
      workspaceId: r.workspace_id,
      lastReadSeq: Number(r.last_read_seq),
      lastSeq: Number(r.last_seq),
      unreadCount: Number(r.unread_count),
      mentionCount: Number(r.mention_count),
    }));
  }

  async readersAt(channelId: string, seq: number): Promise<ChannelMemberProfile[]> {
    const rows = await this.profiles().where('cm.channel_id', '=', channelId).where('cm.last_read_seq', '>=', seq).orderBy('u.username').execute();
    return rows.map(SqlChannelStore.toProfile);
  }
}
