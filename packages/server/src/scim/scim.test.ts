import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DATABASES, startTestServer, type TestServer } from '../testing/testServer.js';
import { TestClient, type TestResponse } from '../testing/httpClient.js';
import { createWorkspace, setUpTeam, signUp, type Team } from '../http/routes/messages/fixtures.js';
import { TestSocket } from '../realtime/testSocket.js';
import { createToken } from '../actions/apiTokens.js';
import { usernameCandidates } from './users.js';
import { parseEqFilter } from './filter.js';
import { ConflictError } from '../storage/errors.js';

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** An identity provider: `Authorization: Bearer <token>`, SCIM bodies as `application/scim+json`, no cookies. */
class ScimClient extends TestClient {
  constructor(url: string, private readonly token: string | undefined) {
    super(url);
  }

  override request<T = any>(method: string, path: string, options: Parameters<TestClient['request']>[2] = {}) {
    const headers: Record<string, string> = { ...(options.body !== undefined ? { 'content-type': 'application/scim+json' } : {}), ...options.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    return super.request<T>(method, path, { browser: false, ...options, headers });
  }

  put<T = any>(path: string, body?: unknown) {
    return this.request<T>('PUT', path, { body });
  }
  patch<T = any>(path: string, body?: unknown) {
    return this.request<T>('PATCH', path, { body });
  }
}

function assertScimError(res: TestResponse, status: number, scimType?: string): void {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get('content-type') ?? '', /^application\/scim\+json/, res.text);
  assert.deepEqual(res.body.schemas, [ERROR], res.text);
  assert.equal(res.body.status, String(status));
  assert.equal(typeof res.body.detail, 'string');
  if (scimType) assert.equal(res.body.scimType, scimType, res.text);
  else assert.equal('scimType' in res.body, false, res.text);
}

function assertScim(res: TestResponse, status: number): any {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get('content-type') ?? '', /^application\/scim\+json/);
  return res.body;
}

const filter = (expression: string) => `?filter=${encodeURIComponent(expression)}`;

describe('SCIM helpers', () => {
  it('derives valid RelayDesk usernames from SCIM userNames, deterministically', () => {
    assert.deepEqual(usernameCandidates('Jane.Doe@Example.com').slice(0, 1), ['jane_doe']);
    assert.equal(usernameCandidates('jane.doe@example.com')[1], usernameCandidates('JANE.DOE@example.com')[1]);
    for (const name of ['a@x.io', 'ü@x.io', 'x'.repeat(80) + '@x.io', 'plain']) {
      for (const candidate of usernameCandidates(name)) assert.match(candidate, /^[a-z0-9_]{3,30}$/, candidate);
    }
    assert.equal(new Set(usernameCandidates('jane@example.com')).size, usernameCandidates('jane@example.com').length);
  });

  it('parses eq filters only', () => {
    assert.deepEqual(parseEqFilter('userName eq "a\\"b"', ['userName']), { attribute: 'userName', value: 'a"b' });
    assert.deepEqual(parseEqFilter('USERNAME EQ "x"', ['userName']), { attribute: 'userName', value: 'x' });
    assert.deepEqual(parseEqFilter('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"', ['userName']), { attribute: 'userName', value: 'x' });
    for (const bad of ['userName co "x"', 'userName eq "x" and active eq true', 'active eq true', 'userName eq x', 'title eq "x"', '']) {
      assert.throws(() => parseEqFilter(bad, ['userName', 'externalId']), (err: { scimType?: string }) => err.scimType === 'invalidFilter', bad);
    }
  });
});

