import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Message, StoredChannelEvent } from '@relaydesk/protocol';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestSocket } from '../../../realtime/testSocket.js';
import { TestStream } from '../../../realtime/testStream.js';
import { uploaded } from '../files/fixtures.js';
import { allEvents, assertGapFree, createChannel, edit, joinChannel, react, send, setUpTeam, type Person, type Team } from './fixtures.js';

/** A word no other test writes: if it is anywhere after the delete, it leaked. */
const marker = (what: string) => `zq${what}${randomUUID().replace(/-/g, '')}`;

interface Doomed {
  message: Message;
  /** Every piece of its content: both bodies, the attachment's name. */
  secrets: string[];
  /** The feed's seqs before the delete. */
  seqsBefore: number[];
}

/**
 * A message with a file, a mention of `other` and a reaction from them, then edited: its
 * content is in the feed three times over (created, edited) before anyone deletes it.
 */
async function sendEditReact(author: Person, other: Person, channelId: string): Promise<Doomed> {
  const [original, edited, fileName] = [marker('orig'), marker('edit'), marker('file')];
  const file = await uploaded(author, channelId, `${fileName}.txt`, Buffer.from('attached bytes'), { type: 'text/plain' });
  const sent = await author.client.post<Message>(`/api/v1/channels/${channelId}/messages`, {
    body: `first ${original} @${other.user.username}`,
    attachmentIds: [file.id],
  });
  assert.equal(sent.status, 201, sent.text);
  assert.equal((await react(other, sent.body.id, '👀')).status, 204);
  assert.equal((await edit(author, sent.body.id, `second ${edited} @${other.user.username}`)).status, 200);
  const feed = await author.client.get(`/api/v1/channels/${channelId}/events?after=0`);
  for (const secret of [original, edited, fileName]) assert.ok(feed.text.includes(secret), `the feed carries ${secret} before the delete`);
  return { message: sent.body, secrets: [original, edited, fileName], seqsBefore: (feed.body.events as StoredChannelEvent[]).map((e) => e.seq) };
}

function assertNoTrace(text: string, secrets: string[], where: string): void {
  for (const secret of secrets) assert.ok(!text.includes(secret), `${where} still holds ${secret}`);
}

/** The created and edited events of the message: its tombstone, and nothing else, at the same seqs. */
function assertScrubbed(events: StoredChannelEvent[], doomed: Doomed): void {
  const carrying = events.flatMap((e) => (e.event.type === 'message.created' || e.event.type === 'message.edited') && e.event.message.id === doomed.message.id ? [e] : []);
  assert.deepEqual(carrying.map((e) => [e.seq, e.event.type]), [[doomed.message.seq, 'message.created'], [carrying[1]?.seq, 'message.edited']]);
  for (const e of carrying) {
    const m = (e.event as { message: Message }).message;
    assert.equal(m.deleted, true);
    assert.equal(m.body, '');
    assert.deepEqual([m.attachments, m.attachmentCount, m.reactions, m.mentions, m.pinned], [[], 0, [], { userIds: [], channel: false }, false]);
    assert.deepEqual([m.id, m.seq, m.authorId, m.createdAt], [doomed.message.id, doomed.message.seq, doomed.message.authorId, doomed.message.createdAt]);
  }
  assert.ok((carrying[1]!.event as { message: Message }).message.editedAt, 'the edited event keeps when it happened');
}

