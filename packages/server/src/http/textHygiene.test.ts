import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASES, type TestServer } from '../testing/testServer.js';
import { TestClient, newUserInput } from '../testing/httpClient.js';
import { TestSocket } from '../realtime/testSocket.js';
import * as sample from '../testing/fileSamples.js';
import { assertError, getMessage, postMessage, type Person, type Team } from './routes/messages/fixtures.js';
import { startUploaderTeam, uploadRaw, rawMultipart } from './routes/files/fixtures.js';

// docs/text.md: what every text field accepts and what it becomes. Each refusal is a 400 that
// names the field, and a refused request changes nothing.

const json = { 'content-type': 'application/json' };

for (const database of DATABASES) {
  describe(`Text hygiene: strict decoding and the rules of every text field (${database})`, () => {
    let server: TestServer;
    let team: Team;
    let alice: Person;

    before(async () => {
      ({ server, team, alice } = await startUploaderTeam({ database }));
    });
    after(() => server.close());

    const workspaceNames = async () => (await alice.client.get('/api/v1/workspaces')).body.workspaces.map((w: { name: string }) => w.name).sort();
    const rawPost = (path: string, raw: string | Buffer, headers: Record<string, string> = json) => alice.client.request('POST', path, { raw, headers });

    it('refuses a body that is not UTF-8 instead of storing U+FFFD', async () => {
      const before = await workspaceNames();
      const bytes = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
      assertError(await rawPost('/api/v1/workspaces', bytes), 400, 'BAD_REQUEST');
      // An overlong encoding and an encoded surrogate are not UTF-8 either.
      assertError(await rawPost('/api/v1/workspaces', Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')])), 400, 'BAD_REQUEST');
      assertError(await rawPost('/api/v1/workspaces', Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')])), 400, 'BAD_REQUEST');
      assertError(await rawPost('/api/v1/workspaces', '{"name":"x"}', { 'content-type': 'application/json; charset=iso-8859-1' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      assert.deepEqual(await workspaceNames(), before);
      // A UTF-8 byte-order mark is fine, and so is the charset said out loud.
      const ok = await rawPost('/api/v1/workspaces', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":"café"}')]), { 'content-type': 'application/json; charset=UTF-8' });
      assert.equal(ok.status, 201, ok.text);
      assert.equal(ok.body.name, 'café');
    });

    it('refuses a lone surrogate or a NUL in any string of a body, key or value, nested or not', async () => {
      const before = await workspaceNames();
      for (const raw of ['{"name":"a\\ud800b"}', '{"name":"a\\udc00"}', '{"name":"\\udbff"}', '{"name":"a\\u0000b"}']) {
        assertError(await rawPost('/api/v1/workspaces', raw), 400, 'VALIDATION_FAILED', 'name');
      }
      assertError(await rawPost('/api/v1/workspaces', '{"name":"ok","\\ud800":1}'), 400, 'VALIDATION_FAILED', 'body');
      const send = await rawPost(`/api/v1/channels/${team.channelId}/messages`, '{"body":"hi","attachmentIds":["x","\\ud800"]}');
      assertError(send, 400, 'VALIDATION_FAILED', 'attachmentIds.1');
      assert.ok(!send.text.includes('\\ud800'), 'the bad text is not echoed');
      assert.deepEqual(await workspaceNames(), before);
      // A proper pair is one character and passes.
      const pair = await rawPost('/api/v1/workspaces', '{"name":"a\\ud83d\\ude00b"}');
      assert.equal(pair.status, 201, pair.text);
      assert.equal(pair.body.name, 'a😀b');
    });

    it('refuses query strings that do not percent-decode to UTF-8, and NULs in queries and paths', async () => {
      const search = `/api/v1/workspaces/${team.workspaceId}/search`;
      for (const q of ['%FF', '%ED%A0%80', '%E2%82', 'a%zz', '100%']) assertError(await alice.client.get(`${search}?q=${q}`), 400, 'BAD_REQUEST');
      assertError(await alice.client.get(`${search}?q=a%00b`), 400, 'VALIDATION_FAILED', 'q');
      // On PostgreSQL a NUL in a lookup used to be a 500.
      assertError(await alice.client.get('/api/v1/workspaces/%00'), 400, 'VALIDATION_FAILED', 'workspaceId');
      assertError(await alice.client.get(`/api/v1/channels/a%00b/messages`), 400, 'VALIDATION_FAILED', 'channelId');
      assert.equal((await alice.client.get(`${search}?q=${encodeURIComponent('café 😀')}`)).status, 200);
      assert.equal((await alice.client.get(`${search}?q=a+b`)).status, 200);
    });

    it('accepts only RFC-shaped email addresses, stored exactly as sent', async () => {
      const register = (email: string) => new TestClient(server.url).post('/api/v1/auth/register', newUserInput({ email }));
      const local64 = 'a'.repeat(64);
      const bad = [
        'a\u0000b@example.com',
        '<script>@example.com',
        'a<b>@example.com',
        `${'l'.repeat(241)}@example.com`,
        `${local64}x@example.com`,
        'two@@example.com',
        'a@b@example.com',
        'sp ace@example.com',
        ' lead@example.com',
        'trail@example.com ',
        'nodot@localhost',
        '.dot@example.com',
        'dot.@example.com',
        'do..t@example.com',
        'a@-example.com',
        'a@example-.com',
        'a@exa_mple.com',
        'a@[127.0.0.1]',
        '"quoted"@example.com',
        'esc\u001b@example.com',
        'bell\u0007@example.com',
        'tab\t@example.com',
        'ünï@example.com',
        'a@bücher.de',
        `a@${'d'.repeat(64)}.com`,
        `${local64}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(58)}.com`, // 255 octets
      ];
      for (const email of bad) assertError(await register(email), 400, 'VALIDATION_FAILED', 'email');
      const good = [
        `${local64}@example.com`,
        "o'brien+tag@example.co.uk",
        'X.Y-Z_1@Sub.Example.ORG',
        'a@xn--bcher-kva.de',
        `${local64}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(57)}.com`, // 254 octets
      ];
      for (const email of good) {
        const res = await register(email);
        assert.equal(res.status, 201, `${email}: ${res.text}`);
        assert.equal(res.body.user.email, email);
      }
    });

    it('refuses ESC, BEL, backspace, line breaks and bidi controls in names and topics', async () => {
      const names = ['esc\u001b[31m', 'bell\u0007', 'back\u0008space', 'del\u007f', 'c1\u0085', 'two\nlines', 'tab\there', 'line\u2028sep', 'rtl\u202eevil', 'iso\u2066late'];
      const channels = `/api/v1/workspaces/${team.workspaceId}/channels`;
      const channelBefore = (await alice.client.get(`/api/v1/channels/${team.channelId}`)).body;
      for (const name of names) {
        assertError(await alice.client.post('/api/v1/workspaces', { name }), 400, 'VALIDATION_FAILED', 'name');
        assertError(await alice.client.request('PATCH', `/api/v1/workspaces/${team.workspaceId}`, { body: { name } }), 400, 'VALIDATION_FAILED', 'name');
        assertError(await alice.client.post(channels, { name }), 400, 'VALIDATION_FAILED', 'name');
        assertError(await alice.client.post(channels, { name: 'fine', topic: name }), 400, 'VALIDATION_FAILED', 'topic');
        assertError(await alice.client.request('PATCH', `/api/v1/channels/${team.channelId}`, { body: { topic: name } }), 400, 'VALIDATION_FAILED', 'topic');
        assertError(await new TestClient(server.url).post('/api/v1/auth/register', newUserInput({ displayName: name })), 400, 'VALIDATION_FAILED', 'displayName');
      }
      assert.deepEqual((await alice.client.get(`/api/v1/channels/${team.channelId}`)).body, channelBefore, 'nothing changed');
      // Invisible-only names are blank; NFC and trimming are the only changes to a valid one.
      assertError(await alice.client.post('/api/v1/workspaces', { name: '\u200b\u2060' }), 400, 'VALIDATION_FAILED', 'name');
      const ok = await alice.client.post(channels, { name: '  Cafe\u0301 \u05e9\u05dc\u05d5\u05dd 😀 ', topic: ' \u00a0Ze\u0301ro\u200dwidth joiner kept\u3000' });
      assert.equal(ok.status, 201, ok.text);
      assert.equal(ok.body.name, 'Café שלום 😀');
      assert.equal(ok.body.topic, 'Zéro\u200dwidth joiner kept');
    });

    it('counts name limits in code points, after normalisation', async () => {
      const at = (n: number) => '😀'.repeat(n);
      const create = (name: string) => alice.client.post('/api/v1/workspaces', { name });
      assert.equal((await create(at(80))).body.name, at(80));
      assertError(await create(at(81)), 400, 'VALIDATION_FAILED', 'name');
      const user = await new TestClient(server.url).post('/api/v1/auth/register', newUserInput({ displayName: at(64) }));
      assert.equal(user.body.user.displayName, at(64));
      assertError(await new TestClient(server.url).post('/api/v1/auth/register', newUserInput({ displayName: at(65) })), 400, 'VALIDATION_FAILED', 'displayName');
      // U+0958 has no composed form: NFC turns it into two code points, so 64 of them make 128.
      assertError(await new TestClient(server.url).post('/api/v1/auth/register', newUserInput({ displayName: '\u0958'.repeat(40) })), 400, 'VALIDATION_FAILED', 'displayName');
      const topic = await alice.client.request('PATCH', `/api/v1/channels/${team.channelId}`, { body: { topic: at(250) } });
      assert.equal(topic.body.topic, at(250), topic.text);
      assertError(await alice.client.request('PATCH', `/api/v1/channels/${team.channelId}`, { body: { topic: at(251) } }), 400, 'VALIDATION_FAILED', 'topic');
    });

    it('limits message bodies to 10,000 code points after trimming, astral characters counted once', async () => {
      const send = (body: string) => postMessage(alice, team.channelId, body);
      for (const unit of ['a', '😀', '\u{10ffff}']) {
        const res = await send(` \n${unit.repeat(10_000)}\t `);
        assert.equal(res.status, 201, res.text.slice(0, 200));
        assert.equal((await getMessage(alice, res.body.id)).body, unit.repeat(10_000));
        assertError(await send(unit.repeat(10_001)), 400, 'VALIDATION_FAILED', 'body');
      }
      const nfc = await send('e\u0301\u212b');
      assert.equal(nfc.body.body, '\u00e9\u00c5');
      for (const body of ['a\u0000', 'a\u0007b', 'a\u001bb', 'a\rb', 'a\u0085b', '\u200b\u200b']) assertError(await send(body), 400, 'VALIDATION_FAILED', 'body');
      assert.equal((await send('tab\tand\nnewline')).body.body, 'tab\tand\nnewline');
    });

    it('refuses a socket frame with a lone surrogate or a NUL with an error frame, and stores nothing', async () => {
      const socket = await TestSocket.live(alice.client, { [team.channelId]: 0 });
      try {
        const before = (await alice.client.get(`/api/v1/channels/${team.channelId}`)).body.lastSeq;
        for (const body of ['a\\ud800b', 'a\\u0000b']) {
          const from = socket.frames.length;
          socket.sendRaw(`{"type":"send","ref":"r1","channelId":"${team.channelId}","clientMessageId":"c-${body.length}","body":"${body}"}`);
          const error = await socket.waitFor((f) => f.type === 'error', { from });
          assert.equal(error.type === 'error' && error.code, 'INVALID_FRAME');
        }
        const ok = await socket.request({ type: 'send', ref: 'r2', channelId: team.channelId, clientMessageId: 'c-ok', body: 'a\ud83d\ude00b' });
        assert.equal(ok.type, 'ack');
        assert.equal((await alice.client.get(`/api/v1/channels/${team.channelId}`)).body.lastSeq, before + 1, 'only the valid frame stored anything');
      } finally {
        socket.ws.close();
      }
    });

    it('keeps a file name within the limit whole, and cuts a longer one to exactly the limit', async () => {
      const name = async (raw: string) => {
        const res = await uploadRaw(alice, team.channelId, raw, sample.text());
        assert.equal(res.status, 201, res.text);
        return res.body.name as string;
      };
      // The audit's case: a dot early on made everything after it an "extension" cut to 12.
      const dotted = `Quarterly report. ${'x'.repeat(152)} final.txt`;
      assert.equal([...dotted].length, 180);
      assert.equal(await name(dotted), dotted);
      const longer = `Quarterly report. ${'x'.repeat(158)} final.txt`;
      assert.equal([...longer].length, 186);
      assert.equal(await name(longer), `Quarterly report. ${'x'.repeat(158)}.txt`);
      const long = `Notes. ${'ü'.repeat(180)}`;
      assert.equal([...long].length, 187);
      assert.equal(await name(long), long.slice(0, 180));
      const ext = `${'é'.repeat(200)}.markdown`;
      assert.equal(await name(ext), `${'é'.repeat(171)}.markdown`);
      // Cut between graphemes: a family emoji (5 code points) is kept whole or not at all.
      const family = '👨\u200d👩\u200d👧';
      const cut = await name(`${'a'.repeat(174)}${family}.txt`);
      assert.equal(cut, `${'a'.repeat(174)}.txt`);
      assert.equal(await name(`${family} and ZWNJ می\u200cخواهم.txt`), `${family} and ZWNJ می\u200cخواهم.txt`);
      // Bytes that are not UTF-8 in the part header: refused rather than shown as U+FFFD.
      const { body, contentType } = rawMultipart('x', sample.text());
      const broken = Buffer.from(body.toString('latin1').replace('filename="x"', 'filename="caf\u00e9.txt"'), 'latin1');
      assertError(await alice.client.request('POST', `/api/v1/channels/${team.channelId}/files`, { raw: broken, headers: { 'content-type': contentType } }), 400, 'VALIDATION_FAILED', 'file');
    });
  });
}
