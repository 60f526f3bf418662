import assert from 'node:assert/strict';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { TestServer } from './testServer.js';
import { TestClient, registerNewUser, type TestResponse } from './httpClient.js';

/**
 * A small world for the suites driven by the API document (authorization matrix, body fuzz):
 * two workspaces, public and private channels, DMs, messages, files, an invite, a block, and a
 * snapshot of every stored row to prove that a refused request changed nothing.
 */

export interface Actor {
  client: TestClient;
  id: string;
}

export interface Operation {
  method: string;
  /** OpenAPI path, e.g. `/api/v1/channels/{channelId}`. */
  path: string;
  operationId: string;
  op: {
    security?: unknown[];
    parameters?: { in: string; name: string; required?: boolean; schema: Record<string, unknown> }[];
    requestBody?: { required?: boolean; content: Record<string, { schema: Record<string, any> }> };
    responses: Record<string, unknown>;
  };
}

export async function readOperations(server: TestServer): Promise<Operation[]> {
  const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation['op'] & { operationId: string }>> };
  return Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path: p, operationId: op.operationId, op })),
  );
}

export const pathParams = (o: Operation): string[] => [...o.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
export const fill = (o: Operation, values: Record<string, string>): string =>
  o.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? assert.fail(`no value for {${name}} in ${o.operationId}`)));
export const isPublic = (o: Operation): boolean => Array.isArray(o.op.security) && o.op.security.length === 0;

async function actor(server: TestServer): Promise<Actor> {
  const client = new TestClient(server.url);
  const { user } = await registerNewUser(client);
  return { client, id: user.id };
}

function ok(res: TestResponse, status: number): any {
  assert.equal(res.status, status, res.text);
  return res.body;
}

export interface World {
  /** Owns workspace A and every channel in it. */
  owner: Actor;
  /** A member of A, of the public and the private channel and of the DM with the owner. */
  friend: Actor;
  /** A plain member of A and of the public channel only: a non-member of the private channel and the DM. */
  member: Actor;
  /** Owns workspace B and belongs to nothing of A: another tenant. */
  outsider: Actor;
  /** A member of A whom the owner has blocked, after they had a DM. */
  blocked: Actor;
  workspaceA: string;
  workspaceB: string;
  publicChannel: string;
  privateChannel: string;
  dm: string;
  blockedDm: string;
  publicMessage: string;
  privateMessage: string;
  dmMessage: string;
  /** Sent by `blocked` in `blockedDm` before the block. */
  blockedMessage: string;
  publicFile: string;
  privateFile: string;
  dmFile: string;
  inviteId: string;
  inviteCode: string;
  ownerSessionId: string;
  /** A personal token of the owner. */
  ownerTokenId: string;
  /** A bot of workspace A, with a token. */
  botId: string;
  botTokenId: string;
  /** An incoming webhook of the public channel, and the secret of its URL. */
  hookId: string;
  hookSecret: string;
  /** An outgoing webhook of the private channel (where no cell posts: its queue stays still), to a target that never answers. */
  outgoingHookId: string;
}

const textFile = (text: string) => {
  const form = new FormData();
  form.append('file', new Blob([Buffer.from(text)], { type: 'text/plain' }), 'notes.txt');
  return form;
};

