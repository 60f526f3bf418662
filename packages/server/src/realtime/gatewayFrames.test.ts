import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RealtimeLimits } from '@relaydesk/protocol';
import { startTestServer, type TestServer } from '../testing/testServer.js';
import { eventPage, fullHistory, setUpTeam, type Team } from '../http/routes/messages/fixtures.js';
import { TestSocket } from './testSocket.js';

describe('WebSocket gateway: malformed and oversized frames', () => {
  let server: TestServer;
  let team: Team;

  before(async () => {
    server = await startTestServer();
    team = await setUpTeam(server, 1);
  });
  after(() => server.close());

  const lastSeq = async () => (await eventPage(team.owner, team.channelId, 0, 1)).lastSeq;

  async function expectInvalidFrame(socket: TestSocket, data: string | Buffer, binary = false): Promise<void> {
    const from = socket.frames.length;
    socket.sendRaw(data, { binary });
    const error = await socket.next('error', () => true, { from });
    assert.equal(error.code, 'INVALID_FRAME');
    assert.equal(typeof error.message, 'string');
    assert.ok(error.message.length > 0);
  }

  it('invalid JSON, unknown types and binary frames get INVALID_FRAME; a known frame with an extra or missing field gets VALIDATION_FAILED with its ref; nothing changes', async () => {
    const socket = await TestSocket.live(team.members[0]!.client);
    const before = await lastSeq();
    await expectInvalidFrame(socket, '{"type":"send",');
    await expectInvalidFrame(socket, JSON.stringify({ type: 'hack', channelId: team.channelId }));
    await socket.roundTrip();
    assert.ok(socket.isOpen);
    const socket2 = await TestSocket.live(team.members[0]!.client);
    for (const bad of [
      { type: 'send', ref: 'extra', channelId: team.channelId, body: 'x', clientMessageId: 'c1', admin: true },
      { type: 'send', ref: 'missing', channelId: team.channelId, body: 'no client id' },
    ]) {
      const answer = await socket2.request(bad as never);
      assert.deepEqual([answer.type, answer.type === 'error' && answer.code], ['error', 'VALIDATION_FAILED'], JSON.stringify(answer));
    }
    await expectInvalidFrame(socket2, Buffer.from(JSON.stringify({ type: 'ping' })), true);
    await socket2.roundTrip();
    assert.ok(socket2.isOpen);
    assert.equal(await lastSeq(), before, 'no change was recorded');
    assert.equal((await fullHistory(team.owner, team.channelId)).length, 0);
    await socket.close();
    await socket2.close();
  });

  it('the fifth violation closes the socket with 1008; valid frames in between still work', async () => {
    const socket = await TestSocket.live(team.members[0]!.client);
    for (let i = 0; i < 4; i++) {
      await expectInvalidFrame(socket, `garbage ${i}`);
      await socket.roundTrip();
    }
    assert.ok(socket.isOpen, 'four violations are tolerated');
    socket.sendRaw('garbage 5');
    assert.equal((await socket.waitForClose(3000)).code, 1008);
  });

  it('a frame of exactly 64 KiB is read and answered', async () => {
    const socket = await TestSocket.live(team.members[0]!.client);
    const head = '{"type":"ping","ref":"big"';
    const frame = head + ' '.repeat(RealtimeLimits.maxFrameBytes - head.length - 1) + '}';
    assert.equal(Buffer.byteLength(frame), RealtimeLimits.maxFrameBytes);
    const from = socket.frames.length;
    socket.sendRaw(frame);
    await socket.next('pong', (f) => f.ref === 'big', { from });
    assert.ok(socket.isOpen);
    await socket.close();
  });

  it('a valid ~60 KiB send with a body over 10,000 characters gets VALIDATION_FAILED and the socket stays open', async () => {
    const socket = await TestSocket.live(team.members[0]!.client);
    const body = '€'.repeat(19_900); // 19,900 characters (under the frame schema's 20,000), 59,700 bytes
    const frame = { type: 'send' as const, ref: 'long', channelId: team.channelId, body, clientMessageId: 'long-body-1' };
    const size = Buffer.byteLength(JSON.stringify(frame));
    assert.ok(size > 58 * 1024 && size < RealtimeLimits.maxFrameBytes, `frame is ${size} bytes`);
    const before = await lastSeq();
    const answer = await socket.request(frame);
    assert.equal(answer.type, 'error');
    assert.equal(answer.type === 'error' && answer.code, 'VALIDATION_FAILED');
    assert.equal(answer.ref, 'long');
    await socket.roundTrip();
    assert.ok(socket.isOpen);
    assert.equal(await lastSeq(), before);
    // The same socket can still send a normal message.
    const ok = await socket.request({ type: 'send', ref: 'short', channelId: team.channelId, body: 'short one', clientMessageId: 'short-1' });
    assert.equal(ok.type, 'ack', JSON.stringify(ok));
    await socket.close();
  });

  it('operation errors carry the ref and a REST error code, and are not violations', async () => {
    const socket = await TestSocket.live(team.members[0]!.client);
    for (let i = 0; i < 6; i++) {
      const answer = await socket.request({ type: 'send', ref: `e${i}`, channelId: 'no-such-channel', body: 'x', clientMessageId: `nochan-${i}` });
      assert.equal(answer.type, 'error');
      assert.equal(answer.type === 'error' && answer.code, 'NOT_FOUND');
    }
    const empty = await socket.request({ type: 'send', ref: 'empty', channelId: team.channelId, body: '   ', clientMessageId: 'empty-1' });
    assert.equal(empty.type === 'error' && empty.code, 'VALIDATION_FAILED');
    await socket.roundTrip();
    assert.ok(socket.isOpen, 'six refused operations are not six violations');
    assert.deepEqual(socket.malformed, []);
    await socket.close();
  });
});
