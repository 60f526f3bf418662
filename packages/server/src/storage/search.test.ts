import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Migrator, sql } from 'kysely';
import { SqlStorage } from './sql/sqlStorage.js';
import { SqlSearchStore } from './sql/searchStore.js';
import { connect, migrateToLatest, type Connection } from './sql/connect.js';
import { migrationProvider } from './sql/migrations/index.js';
import { createTestDatabase } from '../testing/postgres.js';
import type { ChannelKind, MessageRecord, SearchRequest, Storage } from './port.js';

const T0 = 1_700_000_000_000;

/** An empty database: `url` and `dataDir` as SqlStorage.open and connect take them. */
interface Target {
  url: string | undefined;
  dataDir: string;
  sqliteFile?: string;
  drop(): Promise<void>;
}

/** The same cases on every database. Each test posts its own words, so tests stay independent. */
function searchSuite(name: string, fresh: () => Promise<Target>, dialect: 'sqlite' | 'postgres'): void {
  describe(name, () => {
    let target: Target;
    let storage: Storage;
    const seqs = new Map<string, number>();
    let clock = T0;
    let me: string, other: string, outsider: string, ws: string, ws2: string;

    const createUser = async (): Promise<string> => {
      const id = randomUUID();
      const tag = id.slice(0, 8);
      await storage.users.create({ id, username: `u_${tag}`, email: `${tag}@example.com`, displayName: tag, passwordHash: 'h', createdAt: T0 });
      return id;
    };
    const createWorkspace = async (owner: string): Promise<string> => {
      const id = randomUUID();
      await storage.workspaces.create({ id, name: 'W', createdBy: owner, createdAt: T0 }, { workspaceId: id, userId: owner, role: 'owner', joinedAt: T0 });
      return id;
    };
    const channel = async (kind: ChannelKind, members: string[], workspaceId = ws): Promise<string> => {
      const id = randomUUID();
      const named = kind === 'public' || kind === 'private';
      await storage.channels.create({
        id, workspaceId, kind, name: named ? id.slice(0, 8) : null, slug: named ? `c-${id.slice(0, 8)}` : null, topic: '',
        createdBy: members[0] ?? other, createdAt: T0, archivedAt: null, lastSeq: 0, conversationKey: named ? null : id,
      });
      for (const userId of members) await storage.channels.addMember({ channelId: id, userId, joinedAt: T0, lastReadSeq: 0 });
      return id;
    };
    const post = async (channelId: string, body: string, opts: { author?: string; attachmentCount?: number } = {}): Promise<MessageRecord> => {
      const seq = (seqs.get(channelId) ?? 0) + 1;
      seqs.set(channelId, seq);
      clock += 1000;
      const message: MessageRecord = {
        id: randomUUID(), channelId, seq, authorId: opts.author ?? me, body, clientMessageId: null, threadRootId: null,
        replyCount: 0, lastReplyAt: null, mentionsChannel: false, attachmentCount: opts.attachmentCount ?? 0,
        createdAt: clock, editedAt: null, deletedAt: null,
      };
      await storage.messages.insert(message, []);
      return message;
    };
    const search = (query: string, extra: Partial<SearchRequest> = {}) =>
      storage.search.search({ workspaceId: ws, userId: me, query, limit: 50, offset: 0, ...extra });
    const ids = async (query: string, extra: Partial<SearchRequest> = {}): Promise<string[]> => {
      const found = (await search(query, extra)).map((r) => r.message.id);
      assert.equal(new Set(found).size, found.length, `no duplicates for ${JSON.stringify(query)}`);
      return found;
    };
    const sameSet = (actual: string[], expected: string[], what: string) => assert.deepEqual([...actual].sort(), [...expected].sort(), what);

    before(async () => {
      target = await fresh();
      storage = await SqlStorage.open(target.url, target.dataDir);
      [me, other, outsider] = [await createUser(), await createUser(), await createUser()];
      ws = await createWorkspace(other);
      await storage.workspaces.addMember({ workspaceId: ws, userId: me, role: 'member', joinedAt: T0 });
      ws2 = await createWorkspace(outsider);
      await storage.workspaces.addMember({ workspaceId: ws2, userId: me, role: 'member', joinedAt: T0 });
    });
    after(async () => {
      await storage.close();
      await target.drop();
    });

    it('finds whole words, requires every term, and returns the stored message', async () => {
      const c = await channel('public', [me]);
      const hit = await post(c, 'The quarterly zorbatron report is ready');
      await post(c, 'zorbatron alone');
      const results = await search('zorbatron quarterly');
      assert.equal(results.length, 1);
      assert.deepEqual(results[0]!.message, hit);
      assert.ok(results[0]!.rank >= 1, 'a word match ranks in the word tier');
    });

    it('finds word prefixes, partial words inside words, and is case-insensitive', async () => {
      const c = await channel('public', [me]);
      const m = await post(c, 'Kravlon DEPLOYMENT finished');
      assert.deepEqual(await ids('kravl', { channelId: c }), [m.id], 'prefix');
      assert.deepEqual(await ids('ploy', { channelId: c }), [m.id], 'infix partial word');
      assert.deepEqual(await ids('KRAVLON deployment', { channelId: c }), [m.id], 'case-insensitive words');
      assert.deepEqual(await ids('EPLOYMEN', { channelId: c }), [m.id], 'case-insensitive infix');
      assert.ok((await search('ploy', { channelId: c }))[0]!.rank < 1, 'an infix-only match ranks below the word tier');
      assert.deepEqual(await ids('zzkravlonqq', { channelId: c }), []);
    });

    it('finds CJK text inside a sentence without spaces, including two-character queries', async () => {
      const c = await channel('public', [me]);
      const m = await post(c, '明日は東京に行きます');
      await post(c, '大阪の天気');
      assert.deepEqual(await ids('東京', { channelId: c }), [m.id]);
      assert.deepEqual(await ids('東京に行', { channelId: c }), [m.id]);
      assert.deepEqual(await ids('は東', { channelId: c }), [m.id]);
      assert.deepEqual(await ids('京都', { channelId: c }), []);
    });

    it('ranks stronger matches first: repeated exact words above a single one above a partial word', async () => {
      const c = await channel('public', [me]);
      const twice = await post(c, 'rollout rollout checklist');
      const once = await post(c, 'the rollout of the new billing checklist for everyone in the team');
      const partial = await post(c, 'prerollout notes'); // newest, yet last
      const results = await search('rollout', { channelId: c });
      assert.deepEqual(results.map((r) => r.message.id), [twice.id, once.id, partial.id]);
      assert.ok(results[0]!.rank > results[1]!.rank && results[1]!.rank > results[2]!.rank);
    });

    it('ties in rank come newest first', async () => {
      const c = await channel('public', [me]);
      const older = await post(c, 'samerank');
      const newer = await post(c, 'samerank');
      assert.deepEqual(await ids('samerank', { channelId: c }), [newer.id, older.id]);
    });

    it('only searches what the user may read', async () => {
      const body = 'permcheckword 鰻丼 §¶';
      const mine = await post(await channel('public', [me]), body);
      const notJoined = await post(await channel('public', [other]), body, { author: other });
      const team = await channel('private', [other, me]);
      const inTeam = await post(team, body, { author: other });
      await post(await channel('private', [other]), body, { author: other });
      await post(await channel('dm', [other, outsider]), body, { author: other });
      const myDm = await post(await channel('dm', [other, me]), body, { author: other });
      const elsewhere = await post(await channel('public', [outsider, me], ws2), body, { author: outsider });

      const visible = [mine.id, notJoined.id, inTeam.id, myDm.id];
      // Every query path: word, infix (trigram), short CJK (word + LIKE), punctuation (LIKE only).
      const queries = ['permcheckword', 'ermcheckwor', '鰻丼', '§¶'];
      for (const q of queries) sameSet(await ids(q), visible, q);

      await storage.channels.removeMember(team, me);
      for (const q of queries) sameSet(await ids(q), [mine.id, notJoined.id, myDm.id], `${q} after leaving`);

      sameSet(await ids('permcheckword', { workspaceId: ws2 }), [elsewhere.id], 'the other workspace, when asked for');
      assert.deepEqual(await ids('permcheckword', { userId: outsider }), [], 'not a member of the workspace: nothing, not even public');
    });

    it('never returns deleted messages; an edited one is found by its new text only', async () => {
      const c = await channel('public', [me]);
      const gone = await post(c, 'vanishingword 消えた');
      await storage.messages.markDeleted(gone.id, clock);
      for (const q of ['vanishingword', 'anishing', '消え']) assert.deepEqual(await ids(q), [], q);

      const edited = await post(c, 'oldtextword');
      await storage.messages.edit(edited.id, 'newtextword', [], false, clock + 1);
      assert.deepEqual(await ids('oldtextword'), []);
      assert.deepEqual(await ids('ldtextwor'), []);
      const found = await search('newtextword');
      assert.deepEqual(found.map((r) => [r.message.id, r.message.body]), [[edited.id, 'newtextword']]);
    });

    it('filters by channel, author, time (exclusive) and attachments', async () => {
      const x = await channel('public', [me, other]);
      const y = await channel('public', [me, other]);
      const first = await post(x, 'filterword one', { attachmentCount: 1 });
      const second = await post(x, 'filterword two', { author: other });
      const third = await post(y, 'filterword three', { author: other });
      sameSet(await ids('filterword', { channelId: x }), [first.id, second.id], 'channel');
      sameSet(await ids('filterword', { authorId: other }), [second.id, third.id], 'author');
      sameSet(await ids('filterword', { before: second.createdAt }), [first.id], 'before');
      sameSet(await ids('filterword', { after: second.createdAt }), [third.id], 'after');
      sameSet(await ids('filterword', { hasFile: true }), [first.id], 'with files');
      sameSet(await ids('filterword', { hasFile: false }), [second.id, third.id], 'without files');
      sameSet(await ids('filterword', { channelId: y, authorId: me }), [], 'filters combine');
    });

    it('pages with limit and offset, without overlap or gaps', async () => {
      const c = await channel('public', [me]);
      for (let i = 0; i < 7; i++) await post(c, `pageword number ${i}`);
      const all = await ids('pageword', { channelId: c });
      assert.equal(all.length, 7);
      const pages = [];
      for (const offset of [0, 3, 6]) pages.push(await ids('pageword', { channelId: c, limit: 3, offset }));
      assert.deepEqual(pages.map((p) => p.length), [3, 3, 1]);
      assert.deepEqual(pages.flat(), all);
      assert.deepEqual(await ids('pageword', { channelId: c, offset: 7 }), []);
    });

    it('treats hostile input as plain text', async () => {
      const c = await channel('public', [me]);
      const odd = await post(c, 'it is 100% sure_thing: back\\slash "quoted" (paren) NEAR(x) a-b OR c*');
      await post(c, 'plain words only here');
      const hostile = ['"', '*', 'AND (', 'a AND (', 'NEAR(', '%', '_', '\\', '"foo', "'", "it's", 'col:term', '-x', 'NOT', 'OR', '^a', '()', '"*"', ':*', '&|!<->', '\u0000'];
      for (const q of hostile) assert.ok(Array.isArray(await search(q)), q);
      for (const q of ['%', '_', '\\', '"quoted"', 'NEAR(x)', '(paren)', 'c*', 'sure_thing:', '100%']) {
        assert.deepEqual(await ids(q, { channelId: c }), [odd.id], `${q} matches literally`);
      }
      assert.deepEqual(await search('   '), [], 'an empty query finds nothing');
    });

    /**
     * A database migrated only up to `version`, holding user u in workspace w with public channel c
     * and `messages` ([id, body, deleted?]); dropped after `test`.
     */
    const withLegacyDatabase = async (version: string, messages: [string, string, boolean?][], test: (conn: Connection) => Promise<void>) => {
      const old = await fresh();
      const conn = connect(old.url, old.dataDir);
      try {
        const { error } = await new Migrator({ db: conn.db, provider: migrationProvider }).migrateTo(version);
        assert.ifError(error);
        const at = { created_at: T0 };
        await conn.db.insertInto('users').values({ id: 'u', username: 'u', email: 'u@x', email_lower: 'u@x', display_name: 'U', password_hash: 'h', ...at, updated_at: T0 }).execute();
        await conn.db.insertInto('workspaces').values({ id: 'w', name: 'W', created_by: 'u', ...at }).execute();
        await conn.db.insertInto('workspace_members').values({ workspace_id: 'w', user_id: 'u', role: 'owner', joined_at: T0 }).execute();
        await conn.db.insertInto('channels').values({ id: 'c', workspace_id: 'w', kind: 'public', name: 'c', slug: 'c', created_by: 'u', archived_at: null, conversation_key: null, ...at }).execute();
        const rows = messages.map(([id, body, deleted], i) => legacyMessage(id, i + 1, body, deleted));
        if (rows.length > 0) await conn.db.insertInto('messages').values(rows).execute();
        await test(conn);
      } finally {
        await conn.db.destroy();
        await old.drop();
      }
    };
    /** A row of `messages` in channel c by user u, as the tests write it below the storage layer. */
    const legacyMessage = (id: string, seq: number, body: string, deleted = false) => ({
      id, channel_id: 'c', seq, author_id: 'u', body, client_message_id: null, thread_root_id: null, last_reply_at: null, edited_at: null,
      deleted_at: deleted ? T0 : null, created_at: T0,
    });
    const findIn = async (conn: Connection, query: string) =>
      (await new SqlSearchStore(conn.db).search({ workspaceId: 'w', userId: 'u', query, limit: 10, offset: 0 })).map((r) => r.message.id);

    it('indexes the messages that existed before the search migration, except deleted ones', async () => {
      await withLegacyDatabase('0002_chat', [['kept', 'legacy backfilled words'], ['gone', 'legacy deleted words', true]], async (conn) => {
        await migrateToLatest(conn.db);
        for (const query of ['legacy', 'backfill', 'ackfille', 'ba']) assert.deepEqual(await findIn(conn, query), ['kept'], query);
      });
    });

    if (dialect === 'sqlite') {
      /** Keys waiting for the batch indexer, read through a second connection (committed state). */
      const pendingKeys = (): number => {
        const raw = new SqliteDatabase(target.sqliteFile!, { readonly: true });
        try {
          return (raw.prepare('select count(*) as n from message_search_keys where pending = 1').get() as { n: number }).n;
        } finally {
          raw.close();
        }
      };

      it('indexes writes in batches, and a search first indexes what is pending (SQLite)', async () => {
        const c = await channel('public', [me]);
        await storage.search.search({ workspaceId: ws, userId: me, query: 'flush', limit: 1, offset: 0 });
        const posted = [];
        let seenPending = false;
        for (let i = 0; i < 5; i++) {
          posted.push(await post(c, `batchword number${i}`));
          // The background batch may run in between, but not after each of the five sends.
          seenPending ||= pendingKeys() >= 1;
        }
        assert.ok(seenPending, 'the sends left their messages pending, not indexed');
        sameSet(await ids('batchword', { channelId: c }), posted.map((m) => m.id), 'found at once anyway');
        assert.equal(pendingKeys(), 0, 'the search indexed them first');

        // An edit and a delete are pending too until the next batch; a search still sees them.
        await storage.messages.edit(posted[0]!.id, 'batchedited', [], false, clock + 1);
        await storage.messages.markDeleted(posted[1]!.id, clock + 2);
        assert.deepEqual(await ids('number0', { channelId: c }), [], 'the old body is gone from the index');
        assert.deepEqual(await ids('batchedited', { channelId: c }), [posted[0]!.id]);
        sameSet(await ids('batchword', { channelId: c }), posted.slice(2).map((m) => m.id), 'deleted and edited ones no longer match');
        assert.deepEqual(await ids('ber1', { channelId: c }), [], 'the trigram index dropped the deleted body too');
      });

      it('indexes in the background without a search (SQLite)', async () => {
        const c = await channel('public', [me]);
        await post(c, 'backgroundword');
        const deadline = Date.now() + 5000;
        while (pendingKeys() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(pendingKeys(), 0, 'indexed within the timer period');
        assert.equal((await ids('backgroundword', { channelId: c })).length, 1);
      });

      it('keeps what 0003 had indexed when upgrading to batch indexing (SQLite)', async () => {
        await withLegacyDatabase('0005_files', [['live', 'upgradeword firstbody'], ['gone', 'upgradeword deleted', true]], async (conn) => {
          await migrateToLatest(conn.db);
          assert.deepEqual(await findIn(conn, 'upgradeword'), ['live']);
          // Editing after the upgrade removes the entry 0003's trigger wrote (so `indexed` was set right).
          await conn.db.updateTable('messages').set({ body: 'secondbody' }).where('id', '=', 'live').execute();
          assert.deepEqual(await findIn(conn, 'firstbody'), []);
          assert.deepEqual(await findIn(conn, 'secondbody'), ['live']);
          assert.deepEqual(await findIn(conn, 'upgradeword'), []);
        });
      });

      it('going back to per-write indexing (0006 down) indexes what was pending first (SQLite)', async () => {
        await withLegacyDatabase('0005_files', [], async (conn) => {
          await migrateToLatest(conn.db);
          await conn.db.insertInto('messages').values(legacyMessage('pending', 1, 'downgradeword')).execute();
          const { error } = await new Migrator({ db: conn.db, provider: migrationProvider }).migrateTo('0005_files');
          assert.ifError(error);
          const matches = async (word: string) =>
            (await sql<{ n: number }>`select count(*) as n from message_fts_words where message_fts_words match ${word}`.execute(conn.db)).rows[0]!.n;
          assert.equal(await matches('downgradeword'), 1, 'the pending message was indexed on the way down');
          await conn.db.insertInto('messages').values(legacyMessage('after', 2, 'afterdowngrade')).execute();
          assert.equal(await matches('afterdowngrade'), 1, "0003's trigger indexes a new write at once again");
        });
      });
    }

    // Rowid renumbering by VACUUM is a SQLite hazard; PostgreSQL has no rowids to lose.
    if (dialect === 'sqlite') it('keeps its index through hard deletes, renumbered rowids and VACUUM (SQLite)', async () => {
      assert.ok(target.sqliteFile);
      const c = await channel('public', [me]);
      const posted = [];
      for (let i = 0; i < 6; i++) posted.push(await post(c, `vacuumword v${i} ${'padding '.repeat(i)}`));
      const raw = new SqliteDatabase(target.sqliteFile);
      try {
        for (const m of posted.filter((_, i) => i % 2 === 0)) raw.prepare('delete from messages where id = ?').run(m.id);
        // What VACUUM may do to a table without an INTEGER PRIMARY KEY, done for certain.
        raw.exec('update messages set rowid = rowid + 1000000');
        raw.exec('vacuum');
      } finally {
        raw.close();
      }
      const kept = posted.filter((_, i) => i % 2 === 1);
      const found = await search('vacuumword', { channelId: c });
      sameSet(found.map((r) => r.message.id), kept.map((m) => m.id), 'the survivors');
      for (const r of found) assert.equal(r.message.body, kept.find((m) => m.id === r.message.id)!.body);
      for (const [i, m] of posted.entries()) assert.deepEqual(await ids(`v${i}`, { channelId: c }), i % 2 === 1 ? [m.id] : []);
    });
  });
}

searchSuite('search: SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-search-'));
  const drop = async () => fs.rmSync(dir, { recursive: true, force: true });
  return { url: undefined, dataDir: dir, sqliteFile: path.join(dir, 'relaydesk.sqlite'), drop };
}, 'sqlite');

searchSuite('search: PostgreSQL', async () => {
  const database = await createTestDatabase();
  return { url: database.url, dataDir: os.tmpdir(), drop: () => database.drop() };
}, 'postgres');