export async function buildWorld(server: TestServer): Promise<World> {
  const [owner, friend, member, outsider, blocked] = await Promise.all([1, 2, 3, 4, 5].map(() => actor(server)));
  const o = owner!.client;
  const workspaceA = ok(await o.post('/api/v1/workspaces', { name: 'Tenant A' }), 201).id as string;
  const workspaceB = ok(await outsider!.client.post('/api/v1/workspaces', { name: 'Tenant B' }), 201).id as string;
  const { code: joinCode } = ok(await o.post(`/api/v1/workspaces/${workspaceA}/invites`, {}), 201);
  for (const a of [friend!, member!, blocked!]) ok(await a.client.post('/api/v1/invites/accept', { code: joinCode }), 200);
  const publicChannel = ok(await o.post(`/api/v1/workspaces/${workspaceA}/channels`, { name: 'general', kind: 'public' }), 201).id as string;
  const privateChannel = ok(await o.post(`/api/v1/workspaces/${workspaceA}/channels`, { name: 'secret', kind: 'private', memberIds: [friend!.id] }), 201)
    .id as string;
  for (const a of [friend!, member!]) ok(await a.client.post(`/api/v1/channels/${publicChannel}/join`), 200);
  const dm = ok(await o.post(`/api/v1/workspaces/${workspaceA}/conversations`, { userIds: [friend!.id] }), 201).id as string;
  const blockedDm = ok(await o.post(`/api/v1/workspaces/${workspaceA}/conversations`, { userIds: [blocked!.id] }), 201).id as string;
  const send = async (a: Actor, channelId: string, body: string) => ok(await a.client.post(`/api/v1/channels/${channelId}/messages`, { body }), 201).id as string;
  const publicMessage = await send(owner!, publicChannel, 'hello everyone');
  const privateMessage = await send(owner!, privateChannel, 'hello secret');
  const dmMessage = await send(owner!, dm, 'hello friend');
  const blockedMessage = await send(blocked!, blockedDm, 'hello owner');
  const upload = async (channelId: string) => ok(await o.request('POST', `/api/v1/channels/${channelId}/files`, { form: textFile('notes') }), 201).id as string;
  const [publicFile, privateFile, dmFile] = [await upload(publicChannel), await upload(privateChannel), await upload(dm)];
  const invite = ok(await o.post(`/api/v1/workspaces/${workspaceA}/invites`, { maxUses: 5 }), 201);
  ok(await o.request('PUT', `/api/v1/me/blocks/${blocked!.id}`), 204);
  const sessions = ok(await o.get('/api/v1/auth/sessions'), 200).sessions as { id: string; current: boolean }[];
  const ownerTokenId = ok(await o.post('/api/v1/me/tokens', { name: 'world', scopes: ['read'] }), 201).id as string;
  const botId = ok(await o.post(`/api/v1/workspaces/${workspaceA}/bots`, { username: `bot_${owner!.id.slice(0, 8)}` }), 201).id as string;
  const botTokenId = ok(await o.post(`/api/v1/workspaces/${workspaceA}/bots/${botId}/tokens`, { name: 'world', scopes: ['read'] }), 201).id as string;
  const hook = ok(await o.post(`/api/v1/channels/${publicChannel}/incoming-hooks`, { name: 'world' }), 201);
  const outgoing = ok(await o.post(`/api/v1/channels/${privateChannel}/outgoing-hooks`, { name: 'world', url: 'https://hooks.invalid/in' }), 201);
  // Settled: SQLite's search index catches up on a timer, which must not look like a cell's change.
  await (server.storage.search as unknown as { indexPending?: () => Promise<void> }).indexPending?.();
  return {
    owner: owner!,
    friend: friend!,
    member: member!,
    outsider: outsider!,
    blocked: blocked!,
    workspaceA,
    workspaceB,
    publicChannel,
    privateChannel,
    dm,
    blockedDm,
    publicMessage,
    privateMessage,
    dmMessage,
    blockedMessage,
    publicFile,
    privateFile,
    dmFile,
    inviteId: invite.id,
    inviteCode: invite.code,
    ownerSessionId: sessions.find((s) => s.current)!.id,
    ownerTokenId,
    botId,
    botTokenId,
    hookId: hook.id as string,
    hookSecret: new URL(hook.url as string).pathname.split('/').pop()!,
    outgoingHookId: outgoing.id as string,
  };
}

export { textFile };

/**
 * Every row of every table of the SQLite database, as one comparable value. Two columns change on
 * reads by design and are left out: when a session was last used, and nothing else.
 */
export class StateSnapshot {
  private readonly db: SqliteDatabase.Database;

  constructor(server: TestServer) {
    this.db = new SqliteDatabase(path.join(server.dataDir, 'relaydesk.sqlite'), { readonly: true, fileMustExist: true });
  }

  take(): Record<string, unknown[]> {
    const tables = this.db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all() as { name: string }[];
    const state: Record<string, unknown[]> = {};
    for (const { name } of tables) {
      const rows = this.db.prepare(`select * from "${name}"`).all() as Record<string, unknown>[];
      state[name] = rows
        .map((row) => {
          if (name === 'sessions') delete row.last_used_at;
          return JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'bigint' ? String(v) : v));
        })
        .sort();
    }
    return state;
  }

  close(): void {
    this.db.close();
  }
}

/** The product's error format: status, a stable code, a message and the request id. */
export function assertProductError(res: TestResponse, label: string): void {
  assert.ok(res.body && typeof res.body === 'object' && res.body.error, `${label}: not a product error: ${res.status} ${res.text.slice(0, 300)}`);
  const { code, message, requestId } = res.body.error;
  assert.ok(typeof code === 'string' && /^[A-Z_]+$/.test(code), `${label}: code ${code}`);
  assert.ok(typeof message === 'string' && message.length > 0, `${label}: message`);
  assert.equal(requestId, res.headers.get('x-request-id'), `${label}: requestId`);
}
