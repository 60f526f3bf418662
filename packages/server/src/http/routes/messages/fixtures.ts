import assert from 'node:assert/strict';
import type { Message, StoredChannelEvent } from '@relaydesk/protocol';
import type { TestServer } from '../../../testing/testServer.js';
import { TestClient, registerNewUser, type TestResponse } from '../../../testing/httpClient.js';

/** A signed-in user: their own browser (cookie jar) and profile. */
export interface Person {
  client: TestClient;
  user: { id: string; username: string; email: string; displayName: string };
}

/** A workspace with its owner, the invite code others join with, and one public channel everyone joined. */
export interface Team {
  owner: Person;
  members: Person[];
  workspaceId: string;
  inviteCode: string;
  channelId: string;
}

export const enc = encodeURIComponent;

export function assertError(res: TestResponse, status: number, code: string, field?: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.error.code, code, res.text);
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.requestId, 'requestId');
  if (field !== undefined) {
    const fields = (res.body.error.details ?? []).map((d: { field: string }) => d.field);
    assert.ok(fields.includes(field), `details name ${field}: ${res.text}`);
  }
}

export async function signUp(server: TestServer): Promise<Person> {
  const client = new TestClient(server.url);
  const { user } = await registerNewUser(client);
  return { client, user };
}

export async function createWorkspace(owner: Person, name = 'Messages team'): Promise<{ workspaceId: string; inviteCode: string }> {
  const ws = await owner.client.post('/api/v1/workspaces', { name });
  assert.equal(ws.status, 201, ws.text);
  const invite = await owner.client.post(`/api/v1/workspaces/${ws.body.id}/invites`, {});
  assert.equal(invite.status, 201, invite.text);
  return { workspaceId: ws.body.id, inviteCode: invite.body.code };
}

export async function acceptInvite(person: Person, code: string): Promise<void> {
  const res = await person.client.post('/api/v1/invites/accept', { code });
  assert.equal(res.status, 200, res.text);
}

export async function createChannel(creator: Person, workspaceId: string, name: string, extra: { kind?: 'public' | 'private'; memberIds?: string[] } = {}): Promise<string> {
  const res = await creator.client.post(`/api/v1/workspaces/${workspaceId}/channels`, { name, ...extra });
  assert.equal(res.status, 201, res.text);
  return res.body.id;
}

export async function joinChannel(person: Person, channelId: string): Promise<void> {
  const res = await person.client.post(`/api/v1/channels/${channelId}/join`);
  assert.equal(res.status, 200, res.text);
}

/** Owner + `memberCount` workspace members, all in one public channel. */
export async function setUpTeam(server: TestServer, memberCount = 2): Promise<Team> {
  const owner = await signUp(server);
  const { workspaceId, inviteCode } = await createWorkspace(owner);
  const channelId = await createChannel(owner, workspaceId, 'general');
  const members = await Promise.all(
    Array.from({ length: memberCount }, async () => {
      const person = await signUp(server);
      await acceptInvite(person, inviteCode);
      await joinChannel(person, channelId);
      return person;
    }),
  );
  return { owner, members, workspaceId, inviteCode, channelId };
}

/** A fresh workspace member who has not joined any channel. */
export async function newWorkspaceMember(server: TestServer, team: Pick<Team, 'inviteCode'>): Promise<Person> {
  const person = await signUp(server);
  await acceptInvite(person, team.inviteCode);
  return person;
}

export function postMessage(person: Person, channelId: string, body: string, extra: { clientMessageId?: string; threadRootId?: string } = {}) {
  return person.client.post<Message>(`/api/v1/channels/${channelId}/messages`, { body, ...extra });
}

/** Sends and expects 201 Created. */
export async function send(person: Person, channelId: string, body: string, extra: { clientMessageId?: string; threadRootId?: string } = {}): Promise<Message> {
  const res = await postMessage(person, channelId, body, extra);
  assert.equal(res.status, 201, res.text);
  return res.body;
}

export async function getMessage(person: Person, messageId: string): Promise<Message> {
  const res = await person.client.get<Message>(`/api/v1/messages/${messageId}`);
  assert.equal(res.status, 200, res.text);
  return res.body;
}

export async function history(person: Person, channelId: string, query = ''): Promise<{ messages: Message[]; hasMoreBefore: boolean; hasMoreAfter: boolean }> {
  const res = await person.client.get(`/api/v1/channels/${channelId}/messages${query ? `?${query}` : ''}`);
  assert.equal(res.status, 200, res.text);
  return res.body;
}

/** Every top-level message of a channel, newest first, paging back with `before`. */
export async function fullHistory(person: Person, channelId: string): Promise<Message[]> {
  const all: Message[] = [];
  let page = await history(person, channelId, 'limit=100');
  all.push(...page.messages);
  while (page.hasMoreBefore) {
    page = await history(person, channelId, `limit=100&before=${page.messages.at(-1)!.seq}`);
    all.push(...page.messages);
  }
  return all;
}

export async function eventPage(person: Person, channelId: string, after: number, limit?: number): Promise<{ events: StoredChannelEvent[]; lastSeq: number }> {
  const res = await person.client.get(`/api/v1/channels/${channelId}/events?after=${after}${limit === undefined ? '' : `&limit=${limit}`}`);
  assert.equal(res.status, 200, res.text);
  return res.body;
}

/** The whole feed after `after`, paging until lastSeq. */
export async function allEvents(person: Person, channelId: string, after = 0, limit = 1000): Promise<StoredChannelEvent[]> {
  const out: StoredChannelEvent[] = [];
  let cursor = after;
  for (;;) {
    const page = await eventPage(person, channelId, cursor, limit);
    out.push(...page.events);
    if (page.events.length === 0 || page.events.at(-1)!.seq >= page.lastSeq) return out;
    cursor = page.events.at(-1)!.seq;
  }
}

export function assertGapFree(events: StoredChannelEvent[], first = 1): void {
  assert.deepEqual(
    events.map((e) => e.seq),
    Array.from({ length: events.length }, (_, i) => first + i),
  );
}

export async function react(person: Person, messageId: string, emoji: string, present = true): Promise<TestResponse> {
  return person.client.request(present ? 'PUT' : 'DELETE', `/api/v1/messages/${messageId}/reactions/${enc(emoji)}`);
}

export function edit(person: Person, messageId: string, body: string) {
  return person.client.request<Message>('PATCH', `/api/v1/messages/${messageId}`, { body: { body } });
}

export async function markRead(person: Person, channelId: string, seq: number): Promise<TestResponse> {
  return person.client.post(`/api/v1/channels/${channelId}/read`, { seq });
}

export async function unreadsOf(person: Person): Promise<Map<string, { unreadCount: number; mentionCount: number; lastReadSeq: number; lastSeq: number; workspaceId: string }>> {
  const res = await person.client.get('/api/v1/me/unreads');
  assert.equal(res.status, 200, res.text);
  return new Map(res.body.unreads.map((u: { channelId: string }) => [u.channelId, u]));
}
