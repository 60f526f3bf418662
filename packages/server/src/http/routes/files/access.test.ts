import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FileInfo, Message } from '@relaydesk/protocol';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestClient } from '../../../testing/httpClient.js';
import * as sample from '../../../testing/fileSamples.js';
import { assertError, createChannel, createWorkspace, newWorkspaceMember, setUpTeam, signUp, type Person, type Team } from '../messages/fixtures.js';
import { assertNoTemporaryFiles, download, filesUnder, upload, uploaded, uploadsDir } from './fixtures.js';

const variants = ['content', 'thumbnail', 'preview'] as const;

async function sendWith(person: Person, channelId: string, attachmentIds: string[], body = ''): Promise<Message> {
  const res = await person.client.post<Message>(`/api/v1/channels/${channelId}/messages`, { body, attachmentIds });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

/** The file's info and every variant answer 200 to this person. */
async function assertReadable(person: Person, file: FileInfo): Promise<void> {
  const info = await person.client.get(`/api/v1/files/${file.id}`);
  assert.equal(info.status, 200, info.text);
  assert.deepEqual(info.body, { ...file, messageId: info.body.messageId });
  for (const v of variants) assert.equal((await download(person, file.id, v)).status, 200, v);
}

/** The file's info and every variant answer the same 404 as a file that does not exist. */
async function assertHidden(person: Person, file: FileInfo): Promise<void> {
  const unknown = await person.client.get('/api/v1/files/00000000-0000-4000-8000-000000000000');
  assertError(unknown, 404, 'NOT_FOUND');
  const info = await person.client.get(`/api/v1/files/${file.id}`);
  assertError(info, 404, 'NOT_FOUND');
  assert.equal(info.body.error.message, unknown.body.error.message, 'indistinguishable from an unknown id');
  for (const v of variants) {
    const res = await download(person, file.id, v);
    assert.equal(res.status, 404, v);
    assert.equal(JSON.parse(res.bytes.toString()).error.code, 'NOT_FOUND');
    assert.ok(!res.bytes.includes(Buffer.from('PNG')), 'no image bytes leak');
  }
}

for (const database of DATABASES) {
  describe(`File access: readable exactly when the channel is (${database})`, () => {
    let server: TestServer;
    let team: Team;
    let alice: Person;
    let bob: Person;
    let secretId: string;

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 2);
      [alice, bob] = team.members as [Person, Person];
      secretId = await createChannel(team.owner, team.workspaceId, 'secret', { kind: 'private', memberIds: [alice.user.id] });
    });
    after(() => server.close());

    it('a workspace member who is not in the private channel gets 404 for its files', async () => {
      const file = await uploaded(alice, secretId, 'plans.png', await sample.png());
      await sendWith(alice, secretId, [file.id], 'the plans');
      await assertReadable(alice, file);
      await assertReadable(team.owner, file);
      await assertHidden(bob, file);
      // Nor can bob upload into it: the channel does not exist for him.
      assertError(await upload(bob, secretId, 'x.txt', sample.text()), 404, 'NOT_FOUND');
    });

    it('a member who leaves the private channel loses access at once', async () => {
      const carol = await newWorkspaceMember(server, team);
      const res = await team.owner.client.post(`/api/v1/channels/${secretId}/members`, { userId: carol.user.id });
      assert.ok(res.status === 200 || res.status === 201 || res.status === 204, res.text);
      const file = await uploaded(alice, secretId, 'memo.pdf', sample.pdf());
      await sendWith(alice, secretId, [file.id]);
      assert.equal((await download(carol, file.id)).status, 200);
      assert.equal((await carol.client.post(`/api/v1/channels/${secretId}/leave`)).status, 204);
      assert.equal((await download(carol, file.id)).status, 404);
      assert.equal((await carol.client.get(`/api/v1/files/${file.id}`)).status, 404);
    });

    it('a user of another workspace gets 404, and cannot upload into or attach across workspaces', async () => {
      const mallory = await signUp(server);
      const { workspaceId } = await createWorkspace(mallory, 'Other tenant');
      const theirChannel = await createChannel(mallory, workspaceId, 'theirs');
      const file = await uploaded(alice, team.channelId, 'public.png', await sample.png());
      await sendWith(alice, team.channelId, [file.id]);
      await assertReadable(bob, file);
      await assertHidden(mallory, file);
      assertError(await upload(mallory, team.channelId, 'x.txt', sample.text()), 404, 'NOT_FOUND');
      // Mallory's own upload cannot be attached to a message in our workspace, nor ours in hers.
      const theirs = await uploaded(mallory, theirChannel, 'theirs.txt', sample.text());
      assertError(await mallory.client.post(`/api/v1/channels/${theirChannel}/messages`, { body: 'x', attachmentIds: [file.id] }), 400, 'VALIDATION_FAILED', 'attachmentIds');
      assertError(await alice.client.post(`/api/v1/channels/${team.channelId}/messages`, { body: 'x', attachmentIds: [theirs.id] }), 400, 'VALIDATION_FAILED', 'attachmentIds');
      await assertHidden(alice, theirs);
    });

    it('a public channel file is readable by a workspace member who has not joined (the channel is readable)', async () => {
      const lurker = await newWorkspaceMember(server, team);
      const file = await uploaded(alice, team.channelId, 'open.png', await sample.png());
      await sendWith(alice, team.channelId, [file.id]);
      await assertReadable(lurker, file);
      // …but cannot upload there before joining.
      assertError(await upload(lurker, team.channelId, 'x.txt', sample.text()), 403, 'NOT_A_MEMBER');
    });

    it('an unattached upload is visible only to its uploader, until a message carries it', async () => {
      const file = await uploaded(alice, team.channelId, 'draft.png', await sample.png());
      await assertReadable(alice, file);
      await assertHidden(bob, file);
      await assertHidden(team.owner, file);
      const message = await sendWith(alice, team.channelId, [file.id]);
      const now = await bob.client.get<FileInfo>(`/api/v1/files/${file.id}`);
      assert.equal(now.status, 200);
      assert.equal(now.body.messageId, message.id);
      await assertReadable(bob, file);
    });

    it('answers 401 to a signed-out client, for downloads and uploads, and after logout', async () => {
      const file = await uploaded(alice, team.channelId, 'x.png', await sample.png());
      await sendWith(alice, team.channelId, [file.id]);
      const anon = new TestClient(server.url);
      assertError(await anon.get(`/api/v1/files/${file.id}`), 401, 'UNAUTHENTICATED');
      for (const v of variants) assert.equal((await anon.download(`/api/v1/files/${file.id}/${v}`)).status, 401, v);
      const blobsBefore = filesUnder(uploadsDir(server));
      const res = await upload({ client: anon, user: alice.user }, team.channelId, 'anon.txt', sample.text());
      assertError(res, 401, 'UNAUTHENTICATED');
      assert.deepEqual(filesUnder(uploadsDir(server)), blobsBefore);

      const leaver = await signUp(server);
      const { workspaceId } = await createWorkspace(leaver, 'Leaver');
      const channelId = await createChannel(leaver, workspaceId, 'mine');
      const own = await uploaded(leaver, channelId, 'mine.txt', sample.text());
      assert.equal((await leaver.client.post('/api/v1/auth/logout')).status, 204);
      assert.equal((await download(leaver, own.id)).status, 401);
      assertNoTemporaryFiles(server);
    });

    it('refuses uploads to channels one cannot post in, before reading the file, keeping nothing', async () => {
      const stranger = await signUp(server);
      const blobsBefore = filesUnder(uploadsDir(server));
      const big = Buffer.alloc(2 * 1024 * 1024, 0x61);
      assertError(await upload(stranger, team.channelId, 'a.txt', big), 404, 'NOT_FOUND');
      assertError(await upload(alice, 'no-such-channel', 'a.txt', sample.text()), 404, 'NOT_FOUND');
      assert.deepEqual(filesUnder(uploadsDir(server)), blobsBefore);
      assertNoTemporaryFiles(server);
    });

    it('an archived channel takes no uploads (403 CHANNEL_ARCHIVED) but its files stay readable', async () => {
      const channelId = await createChannel(alice, team.workspaceId, 'to-archive');
      assert.equal((await bob.client.post(`/api/v1/channels/${channelId}/join`)).status, 200);
      const file = await uploaded(alice, channelId, 'kept.png', await sample.png());
      await sendWith(alice, channelId, [file.id]);
      const res = await alice.client.post(`/api/v1/channels/${channelId}/archive`);
      assert.equal(res.status, 200, res.text);
      assertError(await upload(alice, channelId, 'late.txt', sample.text()), 403, 'CHANNEL_ARCHIVED');
      await assertReadable(bob, file);
    });

    it('answers 404 for an unknown file id and 400 for a malformed one', async () => {
      assertError(await alice.client.get('/api/v1/files/does-not-exist'), 404, 'NOT_FOUND');
      assert.equal((await download(alice, 'does-not-exist')).status, 404);
      assertError(await alice.client.get(`/api/v1/files/${'x'.repeat(65)}`), 400, 'VALIDATION_FAILED');
    });
  });
}
