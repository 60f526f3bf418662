import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestClient, registerNewUser } from '../../../testing/httpClient.js';

/** Search through the HTTP API: visibility, filters, snippets and cursor pages. */
for (const database of DATABASES) {
  describe(`GET /api/v1/workspaces/:id/search (${database})`, () => {
    let server: TestServer;
    let alice: TestClient;
    let bob: TestClient;
    let bobId: string;
    let workspaceId: string;
    let general: string;
    let secret: string;
    const search = (client: TestClient, query: string) => client.get(`/api/v1/workspaces/${workspaceId}/search?${query}`);
    const bodies = (res: { body: { hits: { message: { body: string } }[] } }) => res.body.hits.map((h) => h.message.body).sort();

    before(async () => {
      server = await startTestServer({ database });
      alice = new TestClient(server.url);
      bob = new TestClient(server.url);
      await registerNewUser(alice);
      bobId = (await registerNewUser(bob)).user.id;
      workspaceId = (await alice.post('/api/v1/workspaces', { name: 'Search Co' })).body.id;
      const { code } = (await alice.post(`/api/v1/workspaces/${workspaceId}/invites`, {})).body;
      await bob.post('/api/v1/invites/accept', { code });
      general = (await alice.post(`/api/v1/workspaces/${workspaceId}/channels`, { name: 'general' })).body.id;
      secret = (await alice.post(`/api/v1/workspaces/${workspaceId}/channels`, { name: 'secret', kind: 'private' })).body.id;
      await bob.post(`/api/v1/channels/${general}/join`);
      await alice.post(`/api/v1/channels/${general}/messages`, { body: 'The deployment of release 7 is done' });
      await bob.post(`/api/v1/channels/${general}/messages`, { body: 'deployment notes are in the wiki' });
      await alice.post(`/api/v1/channels/${secret}/messages`, { body: 'secret deployment plan' });
      await alice.post(`/api/v1/channels/${general}/messages`, { body: '明日は東京で会議です' });
    });
    after(() => server.close());

    it('finds words and partial words with a plain-text snippet and highlight offsets', async () => {
      const res = await search(bob, 'q=ploy');
      assert.equal(res.status, 200);
      assert.deepEqual(bodies(res), ['The deployment of release 7 is done', 'deployment notes are in the wiki']);
      for (const hit of res.body.hits) {
        const [start, end] = hit.highlights[0];
        assert.equal(hit.snippet.slice(start, end).toLowerCase(), 'ploy');
      }
    });

    it('finds Japanese text without spaces', async () => {
      assert.deepEqual(bodies(await search(bob, `q=${encodeURIComponent('東京')}`)), ['明日は東京で会議です']);
    });

    it('never shows a private channel to a non-member, but does to its member', async () => {
      assert.ok(!bodies(await search(bob, 'q=deployment')).includes('secret deployment plan'));
      assert.ok(bodies(await search(alice, 'q=deployment')).includes('secret deployment plan'));
      const foreign = await search(bob, `q=deployment&channelId=${secret}`);
      assert.equal(foreign.status, 404, 'a channel filter on an invisible channel is a 404');
    });

    it('filters by author, channel and date, and pages with a cursor', async () => {
      assert.deepEqual(bodies(await search(alice, `q=deployment&fromUserId=${bobId}`)), ['deployment notes are in the wiki']);
      assert.equal((await search(alice, `q=deployment&channelId=${general}`)).body.hits.length, 2);
      assert.equal((await search(alice, `q=deployment&before=${encodeURIComponent('2000-01-01T00:00:00Z')}`)).body.hits.length, 0);
      assert.equal((await search(alice, 'q=deployment&hasFile=true')).body.hits.length, 0);
      const first = await search(alice, 'q=deployment&limit=2');
      assert.equal(first.body.hits.length, 2);
      assert.ok(first.body.nextCursor);
      const second = await search(alice, `q=deployment&limit=2&cursor=${first.body.nextCursor}`);
      assert.equal(second.body.hits.length, 1);
      assert.equal(second.body.nextCursor, null);
      const seen = [...first.body.hits, ...second.body.hits].map((h: { message: { id: string } }) => h.message.id);
      assert.equal(new Set(seen).size, 3);
    });

    it('is a 404 for a workspace one is not in, and a 400 for a bad cursor or an empty query', async () => {
      const stranger = new TestClient(server.url);
      await registerNewUser(stranger);
      assert.equal((await search(stranger, 'q=deployment')).status, 404);
      assert.equal((await search(alice, 'q=deployment&cursor=nonsense')).status, 400);
      assert.equal((await search(alice, 'q=')).status, 400);
      assert.equal((await search(alice, 'q=%20%20')).status, 400);
    });

    it('stops finding a deleted message at once', async () => {
      const sent = await alice.post(`/api/v1/channels/${general}/messages`, { body: 'ephemeralword here' });
      assert.equal((await search(alice, 'q=ephemeralword')).body.hits.length, 1);
      await alice.delete(`/api/v1/messages/${sent.body.id}`);
      assert.equal((await search(alice, 'q=ephemeralword')).body.hits.length, 0);
    });
  });
}

describe('OpenAPI', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('serves an OpenAPI 3.1 document generated from the route schemas, and a docs page', async () => {
    const client = new TestClient(server.url);
    const doc = await client.get('/api/openapi.json');
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.1.0');
    for (const path of ['/api/v1/auth/login', '/api/v1/workspaces/{workspaceId}/channels', '/api/v1/channels/{channelId}/messages', '/api/v1/channels/{channelId}/events']) {
      assert.ok(doc.body.paths[path], `${path} documented`);
    }
    const send = doc.body.paths['/api/v1/channels/{channelId}/messages'].post;
    assert.ok(send.requestBody.content['application/json'].schema.properties.clientMessageId);
    const docs = await client.get('/api/docs/');
    assert.equal(docs.status, 200);
    assert.match(docs.text, /swagger/i);
  });
});
