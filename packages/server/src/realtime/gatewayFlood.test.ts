import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CloseCodes, RealtimeLimits } from '@relaydesk/protocol';
import { startTestServer, type TestServer } from '../testing/testServer.js';
import { fullHistory, setUpTeam, type Team } from '../http/routes/messages/fixtures.js';
import { TestSocket, sleep, type FrameOf } from './testSocket.js';

const metric = async (server: TestServer, name: string): Promise<number> => {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
};

describe('WebSocket gateway: flood control (token bucket 10/s, burst 20)', () => {
  let server: TestServer;
  let team: Team;

  before(async () => {
    server = await startTestServer();
    team = await setUpTeam(server, 1);
  });
  after(() => server.close());

  const burst = (socket: TestSocket, n: number, tag: string) => {
    const refs = Array.from({ length: n }, (_, i) => `${tag}-${i}`);
    for (const ref of refs) socket.send({ type: 'ping', ref });
    return refs;
  };

  it('30 pings at once: the burst is answered, the rest get RATE_LIMITED with retryAfterMs; the socket stays open', async () => {
    const socket = await TestSocket.connect(team.members[0]!.client);
    const refs = burst(socket, 30, 'b');
    const answers = await socket.waitForCount((f) => (f.type === 'pong' || f.type === 'error') && refs.includes(f.ref ?? ''), 30);
    const pongs = answers.filter((f) => f.type === 'pong');
    const limited = answers.filter((f): f is FrameOf<'error'> => f.type === 'error');
    assert.ok(pongs.length >= RealtimeLimits.opsBurst, `${pongs.length} pongs: the burst is served`);
    assert.ok(limited.length >= 1, `${limited.length} refusals`);
    assert.equal(pongs.length + limited.length, 30);
    for (const e of limited) {
      assert.equal(e.code, 'RATE_LIMITED');
      assert.ok(e.ref?.startsWith('b-'), 'the refusal names the refused frame');
      assert.ok(e.retryAfterMs !== undefined && e.retryAfterMs > 0 && e.retryAfterMs <= 1000 / RealtimeLimits.opsPerSecond, `retryAfterMs ${e.retryAfterMs}`);
    }
    assert.ok(socket.isOpen);
    await sleep(Math.max(...limited.map((e) => e.retryAfterMs ?? 0)) + 20);
    await socket.roundTrip();
    await socket.close();
  });

  it('a rate-limited send creates nothing; retried after retryAfterMs with the same id it creates one message', async () => {
    const socket = await TestSocket.connect(team.members[0]!.client); // a full bucket
    burst(socket, RealtimeLimits.opsBurst, 'fill');
    const clientMessageId = randomUUID();
    const frame = { type: 'send' as const, channelId: team.channelId, body: 'limited', clientMessageId };
    const refused = await socket.request({ ...frame, ref: 'limited' });
    assert.equal(refused.type === 'error' && refused.code, 'RATE_LIMITED', JSON.stringify(refused));
    assert.equal((await fullHistory(team.owner, team.channelId)).filter((m) => m.clientMessageId === clientMessageId).length, 0);
    await sleep((refused.type === 'error' ? refused.retryAfterMs ?? 100 : 100) + 20);
    const ok = await socket.request({ ...frame, ref: 'retry' });
    assert.equal(ok.type, 'ack', JSON.stringify(ok));
    assert.equal((await fullHistory(team.owner, team.channelId)).filter((m) => m.clientMessageId === clientMessageId).length, 1);
    await socket.close();
  });

  it('a client that keeps blasting after RATE_LIMITED is disconnected with 4008', async () => {
    const before = await metric(server, 'relaydesk_ws_flood_rejections_total');
    const socket = await TestSocket.connect(team.members[0]!.client);
    burst(socket, 60, 'flood');
    const { code, reason } = await socket.waitForClose(3000);
    assert.equal(code, CloseCodes.flooding, reason);
    assert.ok(socket.ofType('error').every((e) => e.code === 'RATE_LIMITED'));
    assert.ok(socket.ofType('error').length >= 20);
    assert.ok((await metric(server, 'relaydesk_ws_flood_rejections_total')) >= before + 20);
  });

  it('a client flooding steadily at 10x the limit (100 ops/s) for 3 s is disconnected with 4008', async () => {
    const socket = await TestSocket.connect(team.members[0]!.client);
    let n = 0;
    const timer = setInterval(() => {
      if (socket.isOpen) socket.send({ type: 'ping', ref: `steady-${n++}` });
    }, 10);
    try {
      const closed = await socket.waitForClose(3000).catch(() => undefined);
      const refused = socket.ofType('error').length;
      assert.equal(closed?.code, CloseCodes.flooding, `still open after ${n} pings in 3 s, ${refused} of them refused with RATE_LIMITED`);
    } finally {
      clearInterval(timer);
      await socket.close();
    }
  });
});
