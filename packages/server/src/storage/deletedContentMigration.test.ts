import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Migrator, sql, type Kysely } from 'kysely';
import { tombstoneOf, type Message } from '@relaydesk/protocol';
import { connect, migrateToLatest } from './sql/connect.js';
import { migrationProvider } from './sql/migrations/index.js';
import { SqlMessageStore } from './sql/messageStore.js';
import { SqlSearchStore } from './sql/searchStore.js';
import type { Database } from './sql/schema.js';
import { createTestDatabase } from '../testing/postgres.js';

const T0 = 1_700_000_000_000;
const marker = (what: string) => `zq${what}${randomUUID().replace(/-/g, '')}`;

/** The feed's view of a message, as 0006-era servers stored it. */
const view = (id: string, seq: number, body: string, editedAt: string | null = null): Message => ({
  id, channelId: 'c', seq, authorId: 'u', body, clientMessageId: null, threadRootId: null, replyCount: 0, lastReplyAt: null,
  mentions: { userIds: ['u'], channel: true }, reactions: [], attachmentCount: 0, attachments: [], pinned: false,
  createdAt: new Date(T0).toISOString(), editedAt, deleted: false,
});

interface Target {
  url: string | undefined;
  dataDir: string;
  sqliteFile?: string;
  drop(): Promise<void>;
}

/**
 * A database at 0006 holding what earlier servers left: a message deleted after an edit whose
 * created and edited events still carry both bodies (and, on SQLite, whose words the old search
 * tables kept after "deleting" them), and a live edited message.
 */
async function seedLegacy(db: Kysely<Database>, s: { gone: [string, string]; live: [string, string] }): Promise<void> {
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo('0006_search_batches');
  assert.ifError(error);
  const at = { created_at: T0 };
  await db.insertInto('users').values({ id: 'u', username: 'u', email: 'u@x', email_lower: 'u@x', display_name: 'U', password_hash: 'h', ...at, updated_at: T0 }).execute();
  await db.insertInto('workspaces').values({ id: 'w', name: 'W', created_by: 'u', ...at }).execute();
  await db.insertInto('workspace_members').values({ workspace_id: 'w', user_id: 'u', role: 'owner', joined_at: T0 }).execute();
  await db.insertInto('channels').values({ id: 'c', workspace_id: 'w', kind: 'public', name: 'c', slug: 'c', created_by: 'u', archived_at: null, conversation_key: null, ...at }).execute();
  const message = (id: string, seq: number, body: string) => ({
    id, channel_id: 'c', seq, author_id: 'u', body, client_message_id: null, thread_root_id: null, last_reply_at: null, edited_at: T0 + 1, deleted_at: null, ...at,
  });
  await db.insertInto('messages').values([message('gone', 1, s.gone[1]), message('live', 4, s.live[1])]).execute();
  await db.insertInto('message_edits').values({ message_id: 'gone', body: s.gone[0], edited_at: T0 + 1 }).execute();
  const edited = new Date(T0 + 1).toISOString();
  const events = [
    { type: 'message.created', message: view('gone', 1, s.gone[0]) },
    { type: 'message.edited', message: view('gone', 1, s.gone[1], edited) },
    { type: 'message.deleted', messageId: 'gone' },
    { type: 'message.created', message: view('live', 4, s.live[0]) },
    { type: 'message.edited', message: view('live', 4, s.live[1], edited) },
  ];
  // In SQL: edited_message_id, which the table type has, is 0007's.
  for (const [i, payload] of events.entries()) {
    await sql`insert into channel_events (channel_id, seq, actor_id, created_at, payload) values ('c', ${i + 1}, 'u', ${T0}, ${JSON.stringify(payload)})`.execute(db);
  }
  // Indexed while live (a search indexes first), then deleted as 0006's code did.
  await new SqlSearchStore(db).search({ workspaceId: 'w', userId: 'u', query: 'anything', limit: 1, offset: 0 });
  await db.updateTable('messages').set({ body: '', deleted_at: T0 + 2 }).where('id', '=', 'gone').execute();
  await new SqlSearchStore(db).search({ workspaceId: 'w', userId: 'u', query: 'anything', limit: 1, offset: 0 });
}

const payloads = async (db: Kysely<Database>) =>
  (await db.selectFrom('channel_events').select(['seq', 'payload']).where('channel_id', '=', 'c').orderBy('seq').execute()).map((r) => ({ seq: r.seq, event: JSON.parse(r.payload) as unknown }));

