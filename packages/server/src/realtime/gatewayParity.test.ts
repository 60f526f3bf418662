import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MessageLimits } from '@relaydesk/protocol';
import { startTestServer, type TestServer } from '../testing/testServer.js';
import { enc, getMessage, send, setUpTeam, type Team } from '../http/routes/messages/fixtures.js';
import { TestSocket } from './testSocket.js';

/**
 * One definition, two transports: each socket frame is checked by the same schema
 * (@relaydesk/protocol) and the same policy (policies/) as its REST twin, so a refusal carries
 * the same code on both and neither stores what the other refuses.
 */
describe('WebSocket gateway: the same rules as REST', () => {
  let server: TestServer;
  let team: Team;
  before(async () => {
    server = await startTestServer();
    team = await setUpTeam(server, 1);
  });
  after(() => server.close());

  const errorCode = (answer: { type: string; code?: string }) => (answer.type === 'error' ? answer.code : `no error: ${answer.type}`);

  it('a react frame refuses the emoji REST refuses ("a b", a control character, a space, too long), with its ref, and stores nothing', async () => {
    const member = team.members[0]!;
    const message = await send(team.owner, team.channelId, 'react to me');
    const socket = await TestSocket.live(member.client);
    const bad = ['a b', '\u0001', ' ', 'x'.repeat(MessageLimits.emojiMax + 1)];
    for (const [i, emoji] of bad.entries()) {
      const rest = await member.client.request('PUT', `/api/v1/messages/${message.id}/reactions/${enc(emoji)}`);
      assert.equal(rest.status, 400, `REST ${JSON.stringify(emoji)}`);
      assert.equal(rest.body.error.code, 'VALIDATION_FAILED');
      const answer = await socket.request({ type: 'react', ref: `bad${i}`, messageId: message.id, emoji, present: true });
      assert.equal(errorCode(answer), 'VALIDATION_FAILED', `socket ${JSON.stringify(emoji)}`);
      assert.equal(answer.ref, `bad${i}`, 'answered with its ref, like any operation error');
    }
    assert.deepEqual((await getMessage(team.owner, message.id)).reactions, [], 'nothing was stored');
    // Exactly at the limit passes on both.
    const longest = 'x'.repeat(MessageLimits.emojiMax);
    assert.equal((await socket.request({ type: 'react', ref: 'max', messageId: message.id, emoji: longest, present: true })).type, 'ack');
    assert.equal((await member.client.request('DELETE', `/api/v1/messages/${message.id}/reactions/${longest}`)).status, 204, 'and what the socket stored, REST can remove');
    assert.ok(socket.isOpen, 'bad fields are not protocol violations');
    await socket.close();
  });

  it('typing in an archived channel is CHANNEL_ARCHIVED on both transports', async () => {
    const channel = (await team.owner.client.post(`/api/v1/workspaces/${team.workspaceId}/channels`, { name: 'to-archive' })).body.id as string;
    const socket = await TestSocket.live(team.owner.client);
    assert.equal((await team.owner.client.post(`/api/v1/channels/${channel}/archive`)).status, 200);
    const rest = await team.owner.client.post(`/api/v1/channels/${channel}/typing`);
    assert.equal(rest.status, 403, rest.text);
    assert.equal(rest.body.error.code, 'CHANNEL_ARCHIVED');
    socket.send({ type: 'typing', channelId: channel });
    assert.equal((await socket.next('error')).code, 'CHANNEL_ARCHIVED');
    await socket.close();
  });

  it('send and edit bodies have the REST limits: exactly 10,000 code points pass, one more is VALIDATION_FAILED on both', async () => {
    const socket = await TestSocket.live(team.owner.client);
    const atLimit = 'a'.repeat(MessageLimits.bodyMax);
    const sent = await socket.request({ type: 'send', ref: 's1', channelId: team.channelId, body: atLimit, clientMessageId: 'parity-1' });
    assert.equal(sent.type, 'ack');
    const over = `${atLimit}b`;
    assert.equal(errorCode(await socket.request({ type: 'send', ref: 's2', channelId: team.channelId, body: over, clientMessageId: 'parity-2' })), 'VALIDATION_FAILED');
    const rest = await team.owner.client.post(`/api/v1/channels/${team.channelId}/messages`, { body: over });
    assert.equal(rest.body.error.code, 'VALIDATION_FAILED');
    const id = sent.type === 'ack' ? sent.message!.id : '';
    assert.equal(errorCode(await socket.request({ type: 'edit', ref: 'e1', messageId: id, body: over })), 'VALIDATION_FAILED');
    assert.equal((await team.owner.client.request('PATCH', `/api/v1/messages/${id}`, { body: { body: over } })).body.error.code, 'VALIDATION_FAILED');
    // Over the raw cap the schema itself refuses, with the same code.
    const huge = 'c'.repeat(MessageLimits.rawBodyMax + 1);
    assert.equal(errorCode(await socket.request({ type: 'edit', ref: 'e2', messageId: id, body: huge })), 'VALIDATION_FAILED');
    assert.equal((await getMessage(team.owner, id)).body, atLimit, 'unchanged');
    await socket.close();
  });
});
