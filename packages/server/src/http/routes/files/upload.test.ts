import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FileInfo } from '@relaydesk/protocol';
import { DATABASES, type TestServer } from '../../../testing/testServer.js';
import * as sample from '../../../testing/fileSamples.js';
import { assertError, type Person, type Team } from '../messages/fixtures.js';
import { assertNoTemporaryFiles, blobPathsOf, filesUnder, rawMultipart, upload, uploaded, uploadsDir, startUploaderTeam } from './fixtures.js';

for (const database of DATABASES) {
  describe(`POST /api/v1/channels/:id/files — the upload request (${database})`, () => {
    let server: TestServer;
    let team: Team;
    let alice: Person;

    before(async () => ({ server, team, alice } = await startUploaderTeam({ database })));
    after(() => server.close());

    it('answers 201 with the file view, the same as GET /api/v1/files/:id, and stores the blob', async () => {
      const started = Date.now();
      const res = await upload(alice, team.channelId, 'report.pdf', sample.pdf(), { type: 'application/pdf' });
      assert.equal(res.status, 201, res.text);
      const file = res.body;
      assert.match(file.id, /^[0-9a-f-]{36}$/);
      assert.equal(file.channelId, team.channelId);
      assert.equal(file.uploaderId, alice.user.id);
      assert.equal(file.messageId, null);
      assert.equal(file.name, 'report.pdf');
      assert.equal(file.mime, 'application/pdf');
      assert.equal(file.kind, 'file');
      assert.equal(file.size, sample.pdf().length);
      assert.equal(file.durationMs, null);
      assert.equal(file.url, `/api/v1/files/${file.id}/content`);
      assert.ok(Date.parse(file.createdAt) >= started - 1000);
      const fetched = await alice.client.get<FileInfo>(`/api/v1/files/${file.id}`);
      assert.equal(fetched.status, 200);
      assert.deepEqual(fetched.body, file);
      const [blob] = await blobPathsOf(server, file.id);
      assert.ok(blob);
      assertNoTemporaryFiles(server);
    });

    it('stores a voice message duration from ?durationMs= or a form field before the file', async () => {
      const a = await uploaded(alice, team.channelId, 'voice.webm', sample.webm(), { type: 'audio/webm;codecs=opus', durationMs: 4200 });
      assert.deepEqual([a.mime, a.kind, a.durationMs], ['audio/webm', 'audio', 4200]);
      const b = await uploaded(alice, team.channelId, 'voice.ogg', sample.oggVorbis(), { durationField: '1500' });
      assert.deepEqual([b.kind, b.durationMs], ['audio', 1500]);
      const v = await uploaded(alice, team.channelId, 'clip.webm', sample.webm(), { type: 'video/webm', durationMs: 9000 });
      assert.deepEqual([v.mime, v.kind, v.durationMs], ['video/webm', 'video', 9000]);
    });

    it('keeps no duration for a file that is not media, nor an implausible one', async () => {
      assert.equal((await uploaded(alice, team.channelId, 'a.txt', sample.text(), { durationMs: 1000 })).durationMs, null);
      assert.equal((await uploaded(alice, team.channelId, 'a.mp3', sample.mp3(), { durationMs: 25 * 3600 * 1000 })).durationMs, null);
      assert.equal((await uploaded(alice, team.channelId, 'a.mp3', sample.mp3(), { durationField: 'soon' })).durationMs, null);
      assertError(await upload(alice, team.channelId, 'a.mp3', sample.mp3(), { durationMs: -1 }), 400, 'VALIDATION_FAILED');
      assertError(await upload(alice, team.channelId, 'a.mp3', sample.mp3(), { durationMs: 'long' }), 400, 'VALIDATION_FAILED');
    });

    it('wants multipart with a part named "file": 400 without one, 415 for a JSON body', async () => {
      assertError(await upload(alice, team.channelId, 'a.txt', sample.text(), { field: 'upload' }), 400, 'VALIDATION_FAILED', 'file');
      const form = new FormData();
      form.append('note', 'no file here');
      assertError(await alice.client.request('POST', `/api/v1/channels/${team.channelId}/files`, { form }), 400, 'VALIDATION_FAILED', 'file');
      assertError(await alice.client.post(`/api/v1/channels/${team.channelId}/files`, { file: 'aGVsbG8=' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      assertNoTemporaryFiles(server);
    });

    it('takes the first file part; extra parts after it are read and ignored', async () => {
      const form = new FormData();
      form.append('file', new Blob([sample.text('first\n')]), 'first.txt');
      form.append('file', new Blob([sample.text('second\n')]), 'second.txt');
      form.append('extra', 'x'.repeat(5000));
      const res = await alice.client.request<FileInfo>('POST', `/api/v1/channels/${team.channelId}/files`, { form });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.name, 'first.txt');
      assert.equal((await alice.client.download(res.body.url)).bytes.toString(), 'first\n');
      assertNoTemporaryFiles(server);
    });

    it('answers 400 BAD_REQUEST to malformed multipart (no boundary, no parts, cut off mid-file), keeping nothing', async () => {
      const url = `/api/v1/channels/${team.channelId}/files`;
      const post = (raw: Buffer, contentType: string) => alice.client.request('POST', url, { raw, headers: { 'content-type': contentType } });
      const { body, contentType } = rawMultipart('cut.txt', sample.text('x'.repeat(10_000)));
      const blobsBefore = filesUnder(uploadsDir(server));
      assertError(await post(Buffer.from('hello'), 'multipart/form-data'), 400, 'BAD_REQUEST');
      assertError(await post(Buffer.from('no parts in here at all'), 'multipart/form-data; boundary=xyz'), 400, 'BAD_REQUEST');
      // The body ends inside the file part: the parser has given up before the handler reads it.
      assertError(await post(body.subarray(0, 5000), contentType), 400, 'BAD_REQUEST');
      assertError(await post(body.subarray(0, body.length - 10), contentType), 400, 'BAD_REQUEST');
      assert.deepEqual(filesUnder(uploadsDir(server)), blobsBefore);
      assertNoTemporaryFiles(server);
      // The whole body is fine.
      assert.equal((await post(body, contentType)).status, 201);
    });

    it('other routes still refuse multipart bodies', async () => {
      const form = new FormData();
      form.append('body', 'hello');
      const res = await alice.client.request('POST', `/api/v1/channels/${team.channelId}/messages`, { form });
      assert.equal(res.status, 415, res.text);
    });

    it('several uploads in parallel each get their own id and blob', async () => {
      const files = await Promise.all(Array.from({ length: 6 }, (_, i) => uploaded(alice, team.channelId, `n${i}.txt`, sample.text(`file number ${i}\n`))));
      assert.equal(new Set(files.map((f) => f.id)).size, 6);
      for (const [i, f] of files.entries()) {
        const res = await alice.client.download(f.url);
        assert.equal(res.bytes.toString(), `file number ${i}\n`);
      }
      assertNoTemporaryFiles(server);
    });
  });
}