function migrationSuite(name: string, fresh: () => Promise<Target>): void {
  describe(name, () => {
    it('0007 rewrites the events of messages deleted before it, and names edits so that later deletes find them', async () => {
      const target = await fresh();
      const secrets = { gone: [marker('goneorig'), marker('goneedit')] as [string, string], live: [marker('liveorig'), marker('liveedit')] as [string, string] };
      const fileBytes = () => Buffer.concat([target.sqliteFile!, `${target.sqliteFile!}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
      try {
        const legacy = connect(target.url, target.dataDir);
        await seedLegacy(legacy.db, secrets);
        await legacy.db.destroy();
        if (target.sqliteFile) assert.ok(fileBytes().includes(secrets.gone[1]), 'the deleted words are on disk: in the events, and in the old search index');

        const conn = connect(target.url, target.dataDir);
        try {
          assert.deepEqual((await migrateToLatest(conn.db)).slice(0, 1), ['0007_deleted_content'], 'from the legacy schema, 0007 runs (and those after it)');
          const after = await payloads(conn.db);
          assert.deepEqual(after.map((e) => e.seq), [1, 2, 3, 4, 5]);
          const edited = new Date(T0 + 1).toISOString();
          assert.deepEqual(after[0]!.event, { type: 'message.created', message: tombstoneOf(view('gone', 1, secrets.gone[0])) });
          assert.deepEqual(after[1]!.event, { type: 'message.edited', message: tombstoneOf(view('gone', 1, secrets.gone[1], edited)) });
          assert.deepEqual(after.slice(2).map((e) => e.event), [
            { type: 'message.deleted', messageId: 'gone' },
            { type: 'message.created', message: view('live', 4, secrets.live[0]) },
            { type: 'message.edited', message: view('live', 4, secrets.live[1], edited) },
          ], 'the live message is untouched');
          assert.deepEqual(await new SqlMessageStore(conn.db).edits('gone'), [], 'the leftover edit history is gone');

          // The backfilled column lets a delete after the upgrade find the earlier edit event.
          await new SqlMessageStore(conn.db).markDeleted('live', T0 + 3);
          const text = JSON.stringify(await payloads(conn.db));
          for (const secret of [...secrets.gone, ...secrets.live]) assert.ok(!text.includes(secret), `the feed still holds ${secret}`);
        } finally {
          await conn.db.destroy();
        }
        if (target.sqliteFile) {
          const bytes = fileBytes();
          for (const secret of [...secrets.gone, ...secrets.live]) assert.ok(!bytes.includes(secret), `the database file still holds ${secret}`);
        }
      } finally {
        await target.drop();
      }
    });

    it('0007 down and up again keeps search working', async () => {
      const target = await fresh();
      const conn = connect(target.url, target.dataDir);
      try {
        await seedLegacy(conn.db, { gone: [marker('a'), marker('b')], live: [marker('c'), 'roundtripword'] });
        await migrateToLatest(conn.db);
        const { error } = await new Migrator({ db: conn.db, provider: migrationProvider }).migrateTo('0006_search_batches');
        assert.ifError(error);
        const find = async (q: string) =>
          (await new SqlSearchStore(conn.db).search({ workspaceId: 'w', userId: 'u', query: q, limit: 10, offset: 0 })).map((r) => r.message.id);
        assert.deepEqual(await find('roundtripword'), ['live']);
        assert.deepEqual((await migrateToLatest(conn.db)).slice(0, 1), ['0007_deleted_content'], 'from the legacy schema, 0007 runs (and those after it)');
        assert.deepEqual(await find('roundtripword'), ['live']);
        await conn.db.updateTable('messages').set({ body: 'changedword' }).where('id', '=', 'live').execute();
        assert.deepEqual(await find('roundtripword'), []);
        assert.deepEqual(await find('changedword'), ['live']);
      } finally {
        await conn.db.destroy();
        await target.drop();
      }
    });
  });
}

migrationSuite('migration 0007: SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-0007-'));
  return { url: undefined, dataDir: dir, sqliteFile: path.join(dir, 'relaydesk.sqlite'), drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
});

migrationSuite('migration 0007: PostgreSQL', async () => {
  const database = await createTestDatabase();
  return { url: database.url, dataDir: os.tmpdir(), drop: () => database.drop() };
});
