import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../testing/testServer.js';
import { TestClient, type RequestOptions } from '../testing/httpClient.js';
import {
  assertProductError,
  buildWorld,
  fill,
  isPublic,
  pathParams,
  readOperations,
  StateSnapshot,
  textFile,
  type Actor,
  type Operation,
  type World,
} from '../testing/apiWorld.js';

/**
 * Every operation of the API document × every kind of caller who must be refused: anonymous,
 * another tenant, a non-member of the channel, a plain member on admin operations, a user the
 * target has blocked. Each cell checks the status and the error format, and that no stored row
 * changed. Forbidden looks like not found wherever the caller may not see the resource (404);
 * a visible resource the caller may not change is 403.
 */

type Kind = 'anonymous' | 'tenant' | 'nonMember' | 'plainMember' | 'blocked';

/** Valid inputs, so that authorization is what refuses the request and not validation. */
function inputOf(operationId: string, w: World): RequestOptions & { query?: string } {
  const bodies: Record<string, unknown> = {
    register: { email: 'new@example.com', username: 'newcomer', password: 'password123' },
    login: { username: 'nobody', password: 'password123' },
    issueTokens: { username: 'nobody', password: 'password123' },
    changePassword: { currentPassword: 'password123', newPassword: 'password456' },
    createWorkspace: { name: 'Another' },
    renameWorkspace: { name: 'Renamed' },
    changeMemberRole: { role: 'admin' },
    createInvite: { maxUses: 1 },
    acceptInvite: { code: w.inviteCode },
    createChannel: { name: 'fresh', kind: 'public' },
    openConversation: { userIds: [w.owner.id] },
    updateChannel: { topic: 'changed' },
    addChannelMember: { userId: w.member.id },
    sendMessage: { body: 'intruder' },
    editMessage: { body: 'edited by an intruder' },
    markRead: { seq: 1 },
    createToken: { name: 'intruder', scopes: ['read'] },
    createBot: { username: 'intruder_bot' },
    createBotToken: { name: 'intruder', scopes: ['read'] },
    createIncomingHook: { name: 'intruder' },
    createOutgoingHook: { name: 'intruder', url: 'https://hooks.invalid/x' },
    publishAppEvent: { topic: 'checkins', type: 'intruder', data: {} },
    setPassword: { token: 'not-a-link', password: 'password123' },
  };
  const queries: Record<string, string> = { searchMessages: '?q=hello', listChannelEvents: '?after=0', listAppEvents: '?topic=checkins' };
  if (operationId === 'uploadFile') return { form: textFile('intruder') };
  return { ...(operationId in bodies ? { body: bodies[operationId] } : {}), query: queries[operationId] ?? '' };
}

/** The resources a refused caller aims at: those of tenant A they may not see. */
const hidden = (w: World, channel: 'private' | 'dm') => ({
  workspaceId: w.workspaceA,
  channelId: channel === 'private' ? w.privateChannel : w.dm,
  messageId: channel === 'private' ? w.privateMessage : w.dmMessage,
  fileId: channel === 'private' ? w.privateFile : w.dmFile,
  userId: w.friend.id,
  inviteId: w.inviteId,
  id: w.ownerSessionId,
  tokenId: w.ownerTokenId,
  botId: w.botId,
  hookId: w.hookId,
  deliveryId: 'msg_no_such_delivery',
  emoji: '👍',
});

/** Admin-only operations on resources a plain member can see: 403 FORBIDDEN. */
const ADMIN_OPERATIONS = [
  'renameWorkspace',
  'getWorkspaceStats',
  'changeMemberRole',
  'removeWorkspaceMember',
  'createInvite',
  'listInvites',
  'revokeInvite',
  'archiveChannel',
  'unarchiveChannel',
  'removeChannelMember',
  'editMessage',
  'deleteMessage',
  'createBot',
  'listBots',
  'createBotToken',
  'listBotTokens',
  'revokeBotToken',
  'createIncomingHook',
  'listIncomingHooks',
  'rotateIncomingHook',
  'deleteIncomingHook',
  'createOutgoingHook',
  'listOutgoingHooks',
  'deleteOutgoingHook',
  'listDeliveries',
  'redeliver',
  'publishAppEvent',
  'readAuditLog',
  'issuePasswordLink',
];

/** What a blocked user may no longer do towards the blocker (policies/blocks.ts: sends, edits, reactions, pins, typing, new conversations). */
const BLOCKED_OPERATIONS: Record<string, number> = {
  sendMessage: 403,
  editMessage: 403,
  addReaction: 403,
  pinMessage: 403,
  startTyping: 403,
  openConversation: 403,
  uploadFile: 403,
};

/** The cells the matrix does not drive, each with its reason (the test fails if this list goes stale). */
const NOT_DRIVEN: Record<string, string> = {
  'tenant:*': 'operations without a path id act on the caller\u2019s own account or data only (own workspaces, sessions, unreads, blocks, stream): nothing of another tenant to reach',
  'tenant:acceptInvite': 'an invite code is the one way into another workspace: accepting it is the point',
  'tenant:unblockUser': 'answers 204 for any id and changes only the caller\u2019s own list (blockRules.test.ts): nothing of tenant A to reach',
  'nonMember:*': 'workspace-level and account operations: a member of workspace A may use them; the non-member cells aim at the private channel and the DM',
  'plainMember:*': 'not an admin operation: a plain member may use it',
  'blocked:*': 'not aimed at the blocker: only DM and user-targeted operations are cells of the blocked user',
  'anonymous:*': 'public by design (sign-up, sign-in, refresh, logout, probes, an incoming webhook authenticated by the secret in its URL, a set-password link authenticated by its token): there is no one to refuse',
};

