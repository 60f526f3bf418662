import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from '../../../testing/testServer.js';
import { ServerProcess } from '../../../testing/serverProcess.js';
import { TestClient, registerNewUser } from '../../../testing/httpClient.js';
import { assertError, fullHistory, send, setUpTeam, type Team } from '../messages/fixtures.js';
import { sleep } from '../../../realtime/testSocket.js';

/** What a receiver saw of one request, and whether the signature verified (checked here with Node's crypto, per the spec). */
interface Received {
  id: string;
  timestamp: number;
  verified: boolean;
  body: Record<string, unknown>;
  at: number;
}

/**
 * A webhook receiver as an integration writes one: a real HTTP server on loopback that verifies
 * the Standard Webhooks signature, answering with whatever `answer` says for each request.
 */
async function startReceiver(secret: () => string | undefined) {
  const received: Received[] = [];
  let answer: (r: Received) => { status: number; body?: unknown; hang?: boolean } = () => ({ status: 200 });
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      const timestamp = Number(req.headers['webhook-timestamp']);
      const key = Buffer.from((secret() ?? '').replace(/^whsec_/, ''), 'base64');
      const expected = Buffer.from(createHmac('sha256', key).update(`${id}.${timestamp}.${raw}`).digest('base64'));
      const given = String(req.headers['webhook-signature'] ?? '').split(' ').map((s) => Buffer.from(s.replace(/^v1,/, '')));
      const verified = given.some((g) => g.length === expected.length && timingSafeEqual(g, expected));
      const r: Received = { id, timestamp, verified, body: JSON.parse(raw) as Record<string, unknown>, at: Date.now() };
      received.push(r);
      const a = answer(r);
      if (a.hang) return;
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(a.body === undefined ? '' : JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/in`,
    port,
    received,
    answerWith: (f: typeof answer) => (answer = f),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const until = async <T>(read: () => Promise<T> | T, ok: (v: T) => boolean, what: string, timeoutMs = 8000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await sleep(25);
  }
};

describe('outgoing webhooks', () => {
  let server: TestServer;
  let team: Team;
  let secrets = new Map<string, string>();
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const BASE = 150;

  before(async () => {
    receiver = await startReceiver(() => [...secrets.values()].at(-1));
    server = await startTestServer({ env: { OUTBOUND_ALLOWED_HOSTS: '127.0.0.1/32', WEBHOOK_RETRY_BASE_MS: String(BASE), WEBHOOK_MAX_ATTEMPTS: '3' } });
    team = await setUpTeam(server, 1);
  });
  after(async () => {
    await server.close();
    await receiver.close();
  });

  const create = async (body: Record<string, unknown>) => {
    const res = await team.owner.client.post(`/api/v1/channels/${team.channelId}/outgoing-hooks`, { name: 'Support bot', url: receiver.url, ...body });
    assert.equal(res.status, 201, res.text);
    secrets = new Map([[res.body.id as string, res.body.secret as string]]);
    return res.body as { id: string; secret: string; botUserId: string };
  };
  const remove = (id: string) => team.owner.client.delete(`/api/v1/channels/${team.channelId}/outgoing-hooks/${id}`);
  const deliveries = async (id: string) =>
    (await team.owner.client.get(`/api/v1/channels/${team.channelId}/outgoing-hooks/${id}/deliveries`)).body.deliveries as {
      id: string;
      state: string;
      messageId: string;
      attempts: { attempt: number; status: number | null; error: string | null }[];
    }[];

  it('delivers each new message signed per Standard Webhooks, and posts a { text } answer back as a thread reply by the hook’s bot', async () => {
    const hook = await create({});
    assert.match(hook.secret, /^whsec_[A-Za-z0-9+/]{32}$/);
    receiver.answerWith(() => ({ status: 200, body: { text: 'Ticket #42 opened' } }));
    const from = receiver.received.length;
    const message = await send(team.owner, team.channelId, 'My printer is on fire');
    const got = await until(() => receiver.received.slice(from), (r) => r.length === 1, 'the delivery');
    assert.equal(got[0]!.verified, true, 'the signature verifies with the secret shown at creation');
    assert.match(got[0]!.id, /^msg_[0-9a-f]{32}$/);
    assert.ok(Math.abs(got[0]!.timestamp - Date.now() / 1000) < 10, 'webhook-timestamp is Unix seconds, now');
    assert.deepEqual(
      { post: got[0]!.body.post_id, text: got[0]!.body.text, channel: got[0]!.body.channel_id, user: got[0]!.body.user_name, trigger: got[0]!.body.trigger_word },
      { post: message.id, text: 'My printer is on fire', channel: team.channelId, user: team.owner.user.username, trigger: '' },
    );
    const replies = await until(
      async () => (await team.owner.client.get(`/api/v1/messages/${message.id}/replies`)).body.replies as { body: string; authorId: string }[],
      (r) => r.length === 1,
      'the answer posted back',
    );
    assert.deepEqual([replies[0]!.body, replies[0]!.authorId], ['Ticket #42 opened', hook.botUserId]);
    await sleep(300);
    assert.equal(receiver.received.length, from + 1, 'the bot’s own reply is not delivered again (no loop)');
    const log = await deliveries(hook.id);
    assert.deepEqual([log[0]!.state, log[0]!.attempts.map((a) => a.status)], ['delivered', [200]]);
    await remove(hook.id);
  });

  it('with trigger words, only messages whose first word is one of them are delivered', async () => {
    const hook = await create({ triggerWords: ['!ticket', 'Help'] });
    receiver.answerWith(() => ({ status: 204 }));
    const from = receiver.received.length;
    await send(team.owner, team.channelId, 'no trigger here !ticket');
    const hit = await send(team.owner, team.channelId, 'help me please');
    await until(() => receiver.received.slice(from), (r) => r.length >= 1, 'the triggered delivery');
    await sleep(300);
    assert.deepEqual(
      receiver.received.slice(from).map((r) => [r.body.post_id, r.body.trigger_word]),
      [[hit.id, 'Help']],
    );
    await remove(hook.id);
  });

  it('retries with backoff and the same webhook-id until the receiver succeeds; every attempt is logged', async () => {
    const hook = await create({});
    let calls = 0;
    receiver.answerWith(() => (++calls <= 2 ? { status: 503, body: { error: 'busy' } } : { status: 200 }));
    const from = receiver.received.length;
    await send(team.owner, team.channelId, 'retry me');
    const got = await until(() => receiver.received.slice(from), (r) => r.length === 3, 'three attempts');
    assert.equal(new Set(got.map((r) => r.id)).size, 1, 'one webhook-id for every attempt');
    assert.ok(got.every((r) => r.verified));
    const gaps = [got[1]!.at - got[0]!.at, got[2]!.at - got[1]!.at];
    assert.ok(gaps[0]! >= BASE * 0.8 - 20, `first retry after ~${BASE} ms, was ${gaps[0]}`);
    assert.ok(gaps[1]! >= 2 * BASE * 0.8 - 20, `second retry after ~${2 * BASE} ms, was ${gaps[1]}`);
    const log = await until(() => deliveries(hook.id), (l) => l[0]?.state === 'delivered', 'delivered in the log');
    assert.deepEqual(log[0]!.attempts.map((a) => a.status), [503, 503, 200]);
    assert.match(log[0]!.attempts[0]!.error ?? '', /busy/);
    await remove(hook.id);
  });

  it('gives up after WEBHOOK_MAX_ATTEMPTS; a manual redelivery sends it again with the same webhook-id', async () => {
    const hook = await create({});
    receiver.answerWith(() => ({ status: 500 }));
    const from = receiver.received.length;
    await send(team.owner, team.channelId, 'doomed');
    const log = await until(() => deliveries(hook.id), (l) => l[0]?.state === 'failed', 'failed after 3 attempts');
    assert.equal(log[0]!.attempts.length, 3);
    receiver.answerWith(() => ({ status: 200 }));
    const again = await team.owner.client.post(`/api/v1/channels/${team.channelId}/outgoing-hooks/${hook.id}/deliveries/${log[0]!.id}/redeliver`);
    assert.equal(again.status, 204, again.text);
    const after = await until(() => deliveries(hook.id), (l) => l[0]?.state === 'delivered', 'redelivered');
    assert.equal(after[0]!.attempts.length, 4);
    assert.deepEqual([...new Set(receiver.received.slice(from).map((r) => r.id))], [log[0]!.id]);
    await remove(hook.id);
  });

  it('410 Gone disables the hook: nothing more is sent, and redelivery is refused', async () => {
    const hook = await create({});
    receiver.answerWith(() => ({ status: 410 }));
    const from = receiver.received.length;
    await send(team.owner, team.channelId, 'gone?');
    await until(async () => (await team.owner.client.get(`/api/v1/channels/${team.channelId}/outgoing-hooks`)).body.hooks[0]?.disabledAt, (d) => Boolean(d), 'disabled');
    const listed = (await team.owner.client.get(`/api/v1/channels/${team.channelId}/outgoing-hooks`)).body.hooks[0];
    assert.match(listed.disabledReason, /410/);
    await send(team.owner, team.channelId, 'after the 410');
    await sleep(1300);
    assert.equal(receiver.received.length, from + 1, 'one attempt, then silence');
    const [first] = await deliveries(hook.id);
    assertError(await team.owner.client.post(`/api/v1/channels/${team.channelId}/outgoing-hooks/${hook.id}/deliveries/${first!.id}/redeliver`), 409, 'CONFLICT');
    await remove(hook.id);
  });

  it('a target the outbound policy refuses is logged as OUTBOUND_REFUSED, never called', async () => {
    const res = await team.owner.client.post(`/api/v1/channels/${team.channelId}/outgoing-hooks`, { name: 'Intranet', url: `http://127.0.0.2:${receiver.port}/in` });
    assert.equal(res.status, 201, res.text);
    const from = receiver.received.length;
    await send(team.owner, team.channelId, 'to the intranet');
    const log = await until(() => deliveries(res.body.id), (l) => (l[0]?.attempts.length ?? 0) >= 1, 'an attempt');
    assert.match(log[0]!.attempts[0]!.error ?? '', /^OUTBOUND_REFUSED/);
    assert.equal(log[0]!.attempts[0]!.status, null);
    assert.equal(receiver.received.length, from);
    await remove(res.body.id);
  });

  it('a receiver that never answers does not slow sends down', async () => {
    const hook = await create({});
    receiver.answerWith(() => ({ status: 200, hang: true }));
    const started = Date.now();
    for (let i = 0; i < 5; i++) await send(team.owner, team.channelId, `fast ${i}`);
    assert.ok(Date.now() - started < 2000, `5 sends took ${Date.now() - started} ms`);
    await remove(hook.id);
  });

  it('bad input: a non-http URL, credentials in it, too many trigger words; members other than the creator or admins are refused', async () => {
    for (const body of [{ url: 'ftp://example.com/x' }, { url: 'http://user:pw@example.com/x' }, { triggerWords: Array.from({ length: 11 }, (_, i) => `w${i}`) }, { triggerWords: ['two words'] }]) {
      assertError(await team.owner.client.post(`/api/v1/channels/${team.channelId}/outgoing-hooks`, { name: 'x', url: receiver.url, ...body }), 400, 'VALIDATION_FAILED');
    }
    const [member] = team.members;
    assertError(await member!.client.post(`/api/v1/channels/${team.channelId}/outgoing-hooks`, { name: 'x', url: receiver.url }), 403, 'FORBIDDEN');
    assert.equal((await fullHistory(team.owner, team.channelId)).length > 0, true);
  });
});

