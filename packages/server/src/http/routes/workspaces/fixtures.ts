import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestServer } from '../../../testing/testServer.js';
import { TestClient, registerNewUser, type TestResponse } from '../../../testing/httpClient.js';

/** Shared setup for the workspace and channel route suites: people, workspaces, teams, feeds. */

export interface Person {
  client: TestClient;
  id: string;
  username: string;
}

/** Asserts the one error shape: status, stable code, a human message and the request id. */
export function assertError(res: TestResponse, status: number, code: string): void {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text}`);
  assert.equal(res.body?.error?.code, code, res.text);
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.message.length > 0, 'error message');
  assert.ok(res.body.error.requestId, 'requestId');
}

/** Asserts a success status, showing the body when it is not. */
export function assertStatus(res: TestResponse, status: number): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
}

/** A freshly registered, signed-in user. */
export async function signUp(server: TestServer): Promise<Person> {
  const client = new TestClient(server.url);
  const { user } = await registerNewUser(client);
  return { client, id: user.id, username: user.username };
}

export async function createWorkspace(owner: Person, name = 'Acme'): Promise<string> {
  const res = await owner.client.post('/api/v1/workspaces', { name });
  assertStatus(res, 201);
  return res.body.id as string;
}

export async function createInvite(admin: Person, workspaceId: string, body: Record<string, unknown> = {}) {
  const res = await admin.client.post(`/api/v1/workspaces/${workspaceId}/invites`, body);
  assertStatus(res, 201);
  return res.body as { id: string; code: string; uses: number; maxUses: number | null; expiresAt: string | null };
}

/** Brings `people` into the workspace through a fresh invite, as members. */
export async function admit(admin: Person, workspaceId: string, ...people: Person[]): Promise<void> {
  if (people.length === 0) return;
  const { code } = await createInvite(admin, workspaceId);
  for (const p of people) assertStatus(await p.client.post('/api/v1/invites/accept', { code }), 200);
}

export interface Team {
  workspaceId: string;
  owner: Person;
  members: Person[];
}

/** A workspace with its owner and `size` further members. */
export async function createTeam(server: TestServer, size: number, name = 'Acme'): Promise<Team> {
  const owner = await signUp(server);
  const workspaceId = await createWorkspace(owner, name);
  const members = await Promise.all(Array.from({ length: size }, () => signUp(server)));
  await admit(owner, workspaceId, ...members);
  return { workspaceId, owner, members };
}

export async function makeAdmin(owner: Person, workspaceId: string, person: Person): Promise<void> {
  const res = await owner.client.request('PATCH', `/api/v1/workspaces/${workspaceId}/members/${person.id}`, { body: { role: 'admin' } });
  assertStatus(res, 204);
}

export async function createChannel(creator: Person, workspaceId: string, body: Record<string, unknown>) {
  const res = await creator.client.post(`/api/v1/workspaces/${workspaceId}/channels`, body);
  assertStatus(res, 201);
  return res.body as { id: string; slug: string; name: string; kind: string; lastSeq: number };
}

export async function openConversation(person: Person, workspaceId: string, others: Person[]) {
  return person.client.post(`/api/v1/workspaces/${workspaceId}/conversations`, { userIds: others.map((o) => o.id) });
}

export async function sendMessage(person: Person, channelId: string, body = 'hello') {
  return person.client.post(`/api/v1/channels/${channelId}/messages`, { body });
}

/** The channel state carried by a channel.updated event. */
export interface ChannelSnapshot {
  name: string | null;
  slug: string | null;
  topic: string;
  archived: boolean;
  lastSeq: number;
}

/** Every event of a channel, read as `reader`; asserts the feed is numbered 1..n with no gap. */
export async function channelEvents(reader: Person, channelId: string) {
  const res = await reader.client.get(`/api/v1/channels/${channelId}/events?after=0`);
  assertStatus(res, 200);
  const events = res.body.events as { seq: number; actorId: string; event: { type: string; userId?: string; channel?: ChannelSnapshot } }[];
  assert.deepEqual(
    events.map((e) => e.seq),
    events.map((_, i) => i + 1),
    'sequence numbers 1..n without gaps',
  );
  assert.equal(res.body.lastSeq, events.length, 'lastSeq is the last event');
  return events;
}

/** The feed as compact `type:userId` strings (or just `type`), for whole-sequence assertions. */
export async function eventSummary(reader: Person, channelId: string): Promise<string[]> {
  const events = await channelEvents(reader, channelId);
  return events.map((e) => (e.event.userId ? `${e.event.type}:${e.event.userId}` : e.event.type));
}

export async function memberIdsOf(reader: Person, channelId: string): Promise<string[]> {
  const res = await reader.client.get(`/api/v1/channels/${channelId}/members`);
  assertStatus(res, 200);
  return (res.body.members as { userId: string }[]).map((m) => m.userId).sort();
}

export const sorted = (ids: string[]): string[] => [...ids].sort();

/** A well-formed id that names nothing. */
export const randomId = (): string => randomUUID();
