import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MessageLimits } from '@relaydesk/protocol';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestClient } from '../../../testing/httpClient.js';
import { assertError, fullHistory, setUpTeam, type Team } from '../messages/fixtures.js';
import { TestSocket } from '../../../realtime/testSocket.js';

for (const database of DATABASES) {
  describe(`incoming webhooks (${database})`, () => {
    let server: TestServer;
    let team: Team;
    const anonymous = () => new TestClient(server.url);
    const pathOf = (url: string) => new URL(url).pathname;

    before(async () => {
      server = await startTestServer({ database, env: { WEBHOOK_RATE_PER_MIN: '5' } });
      team = await setUpTeam(server, 1);
    });
    after(() => server.close());

    const create = async (name = 'Alerts') => {
      const res = await team.owner.client.post(`/api/v1/channels/${team.channelId}/incoming-hooks`, { name });
      assert.equal(res.status, 201, res.text);
      return res.body as { id: string; url: string; botUserId: string; name: string };
    };

    it('a Mattermost/Slack payload posts into the channel as the hook’s bot, live, with attachments rendered', async () => {
      const hook = await create('Monitoring');
      assert.match(hook.url, /^http:\/\/relaydesk\.test\/hooks\/[A-Za-z0-9_-]{43}$/);
      const watcher = await TestSocket.live(team.owner.client);
      const res = await anonymous().post(pathOf(hook.url), {
        text: 'Disk almost full on **db-1**',
        username: 'spoofed-admin',
        attachments: [{ title: 'Runbook', title_link: 'https://runbooks.example/disk', text: '92% used', fields: [{ title: 'Host', value: 'db-1', short: true }], footer: 'prometheus' }],
        channel: 'ignored', icon_emoji: ':fire:',
      });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.authorId, hook.botUserId);
      assert.equal(res.body.body, 'Disk almost full on **db-1**\n\n> **[Runbook](https://runbooks.example/disk)**\n> 92% used\n> **Host**: db-1\n> _prometheus_');
      const live = await watcher.waitFor((f) => f.type === 'event' && f.event.type === 'message.created' && f.event.message.id === res.body.id);
      assert.ok(live);
      const members = await team.owner.client.get(`/api/v1/workspaces/${team.workspaceId}/members`);
      const bot = (members.body.members as { userId: string; displayName: string; isBot?: boolean }[]).find((m) => m.userId === hook.botUserId)!;
      assert.deepEqual([bot.displayName, bot.isBot], ['Monitoring', true], 'posted as the hook’s bot, whatever `username` said');
      await watcher.close();
    });

    it('the form encoding payload=<json> works too; a form without it or with bad JSON is 400 and posts nothing', async () => {
      const hook = await create('Form');
      const form = (body: string) => anonymous().request('POST', pathOf(hook.url), { headers: { 'content-type': 'application/x-www-form-urlencoded' }, raw: body });
      const ok = await form(`payload=${encodeURIComponent(JSON.stringify({ text: 'from a form' }))}`);
      assert.equal(ok.status, 201, ok.text);
      const before = (await fullHistory(team.owner, team.channelId)).length;
      assertError(await form('text=hello'), 400, 'VALIDATION_FAILED');
      assertError(await form('payload=%7Bnot-json'), 400, 'VALIDATION_FAILED');
      assert.equal((await fullHistory(team.owner, team.channelId)).length, before);
    });

    it('bad payloads are product errors and post nothing: no text, empty text, over the body limit, wrong types', async () => {
      const hook = await create('Strict');
      const before = (await fullHistory(team.owner, team.channelId)).length;
      for (const body of [{}, { text: '' }, { text: 'x'.repeat(MessageLimits.bodyMax + 1) }, { text: 5 }, { text: 'ok', attachments: 'no' }, { text: 'a\u0000b' }]) {
        assertError(await anonymous().post(pathOf(hook.url), body), 400, 'VALIDATION_FAILED');
      }
      // Text at the limit passes; attachments that push the rendered body over it do not.
      assert.equal((await anonymous().post(pathOf(hook.url), { text: 'y'.repeat(MessageLimits.bodyMax) })).status, 201);
      assertError(await anonymous().post(pathOf(hook.url), { text: 'y'.repeat(MessageLimits.bodyMax), attachments: [{ text: 'more' }] }), 400, 'VALIDATION_FAILED');
      assert.equal((await fullHistory(team.owner, team.channelId)).length, before + 1);
    });

    it('a wrong secret is 404; rotating stops the old URL at once; deleting stops the new one', async () => {
      const hook = await create('Rotated');
      assertError(await anonymous().post('/hooks/not-a-secret', { text: 'x' }), 404, 'NOT_FOUND');
      const rotated = await team.owner.client.post(`/api/v1/channels/${team.channelId}/incoming-hooks/${hook.id}/rotate`);
      assert.equal(rotated.status, 200, rotated.text);
      assert.notEqual(rotated.body.url, hook.url);
      assertError(await anonymous().post(pathOf(hook.url), { text: 'old url' }), 404, 'NOT_FOUND');
      assert.equal((await anonymous().post(pathOf(rotated.body.url), { text: 'new url' })).status, 201);
      const listed = await team.owner.client.get(`/api/v1/channels/${team.channelId}/incoming-hooks`);
      assert.equal(JSON.stringify(listed.body).includes(new URL(rotated.body.url).pathname.split('/').pop()!), false, 'no secret in the list');
      assert.equal((await team.owner.client.delete(`/api/v1/channels/${team.channelId}/incoming-hooks/${hook.id}`)).status, 204);
      assertError(await anonymous().post(pathOf(rotated.body.url), { text: 'deleted' }), 404, 'NOT_FOUND');
    });

    it('only the channel’s creator or a workspace admin manages its hooks', async () => {
      const [member] = team.members;
      assertError(await member!.client.post(`/api/v1/channels/${team.channelId}/incoming-hooks`, { name: 'mine' }), 403, 'FORBIDDEN');
      assertError(await member!.client.get(`/api/v1/channels/${team.channelId}/incoming-hooks`), 403, 'FORBIDDEN');
      const outsider = await setUpTeam(server, 0);
      assertError(await outsider.owner.client.post(`/api/v1/channels/${team.channelId}/incoming-hooks`, { name: 'x' }), 404, 'NOT_FOUND');
      assertError(await team.owner.client.post(`/api/v1/channels/${team.channelId}/incoming-hooks`, { name: ' ' }), 400, 'VALIDATION_FAILED');
    });

    it('rate limited per hook: the limit passes, one over is 429 with Retry-After, another hook is unaffected', async () => {
      const [busy, calm] = [await create('Busy'), await create('Calm')];
      for (let i = 0; i < 5; i++) assert.equal((await anonymous().post(pathOf(busy.url), { text: `n${i}` })).status, 201);
      const refused = await anonymous().post(pathOf(busy.url), { text: 'one too many' });
      assertError(refused, 429, 'RATE_LIMITED');
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      assert.equal((await anonymous().post(pathOf(calm.url), { text: 'fine' })).status, 201);
    });

    it('a hook of an archived channel is refused like any post there', async () => {
      const channel = await team.owner.client.post(`/api/v1/workspaces/${team.workspaceId}/channels`, { name: `arch-${Date.now()}`, kind: 'public' });
      const hook = await team.owner.client.post(`/api/v1/channels/${channel.body.id}/incoming-hooks`, { name: 'Old' });
      assert.equal((await team.owner.client.post(`/api/v1/channels/${channel.body.id}/archive`)).status < 300, true);
      assertError(await anonymous().post(pathOf(hook.body.url), { text: 'too late' }), 403, 'CHANNEL_ARCHIVED');
    });
  });
}