for (const database of DATABASES) {
  describe(`a deleted message leaves no content behind (${database})`, () => {
    let server: TestServer;
    let team: Team;

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 2);
    });
    after(() => server.close());

    const search = async (person: Person, q: string) => {
      const res = await person.client.get(`/api/v1/workspaces/${team.workspaceId}/search?q=${encodeURIComponent(q)}`);
      assert.equal(res.status, 200, res.text);
      return res.body.hits as unknown[];
    };

    it('the author deletes an edited message: the feed keeps every seq, its raw text holds neither body nor the file name', async () => {
      const [alice, bob] = team.members;
      const channelId = await createChannel(alice!, team.workspaceId, `scrub-${randomUUID().slice(0, 8)}`);
      await joinChannel(bob!, channelId);
      const doomed = await sendEditReact(alice!, bob!, channelId);
      assert.equal((await search(bob!, doomed.secrets[1]!)).length, 1, 'found by its edited text before the delete');
      assert.equal((await alice!.client.delete(`/api/v1/messages/${doomed.message.id}`)).status, 204);

      const raw = await bob!.client.get(`/api/v1/channels/${channelId}/events?after=0`);
      assert.equal(raw.status, 200, raw.text);
      assertNoTrace(raw.text, doomed.secrets, 'the change feed');
      const events = raw.body.events as StoredChannelEvent[];
      assertGapFree(events);
      assert.deepEqual(events.map((e) => e.seq).slice(0, doomed.seqsBefore.length), doomed.seqsBefore, 'the same numbers as before');
      assert.deepEqual(events.at(-1)!.event, { type: 'message.deleted', messageId: doomed.message.id });
      assertScrubbed(events, doomed);

      for (const secret of doomed.secrets.slice(0, 2)) assert.deepEqual(await search(bob!, secret), [], `search for ${secret}`);
      const edits = await bob!.client.get(`/api/v1/messages/${doomed.message.id}/edits`);
      assertNoTrace(edits.text, doomed.secrets, 'the edit history');
    });

    it('an admin deletes a member\u2019s edited thread reply: the same scrub, the thread\u2019s numbers intact', async () => {
      const [alice, bob] = team.members;
      const root = await send(bob!, team.channelId, 'a thread root');
      const [original, edited] = [marker('reply'), marker('replyedit')];
      const reply = await send(alice!, team.channelId, `reply ${original}`, { threadRootId: root.id });
      assert.equal((await edit(alice!, reply.id, `reply ${edited}`)).status, 200);
      const before = await allEvents(bob!, team.channelId);
      assert.equal((await team.owner.client.delete(`/api/v1/messages/${reply.id}`)).status, 204);

      const raw = await bob!.client.get(`/api/v1/channels/${team.channelId}/events?after=0`);
      assertNoTrace(raw.text, [original, edited], 'the change feed');
      const events = raw.body.events as StoredChannelEvent[];
      assertGapFree(events);
      assert.deepEqual(events.slice(0, before.length).map((e) => [e.seq, e.event.type]), before.map((e) => [e.seq, e.event.type]));
      assert.deepEqual(events.slice(before.length).map((e) => e.event.type), ['message.deleted', 'thread.updated']);
      const created = events.find((e) => e.seq === reply.seq)!.event as { message: Message };
      assert.deepEqual([created.message.deleted, created.message.threadRootId], [true, root.id]);
      // The root's own events are not the reply's: they keep the root's text.
      assert.equal((events.find((e) => e.seq === root.seq)!.event as { message: Message }).message.body, 'a thread root');
      assert.deepEqual(await search(bob!, edited), []);
    });

    it('edits racing deletes: whichever commits first, neither body is left in the feed', async () => {
      const [alice] = team.members;
      const channelId = await createChannel(alice!, team.workspaceId, `race-${randomUUID().slice(0, 8)}`);
      const secrets: string[] = [];
      const messages = [];
      for (let i = 0; i < 15; i++) {
        secrets.push(marker('race'), marker('raceedit'));
        messages.push(await send(alice!, channelId, secrets.at(-2)!));
      }
      const outcomes = await Promise.all(messages.map((m, i) => Promise.all([
        edit(alice!, m.id, secrets[2 * i + 1]!),
        alice!.client.delete(`/api/v1/messages/${m.id}`),
      ])));
      assert.ok(outcomes.every(([, d]) => d.status === 204));
      const raw = await alice!.client.get(`/api/v1/channels/${channelId}/events?after=0`);
      assertNoTrace(raw.text, secrets, 'the change feed');
      assertGapFree(raw.body.events as StoredChannelEvent[]);
    });

    it('a WebSocket resume and an SSE resume from before the message replay its events, numbered, without its content', async () => {
      const [alice, bob] = team.members;
      const channelId = await createChannel(alice!, team.workspaceId, `resume-${randomUUID().slice(0, 8)}`);
      await joinChannel(bob!, channelId);
      const start = (await allEvents(bob!, channelId)).at(-1)!.seq;
      const doomed = await sendEditReact(alice!, bob!, channelId);
      assert.equal((await alice!.client.delete(`/api/v1/messages/${doomed.message.id}`)).status, 204);
      const head = (await allEvents(bob!, channelId)).at(-1)!.seq;

      const socket = await TestSocket.connect(bob!.client);
      await socket.resume({ [channelId]: start });
      const stream = await TestStream.live(bob!.client, { [channelId]: start });
      try {
        for (const [name, client] of [['WebSocket', socket], ['SSE', stream]] as const) {
          const replayed = client.events(channelId);
          assert.deepEqual(replayed.map((f) => f.seq), Array.from({ length: head - start }, (_, i) => start + 1 + i), `${name}: every seq once`);
          // The frames as JSON: parsing keeps every character of every string, so this is the text the server sent.
          assertNoTrace(JSON.stringify(client.frames), doomed.secrets, `the ${name} replay`);
          assertScrubbed(replayed.map((f) => ({ channelId: f.channelId, seq: f.seq, actorId: f.actorId, at: f.at, event: f.event })), doomed);
        }
      } finally {
        await socket.close();
        await stream.close();
      }
    });
  });
}

describe('a deleted message leaves no content in the SQLite file', () => {
  it('after edit, search, reaction and delete, neither body is anywhere in the database file once the server has stopped', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-scrub-'));
    const file = path.join(dir, 'chat.sqlite');
    const fileBytes = () => Buffer.concat([file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
    const server = await startTestServer({ databaseUrl: `sqlite://${file}` });
    let stopped = false;
    try {
      const team = await setUpTeam(server, 1);
      const [alice] = team.members;
      const [original, edited] = [marker('disk'), marker('diskedit')];
      // Long enough to need an overflow page of its own, which is freed (and must be zeroed) on delete.
      const message = await send(alice!, team.channelId, `${original} ${'padding '.repeat(800)}`);
      assert.equal((await edit(alice!, message.id, `${edited} ${'more padding '.repeat(500)}`)).status, 200);
      const hits = await alice!.client.get(`/api/v1/workspaces/${team.workspaceId}/search?q=${edited}`);
      assert.equal(hits.body.hits.length, 1, 'indexed, so the search index holds its words');
      assert.equal((await react(team.owner, message.id, '👍')).status, 204);
      for (const secret of [original, edited]) assert.ok(fileBytes().includes(secret), `${secret} is on disk before the delete`);

      assert.equal((await alice!.client.delete(`/api/v1/messages/${message.id}`)).status, 204);
      await server.close(); // the last connection checkpoints the WAL into the file and removes it
      stopped = true;
      const bytes = fileBytes();
      assert.ok(bytes.length > 0);
      for (const secret of [original, edited]) assert.ok(!bytes.includes(secret), `${secret} is still in the database file`);
    } finally {
      if (!stopped) await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