interface Cell {
  kind: Kind;
  operation: Operation;
  caller: Actor | undefined;
  target: Record<string, string>;
  expected: number;
  label: string;
}

function cellsOf(kind: Kind, o: Operation, w: World): Cell[] | string {
  const params = pathParams(o);
  const id = o.operationId;
  const cell = (caller: Actor | undefined, target: Record<string, string>, expected: number, what: string): Cell => ({
    kind,
    operation: o,
    caller,
    target,
    expected,
    label: `${kind} ${o.method} ${o.path} (${id}) on ${what}`,
  });
  switch (kind) {
    case 'anonymous':
      return isPublic(o) ? 'anonymous:*' : [cell(undefined, hidden(w, 'private'), 401, 'the private channel')];
    case 'tenant':
      if (`tenant:${id}` in NOT_DRIVEN) return `tenant:${id}`;
      // Blocking someone of another tenant gets the 404 of an id that does not exist.
      if (id === 'blockUser') return [cell(w.outsider, { userId: w.owner.id }, 404, 'a user of tenant A')];
      if (params.length === 0 || isPublic(o)) return 'tenant:*';
      return [cell(w.outsider, hidden(w, 'private'), 404, 'tenant A'), cell(w.outsider, hidden(w, 'dm'), 404, 'a DM of tenant A')];
    case 'nonMember':
      if (!params.some((p) => ['channelId', 'messageId', 'fileId'].includes(p))) return 'nonMember:*';
      return [cell(w.member, hidden(w, 'private'), 404, 'the private channel'), cell(w.member, hidden(w, 'dm'), 404, 'a DM of others')];
    case 'plainMember':
      if (!ADMIN_OPERATIONS.includes(id)) return 'plainMember:*';
      return [
        cell(
          w.member,
          { workspaceId: w.workspaceA, channelId: w.publicChannel, messageId: w.publicMessage, userId: w.friend.id, inviteId: w.inviteId, botId: w.botId, tokenId: w.botTokenId, hookId: w.hookId, deliveryId: 'msg_no_such_delivery' },
          403,
          'resources of the workspace it can see',
        ),
      ];
    case 'blocked':
      if (`blocked:${id}` in NOT_DRIVEN) return `blocked:${id}`;
      if (!(id in BLOCKED_OPERATIONS)) return 'blocked:*';
      return [
        cell(
          w.blocked,
          { workspaceId: w.workspaceA, channelId: w.blockedDm, messageId: w.blockedMessage, userId: w.owner.id, emoji: '👍' },
          BLOCKED_OPERATIONS[id]!,
          'the DM with the blocker',
        ),
      ];
  }
}

describe('authorization matrix over the API document (sqlite)', () => {
  let server: TestServer;
  let world: World;
  let operations: Operation[];
  let state: StateSnapshot;
  const notDriven = new Map<string, string[]>();

  before(async () => {
    server = await startTestServer();
    world = await buildWorld(server);
    operations = await readOperations(server);
    state = new StateSnapshot(server);
  });
  after(async () => {
    state.close();
    await server.close();
  });

  it('refuses every cell with the right status and the product error, and changes nothing', async () => {
    const anonymous = new TestClient(server.url);
    const failures: string[] = [];
    let cells = 0;
    let baseline = state.take();
    for (const kind of ['anonymous', 'tenant', 'nonMember', 'plainMember', 'blocked'] as const) {
      for (const o of operations) {
        const planned = cellsOf(kind, o, world);
        if (typeof planned === 'string') {
          notDriven.set(planned, [...(notDriven.get(planned) ?? []), o.operationId]);
          continue;
        }
        for (const c of planned) {
          cells++;
          const { query, ...input } = inputOf(o.operationId, world);
          const client = c.caller?.client ?? anonymous;
          const res = await client.request(o.method, fill(o, c.target) + (query ?? ''), input);
          if (res.status !== c.expected) {
            failures.push(`${c.label}: expected ${c.expected}, got ${res.status} ${res.text.slice(0, 200)}`);
          } else {
            assertProductError(res, c.label);
          }
          const now = state.take();
          if (JSON.stringify(now) !== JSON.stringify(baseline)) {
            const changed = Object.keys(now).filter((t) => JSON.stringify(now[t]) !== JSON.stringify(baseline[t]));
            failures.push(`${c.label}: changed stored state in ${changed.join(', ')}`);
            baseline = now;
          }
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(cells >= 150, `only ${cells} cells`);
  });

  it('lists every cell it does not drive, with its reason', () => {
    assert.deepEqual([...notDriven.keys()].sort(), Object.keys(NOT_DRIVEN).sort());
    // The public operations are exactly the ones meant to be public.
    assert.deepEqual(notDriven.get('anonymous:*')!.sort(), ['getHealth', 'getMetrics', 'getReadiness', 'issueTokens', 'login', 'logout', 'postIncomingHook', 'refreshSession', 'register', 'setPassword'].sort());
  });

  it('sees a change when there is one (the snapshot is not blind)', async () => {
    const before = JSON.stringify(state.take());
    const res = await world.owner.client.post(`/api/v1/channels/${world.privateChannel}/messages`, { body: 'the owner may' });
    assert.equal(res.status, 201);
    assert.notEqual(JSON.stringify(state.take()), before);
  });
});