for (const database of DATABASES) {
  describe(`SCIM 2.0 provisioning (${database})`, () => {
    let server: TestServer;
    let team: Team;
    let idp: ScimClient;

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 0);
      const minted = await team.owner.client.post('/api/v1/me/tokens', { name: 'Okta', scopes: ['scim'] });
      assert.equal(minted.status, 201, minted.text);
      idp = new ScimClient(server.url, minted.body.token as string);
    });
    after(() => server.close());

    const provision = async (userName: string, extra: Record<string, unknown> = {}) =>
      assertScim(await idp.post('/scim/v2/Users', { schemas: [USER], userName, name: { givenName: 'Jane', familyName: 'Doe' }, emails: [{ value: userName.includes('@') ? userName : `${userName}@example.com`, primary: true }], active: true, ...extra }), 201);

    /** The provisioned user's own personal token (they have no password: minted directly, as SSO would sign them in). */
    const tokenOf = async (userId: string) => (await createToken(server.ctx, userId, userId, 'personal', { name: 'sso', scopes: ['read', 'write'] }, null)).token;
    const asUser = (token: string) => new ScimClient(server.url, token);

    it('the Okta flow: lookup, create, find, deactivate (sockets closed, tokens refused, login refused), reactivate', async () => {
      const userName = `jane.${randomUUID().slice(0, 6)}@example.com`;
      const empty = assertScim(await idp.get(`/scim/v2/Users${filter(`userName eq "${userName}"`)}`), 200);
      assert.deepEqual(empty, { schemas: [LIST], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });

      const created = await provision(userName, { externalId: `okta-${randomUUID()}` });
      assert.deepEqual(created.schemas, [USER]);
      assert.equal(created.userName, userName);
      assert.equal(created.active, true);
      assert.equal(created.displayName, 'Jane Doe');
      assert.deepEqual(created.emails, [{ value: userName, type: 'work', primary: true }]);
      assert.equal(created.meta.resourceType, 'User');
      assert.equal(created.meta.location, `${server.config.publicUrl}/scim/v2/Users/${created.id}`);
      assert.ok(Date.parse(created.meta.created) && Date.parse(created.meta.lastModified));
      const handle = created['urn:relaydesk:params:scim:schemas:extension:2.0:User'].username as string;
      assert.match(handle, /^jane_[a-z0-9]{6}$/);

      // Case-insensitive userName lookup, as Okta does before creating.
      const found = assertScim(await idp.get(`/scim/v2/Users${filter(`userName eq "${userName.toUpperCase()}"`)}`), 200);
      assert.equal(found.totalResults, 1);
      assert.equal(found.Resources[0].id, created.id);
      assert.deepEqual(assertScim(await idp.get(`/scim/v2/Users/${created.id}`), 200), created);

      // A member of the token's workspace, seen by its admin.
      const members = await team.owner.client.get(`/api/v1/workspaces/${team.workspaceId}/members`);
      assert.ok((members.body.members as { userId: string }[]).some((m) => m.userId === created.id), 'a member of the workspace');

      const token = await tokenOf(created.id);
      const me = asUser(token);
      assert.equal((await me.get('/api/v1/auth/me')).status, 200);
      const ticket = await me.post('/api/v1/auth/ws-ticket');
      assert.equal(ticket.status, 200, ticket.text);
      const socket = new TestSocket(server.url, ticket.body.ticket as string);
      await socket.next('ready');

      const deactivated = assertScim(await idp.patch(`/scim/v2/Users/${created.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] }), 200);
      assert.equal(deactivated.active, false);
      assert.equal((await socket.waitForClose()).code, 4004, 'the live connection is closed');
      assert.equal((await me.get('/api/v1/auth/me')).status, 401, 'their tokens are refused');
      assert.equal(assertScim(await idp.get(`/scim/v2/Users/${created.id}`), 200).active, false);
      const login = await new TestClient(server.url).post('/api/v1/auth/login', { username: handle, password: '!scim' });
      assert.equal(login.status, 401);
      assert.equal(login.body.error.code, 'INVALID_CREDENTIALS');
      // A token minted while deactivated is refused too.
      assert.equal((await asUser(await tokenOf(created.id)).get('/api/v1/auth/me')).status, 401);

      const reactivated = assertScim(await idp.patch(`/scim/v2/Users/${created.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: true } }] }), 200);
      assert.equal(reactivated.active, true);
      assert.equal((await asUser(await tokenOf(created.id)).get('/api/v1/auth/me')).status, 200, 'a new sign-in works again');
      assert.equal((await me.get('/api/v1/auth/me')).status, 401, 'revoked tokens stay revoked');

      // Audited like any integration's change: who (the admin, through which token), what, on whom.
      const audit = await team.owner.client.get(`/api/v1/workspaces/${team.workspaceId}/audit-log?limit=200`);
      assert.equal(audit.status, 200, audit.text);
      const entries = (audit.body.entries as { action: string; target: string | null; actorUserId: string; tokenId: string | null }[]).filter((e) => e.target === created.id);
      assert.deepEqual(entries.map((e) => e.action).reverse(), ['scim.user_created', 'scim.user_patched', 'scim.user_patched']);
      assert.ok(entries.every((e) => e.actorUserId === team.owner.user.id && e.tokenId));
    });

    it('the Entra flow: externalId filter, capitalized ops, string booleans, paths', async () => {
      const externalId = randomUUID();
      const userName = `entra.${randomUUID().slice(0, 6)}@contoso.com`;
      assert.equal(assertScim(await idp.get(`/scim/v2/Users${filter(`externalId eq "${externalId}"`)}`), 200).totalResults, 0);
      const created = await provision(userName, { externalId, active: 'True' });
      const byExternal = assertScim(await idp.get(`/scim/v2/Users${filter(`externalId eq "${externalId}"`)}`), 200);
      assert.deepEqual(byExternal.Resources.map((r: { id: string }) => r.id), [created.id]);
      // externalId is case-exact.
      assert.equal(assertScim(await idp.get(`/scim/v2/Users${filter(`externalId eq "${externalId.toUpperCase()}"`)}`), 200).totalResults, 0);

      const token = await tokenOf(created.id);
      const patched = assertScim(
        await idp.patch(`/scim/v2/Users/${created.id}`, {
          schemas: [PATCH],
          Operations: [
            { op: 'Replace', path: 'displayName', value: 'Entra Person' },
            { op: 'Replace', path: 'emails[type eq "work"].value', value: `new.${userName}` },
            { op: 'Add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', value: 'ignored' },
            { op: 'Replace', path: 'active', value: 'False' },
          ],
        }),
        200,
      );
      assert.equal(patched.active, false);
      assert.equal(patched.displayName, 'Entra Person');
      assert.equal(patched.emails[0].value, `new.${userName}`);
      assert.equal((await asUser(token).get('/api/v1/auth/me')).status, 401);
      const back = assertScim(await idp.patch(`/scim/v2/Users/${created.id}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'True' }] }), 200);
      assert.equal(back.active, true);
      assertScimError(await idp.patch(`/scim/v2/Users/${created.id}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'maybe' }] }), 400, 'invalidValue');
      assertScimError(await idp.patch(`/scim/v2/Users/${created.id}`, { schemas: [PATCH], Operations: [{ op: 'Frobnicate', path: 'active', value: true }] }), 400, 'invalidSyntax');
      assertScimError(await idp.patch(`/scim/v2/Users/${created.id}`, { schemas: [PATCH], Operations: [] }), 400, 'invalidSyntax');
    });

    it('PUT replaces the resource (and can deactivate); the handle stays', async () => {
      const created = await provision(`put.${randomUUID().slice(0, 6)}@example.com`, { externalId: 'before' });
      const token = await tokenOf(created.id);
      const renamed = `renamed.${randomUUID().slice(0, 6)}@example.com`;
      const replaced = assertScim(await idp.put(`/scim/v2/Users/${created.id}`, { schemas: [USER], userName: renamed, displayName: 'Renamed Person', active: false }), 200);
      assert.equal(replaced.userName, renamed);
      assert.equal(replaced.displayName, 'Renamed Person');
      assert.equal(replaced.active, false);
      assert.equal('externalId' in replaced, false, 'replaced, not merged: externalId is gone');
      assert.equal('emails' in replaced, false);
      assert.equal(replaced['urn:relaydesk:params:scim:schemas:extension:2.0:User'].username, created['urn:relaydesk:params:scim:schemas:extension:2.0:User'].username);
      assert.equal((await asUser(token).get('/api/v1/auth/me')).status, 401);
      assert.equal(assertScim(await idp.get(`/scim/v2/Users${filter(`userName eq "${renamed}"`)}`), 200).totalResults, 1);
      assertScimError(await idp.put(`/scim/v2/Users/${created.id}`, { schemas: [USER], displayName: 'no userName' }), 400, 'invalidValue');
    });

    it('DELETE deactivates, removes from the workspace, and the id is gone', async () => {
      const created = await provision(`gone.${randomUUID().slice(0, 6)}@example.com`);
      const token = await tokenOf(created.id);
      const res = await idp.delete(`/scim/v2/Users/${created.id}`);
      assert.equal(res.status, 204, res.text);
      assertScimError(await idp.get(`/scim/v2/Users/${created.id}`), 404);
      assertScimError(await idp.delete(`/scim/v2/Users/${created.id}`), 404);
      assert.equal((await asUser(token).get('/api/v1/auth/me')).status, 401);
      const members = await team.owner.client.get(`/api/v1/workspaces/${team.workspaceId}/members`);
      assert.equal((members.body.members as { userId: string }[]).some((m) => m.userId === created.id), false);
      // The userName is free again.
      await provision(created.userName as string);
    });

    it('pagination: startIndex and count over the workspace users, oldest first', async () => {
      const fresh = await setUpTeam(server, 0);
      const minted = await fresh.owner.client.post('/api/v1/me/tokens', { name: 'pages', scopes: ['scim'] });
      const other = new ScimClient(server.url, minted.body.token as string);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(assertScim(await other.post('/scim/v2/Users', { userName: `page${i}.${randomUUID().slice(0, 6)}@example.com` }), 201).id);
      }
      const first = assertScim(await other.get('/scim/v2/Users?startIndex=1&count=2'), 200);
      assert.equal(first.totalResults, 5);
      assert.equal(first.startIndex, 1);
      assert.equal(first.itemsPerPage, 2);
      const second = assertScim(await other.get('/scim/v2/Users?startIndex=3&count=2'), 200);
      const third = assertScim(await other.get('/scim/v2/Users?startIndex=5&count=2'), 200);
      assert.deepEqual([...first.Resources, ...second.Resources, ...third.Resources].map((r: { id: string }) => r.id), ids);
      assert.equal(third.itemsPerPage, 1);
      assert.equal(assertScim(await other.get('/scim/v2/Users?count=0'), 200).Resources.length, 0);
      assert.equal(assertScim(await other.get('/scim/v2/Users'), 200).totalResults, 5, "only this workspace's users");
      // Another tenant's user is a 404 here.
      assertScimError(await idp.get(`/scim/v2/Users/${ids[0]}`), 404);
      assertScimError(await other.get('/scim/v2/Users?startIndex=abc'), 400, 'invalidValue');
    });

    it('Groups: a private channel of exactly its members; PATCH adds and removes (Okta and Entra shapes); DELETE archives', async () => {
      const a = await provision(`ga.${randomUUID().slice(0, 6)}@example.com`);
      const b = await provision(`gb.${randomUUID().slice(0, 6)}@example.com`);
      const c = await provision(`gc.${randomUUID().slice(0, 6)}@example.com`);
      const displayName = `Engineering ${randomUUID().slice(0, 4)}`;
      const group = assertScim(await idp.post('/scim/v2/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName, members: [{ value: a.id }, { value: b.id }] }), 201);
      assert.equal(group.displayName, displayName);
      assert.equal(group.meta.resourceType, 'Group');
      assert.deepEqual(group.members.map((m: { value: string }) => m.value).sort(), [a.id, b.id].sort());

      // Through the REST API, as a member: a private channel with exactly those members.
      const asA = asUser(await tokenOf(a.id));
      const channel = await asA.get(`/api/v1/channels/${group.id}`);
      assert.equal(channel.status, 200, channel.text);
      assert.equal(channel.body.kind, 'private');
      assert.equal(channel.body.name, displayName);
      const memberIds = async () => ((await asA.get(`/api/v1/channels/${group.id}/members`)).body.members as { userId: string }[]).map((m) => m.userId).sort();
      assert.deepEqual(await memberIds(), [a.id, b.id].sort());
      // Not visible to a workspace member outside it (the admin included: it is private).
      assert.equal((await team.owner.client.get(`/api/v1/channels/${group.id}`)).status, 404);

      assertScim(await idp.patch(`/scim/v2/Groups/${group.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: c.id }] }] }), 200);
      assert.deepEqual(await memberIds(), [a.id, b.id, c.id].sort());
      assertScim(await idp.patch(`/scim/v2/Groups/${group.id}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${b.id}"]` }] }), 200);
      assert.deepEqual(await memberIds(), [a.id, c.id].sort());
      // Entra: capitalized op, members listed in the value.
      const entra = assertScim(await idp.patch(`/scim/v2/Groups/${group.id}`, { schemas: [PATCH], Operations: [{ op: 'Remove', path: 'members', value: [{ value: c.id }] }] }), 200);
      assert.deepEqual(entra.members.map((m: { value: string }) => m.value), [a.id]);
      assert.deepEqual(await memberIds(), [a.id]);

      // Okta's rename: no path, the id repeated in the value.
      const renamed = assertScim(await idp.patch(`/scim/v2/Groups/${group.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { id: group.id, displayName: `${displayName} 2` } }] }), 200);
      assert.equal(renamed.displayName, `${displayName} 2`);
      assert.equal((await asA.get(`/api/v1/channels/${group.id}`)).body.name, `${displayName} 2`);
      assertScim(await idp.patch(`/scim/v2/Groups/${group.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: displayName }] }), 200);
      assertScimError(await idp.patch(`/scim/v2/Groups/${group.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'owner', value: 'x' }] }), 400, 'invalidPath');
      const found = assertScim(await idp.get(`/scim/v2/Groups${filter(`displayName eq "${displayName}"`)}`), 200);
      assert.deepEqual(found.Resources.map((g: { id: string }) => g.id), [group.id]);
      assert.deepEqual(assertScim(await idp.get(`/scim/v2/Groups/${group.id}`), 200).members.map((m: { value: string }) => m.value), [a.id]);

      const replaced = assertScim(await idp.put(`/scim/v2/Groups/${group.id}`, { displayName: `${displayName} renamed`, members: [{ value: b.id }] }), 200);
      assert.equal(replaced.displayName, `${displayName} renamed`);
      assert.deepEqual(replaced.members.map((m: { value: string }) => m.value), [b.id]);
      assert.equal((await asA.get(`/api/v1/channels/${group.id}`)).status, 404, 'a removed member no longer sees it');

      assertScimError(await idp.post('/scim/v2/Groups', { displayName: 'Bad members', members: [{ value: team.owner.user.id }] }), 400, 'invalidValue');
      assertScimError(await idp.post('/scim/v2/Groups', { displayName: `${displayName} renamed` }), 409, 'uniqueness');

      assert.equal((await idp.delete(`/scim/v2/Groups/${group.id}`)).status, 204);
      assertScimError(await idp.get(`/scim/v2/Groups/${group.id}`), 404);
      const asB = asUser(await tokenOf(b.id));
      const archived = await asB.get(`/api/v1/channels/${group.id}`);
      assert.equal(archived.status, 200, archived.text);
      assert.equal(archived.body.archived, true, 'the channel is archived, its history kept');
    });

    it('errors: 401 without a token, 403 without the scim scope or admin role, 400 invalidFilter, 404, 409 uniqueness — all in the SCIM schema', async () => {
      const anonymous = await new ScimClient(server.url, undefined).get('/scim/v2/Users');
      assertScimError(anonymous, 401);
      assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="scim"');
      assertScimError(await new ScimClient(server.url, 'rdp_' + 'a'.repeat(36)).get('/scim/v2/Users'), 401);
      assertScimError(await new ScimClient(server.url, undefined).get('/scim/v2/Users', { headers: { authorization: 'Basic eDp5' } }), 401);
      const readOnly = await team.owner.client.post('/api/v1/me/tokens', { name: 'read', scopes: ['read', 'write', 'admin'] });
      assertScimError(await new ScimClient(server.url, readOnly.body.token as string).get('/scim/v2/Users'), 403);
      // A signed-in browser session is not an identity provider.
      const cookie = await team.owner.client.get('/scim/v2/Users');
      assertScimError(cookie, 403);
      // A plain member's scim token: they administer no workspace.
      const member = await signUp(server);
      const invite = await team.owner.client.post(`/api/v1/workspaces/${team.workspaceId}/invites`, {});
      assert.equal((await member.client.post('/api/v1/invites/accept', { code: invite.body.code })).status, 200);
      const memberToken = await member.client.post('/api/v1/me/tokens', { name: 'scim', scopes: ['scim'] });
      assertScimError(await new ScimClient(server.url, memberToken.body.token as string).get('/scim/v2/Users'), 403);

      assertScimError(await idp.get(`/scim/v2/Users${filter('userName co "jane"')}`), 400, 'invalidFilter');
      assertScimError(await idp.get(`/scim/v2/Users${filter('title eq "x"')}`), 400, 'invalidFilter');
      assertScimError(await idp.get(`/scim/v2/Users/${randomUUID()}`), 404);
      assertScimError(await idp.patch(`/scim/v2/Users/${randomUUID()}`, { Operations: [{ op: 'replace', value: { active: false } }] }), 404);
      assertScimError(await idp.get(`/scim/v2/Groups/${randomUUID()}`), 404);
      assertScimError(await idp.get('/scim/v2/Nothing'), 404);
      // A person who is a member but not provisioned is not a SCIM user.
      assertScimError(await idp.get(`/scim/v2/Users/${member.user.id}`), 404);

      const userName = `dup.${randomUUID().slice(0, 6)}@example.com`;
      await provision(userName, { externalId: `dup-${userName}` });
      assertScimError(await idp.post('/scim/v2/Users', { userName: userName.toUpperCase() }), 409, 'uniqueness');
      assertScimError(await idp.post('/scim/v2/Users', { userName: `other-${userName}`, externalId: `dup-${userName}` }), 409, 'uniqueness');
      assertScimError(await idp.post('/scim/v2/Users', { displayName: 'no userName' }), 400, 'invalidValue');
      assertScimError(await idp.post('/scim/v2/Users', undefined, { raw: '{not json', headers: { 'content-type': 'application/scim+json' } }), 400, 'invalidSyntax');
      assertScimError(await idp.post('/scim/v2/Users', undefined, { raw: 'x', headers: { 'content-type': 'text/plain' } }), 415);
      // A same-named colleague gets a different handle.
      const twin = await provision(userName.replace('@example.com', '@other.example'));
      assert.notEqual(twin['urn:relaydesk:params:scim:schemas:extension:2.0:User'].username, userName.split('@')[0]!.replace(/\./g, '_'));
    });

    it('a user administering several workspaces names one in the path', async () => {
      const admin = await signUp(server);
      const first = await createWorkspace(admin, 'First');
      const second = await createWorkspace(admin, 'Second');
      const minted = await admin.client.post('/api/v1/me/tokens', { name: 'scim', scopes: ['scim'] });
      const client = new ScimClient(server.url, minted.body.token as string);
      assertScimError(await client.get('/scim/v2/Users'), 403);
      const created = assertScim(await client.post(`/scim/v2/workspaces/${second.workspaceId}/Users`, { userName: `multi.${randomUUID().slice(0, 6)}@example.com` }), 201);
      assert.equal(created.meta.location, `${server.config.publicUrl}/scim/v2/workspaces/${second.workspaceId}/Users/${created.id}`);
      assert.equal(assertScim(await client.get(`/scim/v2/workspaces/${second.workspaceId}/Users`), 200).totalResults, 1);
      assert.equal(assertScim(await client.get(`/scim/v2/workspaces/${first.workspaceId}/Users`), 200).totalResults, 0);
      assertScimError(await client.get(`/scim/v2/workspaces/${team.workspaceId}/Users`), 403);
      const members = await admin.client.get(`/api/v1/workspaces/${second.workspaceId}/members`);
      assert.ok((members.body.members as { userId: string }[]).some((m) => m.userId === created.id));
    });

    it('storage: SCIM userName (any case) and externalId are unique per workspace, and named in the ConflictError', async () => {
      const users = server.ctx.storage.users;
      const base = { displayName: 'x', passwordHash: '!scim', createdAt: Date.now(), scimWorkspaceId: team.workspaceId };
      const tag = randomUUID().slice(0, 8);
      await users.create({ ...base, id: randomUUID(), username: `st_a_${tag}`, email: `a-${tag}@x.invalid`, scimUserName: `Same-${tag}`, externalId: `ext-${tag}` });
      await assert.rejects(
        users.create({ ...base, id: randomUUID(), username: `st_b_${tag}`, email: `b-${tag}@x.invalid`, scimUserName: `SAME-${tag}`, externalId: null }),
        (err) => err instanceof ConflictError && err.field === 'scim_user_name',
      );
      await assert.rejects(
        users.create({ ...base, id: randomUUID(), username: `st_c_${tag}`, email: `c-${tag}@x.invalid`, scimUserName: `other-${tag}`, externalId: `ext-${tag}` }),
        (err) => err instanceof ConflictError && err.field === 'external_id',
      );
      // Another workspace may use both.
      const elsewhere = await setUpTeam(server, 0);
      await users.create({ ...base, scimWorkspaceId: elsewhere.workspaceId, id: randomUUID(), username: `st_d_${tag}`, email: `d-${tag}@x.invalid`, scimUserName: `Same-${tag}`, externalId: `ext-${tag}` });
    });

    it('hostile bodies and queries: always a SCIM 4xx, never a 5xx, nothing created', async () => {
      const target = await provision(`fuzz.${randomUUID().slice(0, 6)}@example.com`);
      const before = assertScim(await idp.get('/scim/v2/Users?count=0'), 200).totalResults as number;
      const values: unknown[] = [null, 0, -1, 1e308, true, 'x'.repeat(5000), '', [], [[]], {}, { value: null }, [{ value: 7 }], 'True\u0000', '\u202e', { __proto__: { active: false } }];
      const bodies: unknown[] = [null, 1, 'text', [], {}, { Operations: 'x' }, { Operations: [null] }, { Operations: [{ op: 'replace', path: 'a[b', value: 1 }] }];
      for (const v of values) {
        bodies.push({ userName: v }, { userName: 'ok', emails: v }, { userName: 'ok', active: v }, { userName: 'ok', externalId: v }, { displayName: v, members: v });
        bodies.push({ Operations: [{ op: 'replace', path: 'active', value: v }] }, { Operations: [{ op: 'add', path: 'emails', value: v }] }, { Operations: [{ op: 'replace', value: v }] });
      }
      for (const body of bodies) {
        for (const [method, path] of [
          ['POST', '/scim/v2/Users'],
          ['PATCH', `/scim/v2/Users/${target.id}`],
          ['PUT', `/scim/v2/Users/${target.id}`],
          ['POST', '/scim/v2/Groups'],
        ] as const) {
          const res = await idp.request(method, path, { body });
          assert.ok(res.status < 500, `${method} ${path} ${JSON.stringify(body)?.slice(0, 100)}: ${res.status} ${res.text}`);
          if (res.status >= 400) assertScimError(res, res.status, res.body.scimType);
        }
      }
      for (const q of ['filter=', 'filter=%22', 'filter=userName%20eq%20%22a%5C%22', 'count=-5', 'startIndex=0', 'count=99999999999', 'filter=a&filter=b', 'startIndex=1e3']) {
        const res = await idp.get(`/scim/v2/Users?${q}`);
        assert.ok(res.status < 500 && /scim\+json/.test(res.headers.get('content-type') ?? ''), `${q}: ${res.status} ${res.text}`);
      }
      // Whatever got through validation was a well-formed user (userName 'ok' once, then 409s).
      assert.ok(assertScim(await idp.get('/scim/v2/Users?count=0'), 200).totalResults - before <= 1);
    });

    it('discovery: ServiceProviderConfig, Schemas, ResourceTypes', async () => {
      const config = assertScim(await idp.get('/scim/v2/ServiceProviderConfig'), 200);
      assert.equal(config.patch.supported, true);
      assert.deepEqual(config.filter, { supported: true, maxResults: 200 });
      for (const off of ['bulk', 'sort', 'etag', 'changePassword']) assert.equal(config[off].supported, false, off);
      assert.equal(config.authenticationSchemes[0].type, 'oauthbearertoken');
      const types = assertScim(await idp.get('/scim/v2/ResourceTypes'), 200);
      assert.deepEqual(types.Resources.map((r: { endpoint: string }) => r.endpoint), ['/Users', '/Groups']);
      const schemas = assertScim(await idp.get('/scim/v2/Schemas'), 200);
      assert.deepEqual(schemas.Resources.map((s: { id: string }) => s.id), [USER, 'urn:ietf:params:scim:schemas:core:2.0:Group']);
      assert.equal(assertScim(await idp.get(`/scim/v2/Schemas/${USER}`), 200).name, 'User');
    });
  });
}
