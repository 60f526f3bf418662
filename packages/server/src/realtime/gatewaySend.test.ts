import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Message } from '@relaydesk/protocol';
import { DATABASES, startTestServer, type TestServer } from '../testing/testServer.js';
import { allEvents, fullHistory, postMessage, send, setUpTeam, signUp, type Team } from '../http/routes/messages/fixtures.js';
import { uploaded } from '../http/routes/files/fixtures.js';
import { TestSocket, sleep, type FrameOf } from './testSocket.js';

const SETTLE_MS = 200;

function ackedMessage(answer: FrameOf<'ack'> | FrameOf<'error'>): Message {
  assert.equal(answer.type, 'ack', JSON.stringify(answer));
  const message = (answer as FrameOf<'ack'>).message;
  assert.ok(message, 'the ack carries the message');
  return message;
}

for (const database of DATABASES) {
  describe(`WebSocket gateway: sending (${database})`, () => {
    let server: TestServer;
    let team: Team;
    let sender: TestSocket;
    let other: TestSocket;

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 2);
      sender = await TestSocket.live(team.members[0]!.client);
      other = await TestSocket.live(team.members[1]!.client);
    });
    after(async () => {
      await sender.close();
      await other.close();
      await server.close();
    });

    const sendFrame = (body: string, clientMessageId: string = randomUUID(), ref: string = randomUUID()) =>
      ({ type: 'send', ref, channelId: team.channelId, body, clientMessageId }) as const;

    it('acks with the stored message after commit; sender and another member each get the event once', async () => {
      const frame = sendFrame('hello over the socket');
      const message = ackedMessage(await sender.request(frame));
      assert.equal(message.body, 'hello over the socket');
      assert.equal(message.clientMessageId, frame.clientMessageId);
      assert.equal(message.authorId, team.members[0]!.user.id);
      assert.equal(message.channelId, team.channelId);
      // Committed before the ack: the history already has it, with the same id and seq.
      const stored = (await fullHistory(team.owner, team.channelId)).find((m) => m.id === message.id);
      assert.ok(stored, 'in REST history right after the ack');
      assert.equal(stored.seq, message.seq);
      assert.equal(stored.body, message.body);

      await sender.event(team.channelId, message.seq);
      const seen = await other.event(team.channelId, message.seq);
      assert.equal(seen.actorId, team.members[0]!.user.id);
      assert.ok(!Number.isNaN(Date.parse(seen.at)));
      assert.equal(seen.event.type, 'message.created');
      assert.deepEqual(seen.event.type === 'message.created' && seen.event.message, message);
      await sleep(SETTLE_MS);
      assert.equal(sender.created(team.channelId, message.id).length, 1);
      assert.equal(other.created(team.channelId, message.id).length, 1);
    });

    it('sends attachments over the socket as over REST: the ack and the event carry them; a foreign upload is refused', async () => {
      const file = await uploaded(team.members[0]!, team.channelId, 'notes.txt', Buffer.from('release notes\n'));
      const message = ackedMessage(await sender.request({ ...sendFrame(''), attachmentIds: [file.id] }));
      assert.deepEqual(message.attachments.map((a) => a.id), [file.id]);
      const seen = await other.event(team.channelId, message.seq);
      assert.deepEqual(seen.event.type === 'message.created' && seen.event.message.attachments.map((a) => a.name), ['notes.txt']);

      // Someone else's upload: the REST rule and code, and no message.
      const theirs = await uploaded(team.members[1]!, team.channelId, 'theirs.txt', Buffer.from('mine\n'));
      const refused = await sender.request({ ...sendFrame('with their file'), attachmentIds: [theirs.id] });
      assert.equal(refused.type, 'error');
      assert.equal((refused as FrameOf<'error'>).code, 'VALIDATION_FAILED');
      assert.equal((await fullHistory(team.owner, team.channelId)).filter((m) => m.body === 'with their file').length, 0);

      // The frame's limit is the REST limit: ten ids pass the schema (and are unknown here), eleven do not.
      const ids = (n: number) => Array.from({ length: n }, () => randomUUID());
      const ten = await sender.request({ ...sendFrame('ten'), attachmentIds: ids(10) });
      assert.equal((ten as FrameOf<'error'>).code, 'VALIDATION_FAILED');
      // A known frame with a bad field is answered like its REST twin, with its ref.
      const eleven = await sender.request({ ...sendFrame('eleven'), attachmentIds: ids(11) });
      assert.equal((eleven as FrameOf<'error'>).code, 'VALIDATION_FAILED');
      assert.match((eleven as FrameOf<'error'>).message, /attachmentIds/);
      assert.equal((await fullHistory(team.owner, team.channelId)).filter((m) => m.body === 'eleven').length, 0);
    });

    it('the same clientMessageId sent twice gets two acks with one message, one event, one history entry', async () => {
      const cid = randomUUID();
      const first = ackedMessage(await sender.request(sendFrame('only once', cid)));
      const second = ackedMessage(await sender.request(sendFrame('only once', cid)));
      assert.equal(second.id, first.id);
      assert.equal(second.seq, first.seq);
      await other.event(team.channelId, first.seq);
      await sleep(SETTLE_MS);
      assert.equal((await fullHistory(team.owner, team.channelId)).filter((m) => m.clientMessageId === cid).length, 1);
      const feed = await allEvents(team.owner, team.channelId);
      assert.equal(feed.filter((e) => e.event.type === 'message.created' && e.event.message.clientMessageId === cid).length, 1);
      assert.equal(sender.created(team.channelId, first.id).length, 1);
      assert.equal(other.created(team.channelId, first.id).length, 1);
    });

    it('the same clientMessageId sent 5 times in the same tick creates one message', async () => {
      const cid = randomUUID();
      const refs = Array.from({ length: 5 }, (_, i) => `burst-${i}-${randomUUID().slice(0, 8)}`);
      const from = sender.frames.length;
      for (const ref of refs) sender.send(sendFrame('racing retries', cid, ref));
      const answers = await Promise.all(refs.map((ref) => sender.waitFor((f) => (f.type === 'ack' || f.type === 'error') && f.ref === ref, { from })));
      const ids = new Set(answers.map((a) => ackedMessage(a as FrameOf<'ack'>).id));
      assert.equal(ids.size, 1, 'every ack names the same message');
      const [id] = [...ids];
      await sleep(SETTLE_MS);
      assert.equal((await fullHistory(team.owner, team.channelId)).filter((m) => m.clientMessageId === cid).length, 1);
      assert.equal(sender.created(team.channelId, id!).length, 1);
      assert.equal(other.created(team.channelId, id!).length, 1);
    });

    it('a socket send retried over REST with the same clientMessageId returns the same message', async () => {
      const cid = randomUUID();
      const viaSocket = ackedMessage(await sender.request(sendFrame('socket first', cid)));
      const viaRest = await postMessage(team.members[0]!, team.channelId, 'socket first', { clientMessageId: cid });
      assert.equal(viaRest.status, 200, viaRest.text);
      assert.equal(viaRest.body.id, viaSocket.id);
    });

    it('messages sent over REST arrive on every member socket once, in seq order', async () => {
      const sent: Message[] = [];
      for (let i = 0; i < 5; i++) sent.push(await send(team.owner, team.channelId, `rest ${i}`));
      for (const socket of [sender, other]) {
        for (const m of sent) {
          const e = await socket.event(team.channelId, m.seq);
          assert.equal(e.event.type === 'message.created' && e.event.message.id, m.id);
        }
      }
      await sleep(SETTLE_MS);
      for (const socket of [sender, other]) {
        const seqs = socket.events(team.channelId).map((e) => e.seq);
        assert.equal(new Set(seqs).size, seqs.length, 'no duplicate seq');
        for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1]! + 1, `gap-free and in order: ${seqs.join(',')}`);
        assert.deepEqual(socket.malformed, []);
      }
    });

    it('edit, react, read and delete over the socket are acked and produce their events', async () => {
      const message = ackedMessage(await sender.request(sendFrame('to be edited')));
      const edited = ackedMessage(await sender.request({ type: 'edit', ref: 'ed', messageId: message.id, body: 'edited text' }));
      assert.equal(edited.body, 'edited text');
      assert.ok(edited.editedAt);
      const reacted = await sender.request({ type: 'react', ref: 'rx', messageId: message.id, emoji: '👍', present: true });
      assert.equal(reacted.type, 'ack', JSON.stringify(reacted));
      const read = await other.request({ type: 'read', ref: 'rd', channelId: team.channelId, seq: message.seq });
      assert.equal(read.type === 'ack' && read.lastReadSeq, message.seq, JSON.stringify(read));
      const deleted = await sender.request({ type: 'delete', ref: 'dl', messageId: message.id });
      assert.equal(deleted.type, 'ack', JSON.stringify(deleted));
      const kinds = ['message.edited', 'reaction.added', 'message.deleted'];
      for (const kind of kinds) await other.next('event', (e) => e.event.type === kind && JSON.stringify(e.event).includes(message.id));
      const feed = await allEvents(team.owner, team.channelId, message.seq);
      assert.deepEqual(feed.map((e) => e.event.type), kinds);
    });

    it('an unauthorised send is refused with the REST code and creates nothing', async () => {
      const outsider = await TestSocket.live((await signUp(server)).client);
      const before = (await allEvents(team.owner, team.channelId)).length;
      const answer = await outsider.request({ type: 'send', ref: 'x', channelId: team.channelId, body: 'let me in', clientMessageId: randomUUID() });
      assert.equal(answer.type, 'error');
      assert.equal(answer.ref, 'x');
      assert.ok(answer.type === 'error' && ['NOT_FOUND', 'NOT_A_MEMBER'].includes(answer.code), JSON.stringify(answer));
      assert.equal((await allEvents(team.owner, team.channelId)).length, before);
      await outsider.close();
    });
  });
}
