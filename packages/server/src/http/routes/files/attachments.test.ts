import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { FileInfo, Message } from '@relaydesk/protocol';
import { FileLimits } from '@relaydesk/protocol';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import * as sample from '../../../testing/fileSamples.js';
import { allEvents, assertError, createChannel, eventPage, getMessage, history, send, setUpTeam, type Person, type Team } from '../messages/fixtures.js';
import { blobPathsOf, download, uploaded } from './fixtures.js';

const sendWith = (person: Person, channelId: string, attachmentIds: string[], body = '', extra: Record<string, unknown> = {}) =>
  person.client.post<Message>(`/api/v1/channels/${channelId}/messages`, { body, attachmentIds, ...extra });

for (const database of DATABASES) {
  describe(`Messages with attachments (${database})`, () => {
    let server: TestServer;
    let team: Team;
    let alice: Person;
    let bob: Person;
    let otherChannelId: string;

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 2);
      [alice, bob] = team.members as [Person, Person];
      otherChannelId = await createChannel(team.owner, team.workspaceId, 'random');
      for (const p of [alice, bob]) assert.equal((await p.client.post(`/api/v1/channels/${otherChannelId}/join`)).status, 200);
    });
    after(() => server.close());

    /** The channel's last sequence number: a refused send must not move it. */
    const lastSeq = async (channelId = team.channelId) => (await eventPage(team.owner, channelId, 0, 1)).lastSeq;

    it('a message carries its attachments: in the reply, GET, history and the message.created event', async () => {
      const image = await uploaded(alice, team.channelId, 'pic.png', await sample.png());
      const doc = await uploaded(alice, team.channelId, 'doc.pdf', sample.pdf());
      const before = await lastSeq();
      const res = await sendWith(alice, team.channelId, [image.id, doc.id], 'two files');
      assert.equal(res.status, 201, res.text);
      const message = res.body;
      assert.equal(message.attachmentCount, 2);
      assert.deepEqual(
        message.attachments.map((a) => a.id).sort(),
        [image.id, doc.id].sort(),
      );
      for (const a of message.attachments) {
        const uploadedAs = a.id === image.id ? image : doc;
        assert.deepEqual(a, { ...uploadedAs, messageId: message.id });
      }
      assert.deepEqual(await getMessage(bob, message.id), message);
      assert.deepEqual((await history(bob, team.channelId)).messages.find((m) => m.id === message.id), message);
      const created = (await allEvents(bob, team.channelId, before)).filter((e) => e.event.type === 'message.created');
      assert.equal(created.length, 1);
      assert.deepEqual((created[0]!.event as { message: Message }).message, message);
      // Now attached, bob can read them.
      assert.equal((await download(bob, image.id)).status, 200);
      assert.equal((await download(bob, image.id, 'thumbnail')).status, 200);
    });

    it('allows an empty body only with attachments', async () => {
      const voice = await uploaded(alice, team.channelId, 'voice.webm', sample.webm(), { type: 'audio/webm', durationMs: 2000 });
      const res = await sendWith(alice, team.channelId, [voice.id], '   ');
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.body, '');
      assert.equal(res.body.attachments[0]!.durationMs, 2000);
      assertError(await sendWith(alice, team.channelId, [], ''), 400, 'VALIDATION_FAILED', 'body');
    });

    it("refuses someone else's upload, another channel's, an attached one, or an unknown id: 400, no message", async () => {
      const bobs = await uploaded(bob, team.channelId, 'bob.txt', sample.text());
      const elsewhere = await uploaded(alice, otherChannelId, 'elsewhere.txt', sample.text());
      const attached = await uploaded(alice, team.channelId, 'once.txt', sample.text());
      assert.equal((await sendWith(alice, team.channelId, [attached.id], 'first')).status, 201);
      const mine = await uploaded(alice, team.channelId, 'mine.txt', sample.text());

      const seq = await lastSeq();
      const historyBefore = await history(team.owner, team.channelId, 'limit=100');
      for (const ids of [[bobs.id], [elsewhere.id], [attached.id], ['00000000-0000-4000-8000-000000000000'], [mine.id, bobs.id], [bobs.id, mine.id]]) {
        assertError(await sendWith(alice, team.channelId, ids, 'sneaky'), 400, 'VALIDATION_FAILED', 'attachmentIds');
      }
      assert.equal(await lastSeq(), seq, 'no change was numbered');
      assert.deepEqual(await history(team.owner, team.channelId, 'limit=100'), historyBefore, 'no message was created');
      // The refused sends attached nothing: mine is still free, bob's is still bob's alone.
      assert.equal((await alice.client.get<FileInfo>(`/api/v1/files/${mine.id}`)).body.messageId, null);
      assert.equal((await download(alice, bobs.id)).status, 404);
      const ok = await sendWith(alice, team.channelId, [mine.id], 'now fine');
      assert.equal(ok.status, 201, ok.text);
      // Nor can the same upload go into a thread reply after it was attached.
      const root = await send(bob, team.channelId, 'thread root');
      assertError(await sendWith(alice, team.channelId, [mine.id], 'again', { threadRootId: root.id }), 400, 'VALIDATION_FAILED', 'attachmentIds');
    });

    it('a thread reply carries attachments too', async () => {
      const root = await send(bob, team.channelId, 'send me the file');
      const file = await uploaded(alice, team.channelId, 'answer.pdf', sample.pdf());
      const reply = await sendWith(alice, team.channelId, [file.id], 'here', { threadRootId: root.id });
      assert.equal(reply.status, 201, reply.text);
      assert.deepEqual(reply.body.attachments.map((a) => a.id), [file.id]);
      const replies = await bob.client.get(`/api/v1/messages/${root.id}/replies`);
      assert.equal(replies.status, 200, replies.text);
      assert.deepEqual(replies.body.replies.find((m: Message) => m.id === reply.body.id)?.attachments, reply.body.attachments);
    });

    it('two sends racing for the same upload: exactly one message gets it, the other is refused', async () => {
      for (let round = 0; round < 3; round++) {
        const file = await uploaded(alice, team.channelId, `race${round}.txt`, sample.text());
        const seq = await lastSeq();
        const results = await Promise.all([sendWith(alice, team.channelId, [file.id], 'a'), sendWith(alice, team.channelId, [file.id], 'b')]);
        assert.deepEqual(results.map((r) => r.status).sort(), [201, 400], results.map((r) => r.text).join(' | '));
        const winner = results.find((r) => r.status === 201)!.body;
        assert.equal((await alice.client.get<FileInfo>(`/api/v1/files/${file.id}`)).body.messageId, winner.id);
        assert.equal(await lastSeq(), seq + 1, 'only the winning send was numbered');
      }
    });

    it('refuses more than the per-message maximum and duplicate ids', async () => {
      const files = await Promise.all(Array.from({ length: FileLimits.perMessageMax + 1 }, (_, i) => uploaded(alice, team.channelId, `f${i}.txt`, sample.text(`${i}\n`))));
      assertError(await sendWith(alice, team.channelId, files.map((f) => f.id)), 400, 'VALIDATION_FAILED');
      assertError(await sendWith(alice, team.channelId, [files[0]!.id, files[0]!.id]), 400, 'VALIDATION_FAILED');
      const res = await sendWith(alice, team.channelId, files.slice(0, FileLimits.perMessageMax).map((f) => f.id));
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.attachments.length, FileLimits.perMessageMax);
    });

    it('a retried send (same clientMessageId) returns the original message with its attachments', async () => {
      const file = await uploaded(alice, team.channelId, 'retry.png', await sample.png());
      const first = await sendWith(alice, team.channelId, [file.id], 'retry me', { clientMessageId: 'c-attach-1' });
      assert.equal(first.status, 201, first.text);
      const again = await sendWith(alice, team.channelId, [file.id], 'retry me', { clientMessageId: 'c-attach-1' });
      assert.ok(again.status === 200 || again.status === 201, again.text);
      assert.equal(again.body.id, first.body.id);
      assert.deepEqual(again.body.attachments, first.body.attachments);
    });

    it('deleting the message deletes its files: 404 at once, blobs gone from disk, none in history', async () => {
      const image = await uploaded(alice, team.channelId, 'gone.jpg', await sample.jpeg());
      const doc = await uploaded(alice, team.channelId, 'gone.pdf', sample.pdf());
      const message = (await sendWith(alice, team.channelId, [image.id, doc.id], 'soon gone')).body;
      const blobs = [...(await blobPathsOf(server, image.id)), ...(await blobPathsOf(server, doc.id))];
      assert.equal(blobs.length, 4, 'image (original, thumbnail, preview) and pdf');
      for (const p of blobs) assert.ok(fs.existsSync(p));
      assert.equal((await download(bob, image.id)).status, 200);

      assert.equal((await alice.client.delete(`/api/v1/messages/${message.id}`)).status, 204);
      for (const person of [alice, bob]) {
        for (const id of [image.id, doc.id]) {
          assert.equal((await person.client.get(`/api/v1/files/${id}`)).status, 404);
          for (const v of ['content', 'thumbnail', 'preview'] as const) assert.equal((await download(person, id, v)).status, 404, v);
        }
      }
      for (const p of blobs) assert.ok(!fs.existsSync(p), `${p} is deleted`);
      const tombstone = await getMessage(bob, message.id);
      assert.equal(tombstone.deleted, true);
      assert.deepEqual(tombstone.attachments, []);
      // A deleted file cannot be attached again.
      assertError(await sendWith(alice, team.channelId, [image.id], 'resurrect'), 400, 'VALIDATION_FAILED', 'attachmentIds');
    });

    it('a moderator deleting someone else’s message deletes the files too', async () => {
      const file = await uploaded(bob, team.channelId, 'bad.png', await sample.png());
      const message = (await sendWith(bob, team.channelId, [file.id])).body;
      const blobs = await blobPathsOf(server, file.id);
      assert.equal((await team.owner.client.delete(`/api/v1/messages/${message.id}`)).status, 204);
      assert.equal((await download(bob, file.id)).status, 404);
      for (const p of blobs) assert.ok(!fs.existsSync(p));
    });
  });
}