describe('outgoing webhooks across a restart', () => {
  it('a delivery being retried when the server is killed (kill -9) is delivered after it comes back, with the same webhook-id', async () => {
    let secret: string | undefined;
    const receiver = await startReceiver(() => secret);
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-hooks-'));
    const env = { OUTBOUND_ALLOWED_HOSTS: '127.0.0.1/32', WEBHOOK_RETRY_BASE_MS: '400', WEBHOOK_MAX_ATTEMPTS: '10', SEED_DEMO: 'false', PORT: String(await freeLoopbackPort()) };
    let running = await ServerProcess.start({ cwd, env });
    try {
      const client = new TestClient(running.url);
      await registerNewUser(client);
      const ws = await client.post('/api/v1/workspaces', { name: 'Hooks' });
      const channel = await client.post(`/api/v1/workspaces/${ws.body.id}/channels`, { name: 'support', kind: 'public' });
      const hook = await client.post(`/api/v1/channels/${channel.body.id}/outgoing-hooks`, { name: 'Desk', url: receiver.url });
      secret = hook.body.secret;
      receiver.answerWith(() => ({ status: 500 }));
      const sent = await client.post(`/api/v1/channels/${channel.body.id}/messages`, { body: 'survive the crash' });
      assert.equal(sent.status, 201, sent.text);
      await until(() => receiver.received.length, (n) => n >= 1, 'the first, failing attempt');
      // Killed between attempts: the failed one is logged and the retry scheduled. (Killed during
      // an attempt, the delivery waits out its lease, 30 s, before any node takes it again.)
      await until(
        async () => (await client.get(`/api/v1/channels/${channel.body.id}/outgoing-hooks/${hook.body.id}/deliveries`)).body.deliveries[0]?.attempts.length ?? 0,
        (n) => n >= 1,
        'the failed attempt in the log',
      );
      await running.proc.kill();
      receiver.answerWith(() => ({ status: 200 }));
      running = await ServerProcess.start({ cwd, env });
      const done = await until(() => receiver.received.filter((r) => r.body.post_id === sent.body.id), (r) => r.length >= 2, 'the delivery after the restart', 15_000);
      assert.equal(new Set(done.map((r) => r.id)).size, 1, 'the same webhook-id before and after');
      assert.ok(done.every((r) => r.verified));
    } finally {
      await running.proc.kill();
      await receiver.close();
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});

async function freeLoopbackPort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}
