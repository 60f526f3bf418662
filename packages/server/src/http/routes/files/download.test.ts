import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FileInfo } from '@relaydesk/protocol';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import * as sample from '../../../testing/fileSamples.js';
import { setUpTeam, type Person, type Team } from '../messages/fixtures.js';
import { download, uploaded } from './fixtures.js';

for (const database of DATABASES) {
  describe(`GET /api/v1/files/:id/content — ranges and headers (${database})`, () => {
    let server: TestServer;
    let team: Team;
    let alice: Person;
    let bob: Person;
    /** A voice message of known bytes, attached so bob reads it too. */
    let voice: FileInfo;
    let voiceBytes: Buffer;

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 2);
      [alice, bob] = team.members as [Person, Person];
      voiceBytes = sample.wav(Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) % 251)));
      voice = await uploaded(alice, team.channelId, 'voice.wav', voiceBytes, { type: 'audio/wav', durationMs: 312 });
      const sent = await alice.client.post(`/api/v1/channels/${team.channelId}/messages`, { body: '', attachmentIds: [voice.id] });
      assert.equal(sent.status, 201, sent.text);
    });
    after(() => server.close());

    const get = (range?: string) => download(bob, voice.id, 'content', range === undefined ? {} : { range });

    it('serves the whole file without a Range header: 200, its length, Accept-Ranges', async () => {
      const res = await get();
      assert.equal(res.status, 200);
      assert.ok(res.bytes.equals(voiceBytes));
      assert.equal(res.headers.get('content-length'), String(voiceBytes.length));
      assert.equal(res.headers.get('accept-ranges'), 'bytes');
      assert.equal(res.headers.get('content-range'), null);
    });

    it('bytes=0-9 → 206 with Content-Range and exactly those bytes', async () => {
      const res = await get('bytes=0-9');
      assert.equal(res.status, 206);
      assert.equal(res.headers.get('content-range'), `bytes 0-9/${voiceBytes.length}`);
      assert.equal(res.headers.get('content-length'), '10');
      assert.ok(res.bytes.equals(voiceBytes.subarray(0, 10)));
      assert.equal(res.headers.get('content-type'), 'audio/wav');
    });

    it('open-ended, middle, suffix and over-long ranges', async () => {
      const size = voiceBytes.length;
      const cases: Array<[string, number, number]> = [
        ['bytes=100-', 100, size - 1],
        ['bytes=1000-1999', 1000, 1999],
        ['bytes=-16', size - 16, size - 1],
        [`bytes=-${size + 500}`, 0, size - 1],
        [`bytes=${size - 3}-${size + 1000}`, size - 3, size - 1],
        [`bytes=${size - 1}-${size - 1}`, size - 1, size - 1],
      ];
      for (const [range, start, end] of cases) {
        const res = await get(range);
        assert.equal(res.status, 206, range);
        assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${size}`, range);
        assert.equal(res.headers.get('content-length'), String(end - start + 1), range);
        assert.ok(res.bytes.equals(voiceBytes.subarray(start, end + 1)), range);
      }
    });

    it('an unsatisfiable range → 416 RANGE_NOT_SATISFIABLE with Content-Range bytes */size', async () => {
      for (const range of [`bytes=${voiceBytes.length}-`, `bytes=${voiceBytes.length + 10}-${voiceBytes.length + 20}`, 'bytes=-0', 'bytes=50-10', 'bytes=abc', 'bytes=-']) {
        const res = await get(range);
        assert.equal(res.status, 416, range);
        assert.equal(res.headers.get('content-range'), `bytes */${voiceBytes.length}`, range);
        const body = JSON.parse(res.bytes.toString());
        assert.equal(body.error.code, 'RANGE_NOT_SATISFIABLE', range);
        assert.ok(body.error.requestId);
        assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      }
    });

    it('ignores a Range it does not implement (another unit, several ranges) and sends the whole file', async () => {
      for (const range of ['items=0-9', 'bytes=0-9,20-29']) {
        const res = await get(range);
        assert.equal(res.status, 200, range);
        assert.ok(res.bytes.equals(voiceBytes), range);
      }
    });

    it('ranges work on thumbnails too (the WebP variant)', async () => {
      const image = await uploaded(alice, team.channelId, 'p.png', await sample.png(400, 300));
      const full = await download(alice, image.id, 'thumbnail');
      const part = await download(alice, image.id, 'thumbnail', { range: 'bytes=0-11' });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get('content-range'), `bytes 0-11/${full.bytes.length}`);
      assert.ok(part.bytes.equals(full.bytes.subarray(0, 12)));
      assert.equal(part.bytes.subarray(8, 12).toString('latin1'), 'WEBP');
    });

    it('every download is nosniff, sandboxed by CSP and privately cached', async () => {
      const pdf = await uploaded(alice, team.channelId, 'r.pdf', sample.pdf());
      for (const [id, variant] of [[voice.id, 'content'], [pdf.id, 'content']] as const) {
        const res = await download(alice, id, variant);
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
        const csp = res.headers.get('content-security-policy') ?? '';
        assert.match(csp, /default-src 'none'/);
        assert.match(csp, /\bsandbox\b/);
        const cache = res.headers.get('cache-control') ?? '';
        assert.match(cache, /\bprivate\b/);
        assert.doesNotMatch(cache, /\bpublic\b/);
        assert.doesNotMatch(cache, /s-maxage/);
        assert.match(res.headers.get('vary') ?? '', /Cookie/i);
      }
    });

    it('browsers revalidate every use: 304 while the file lives, 404 the moment its message is deleted', async () => {
      const pdf = await uploaded(alice, team.channelId, 'kept.pdf', sample.pdf());
      const first = await download(alice, pdf.id);
      assert.match(first.headers.get('cache-control') ?? '', /\bno-cache\b/);
      const etag = first.headers.get('etag') ?? '';
      assert.ok(etag, 'an ETag to revalidate with');
      const sent = await alice.client.post(`/api/v1/channels/${team.channelId}/messages`, { body: '', attachmentIds: [pdf.id] });
      assert.equal(sent.status, 201, sent.text);
      assert.equal((await download(alice, pdf.id, 'content', { 'if-none-match': etag })).status, 304);
      assert.equal((await alice.client.delete(`/api/v1/messages/${sent.body.id}`)).status, 204);
      assert.equal((await download(alice, pdf.id, 'content', { 'if-none-match': etag })).status, 404);
    });

    it('Content-Disposition: inline for images, audio and video; attachment for everything else', async () => {
      const cases: Array<[string, Buffer, 'inline' | 'attachment', string]> = [
        ['pic.png', await sample.png(), 'inline', 'image/png'],
        ['pic.jpg', await sample.jpeg(), 'inline', 'image/jpeg'],
        ['pic.gif', await sample.gif(), 'inline', 'image/gif'],
        ['pic.webp', await sample.webp(), 'inline', 'image/webp'],
        ['voice.mp3', sample.mp3(), 'inline', 'audio/mpeg'],
        ['voice.ogg', sample.oggVorbis(), 'inline', 'audio/ogg'],
        ['clip.mp4', sample.mp4(), 'inline', 'video/mp4'],
        ['report.pdf', sample.pdf(), 'attachment', 'application/pdf'],
        ['bundle.zip', sample.plainZip(), 'attachment', 'application/zip'],
        ['notes.txt', sample.text(), 'attachment', 'text/plain; charset=utf-8'],
        ['data.csv', sample.csv(), 'attachment', 'text/csv; charset=utf-8'],
        ['letter.docx', sample.docx(), 'attachment', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
      ];
      for (const [name, bytes, disposition, type] of cases) {
        const file = await uploaded(alice, team.channelId, name, bytes);
        const res = await download(alice, file.id);
        assert.equal(res.status, 200, name);
        assert.equal(res.headers.get('content-type'), type, name);
        const cd = res.headers.get('content-disposition') ?? '';
        assert.ok(cd.startsWith(`${disposition}; filename="${name}"`), `${name}: ${cd}`);
        if (file.thumbnailUrl) {
          const thumb = await download(alice, file.id, 'thumbnail');
          assert.ok(thumb.headers.get('content-disposition')?.startsWith('inline; filename="thumbnail.webp"'), name);
        }
      }
    });

    it('HEAD answers the headers without the bytes', async () => {
      const res = await fetch(`${server.url}/api/v1/files/${voice.id}/content`, { method: 'HEAD', headers: { cookie: [...bob.client.jar].map(([n, c]) => `${n}=${c.value}`).join('; ') } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), String(voiceBytes.length));
      assert.equal((await res.arrayBuffer()).byteLength, 0);
    });

    it('stores and reports the voice message duration', async () => {
      const info = await bob.client.get<FileInfo>(`/api/v1/files/${voice.id}`);
      assert.equal(info.body.durationMs, 312);
      assert.equal(info.body.kind, 'audio');
    });
  });
}
