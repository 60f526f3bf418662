import { WebSocket } from 'ws';
import type { StoredChannelEvent } from '@relaydesk/protocol';
import { RelayDeskClient, type ClientOptions, type WebSocketConstructor } from '@relaydesk/client';
import { newUserInput } from '@relaydesk/server/dist/testing/httpClient.js';

/** An SDK client as a server-side app uses it: Bearer tokens, the `ws` package as its WebSocket. */
export function sdkClient(baseUrl: string, realtime: ClientOptions['realtime'] = {}, options: Omit<ClientOptions, 'realtime'> = {}): RelayDeskClient {
  return new RelayDeskClient({
    baseUrl,
    auth: 'bearer',
    ...options,
    realtime: { WebSocket: WebSocket as unknown as WebSocketConstructor, watchNetwork: false, ...realtime },
  });
}

/** Registers a fresh user and logs the client in with Bearer tokens; returns the user. */
export async function signUp(client: RelayDeskClient, overrides: Parameters<typeof newUserInput>[0] = {}) {
  const input = newUserInput(overrides);
  await client.api.auth.register(input);
  const { user } = await client.api.auth.token({ username: input.username, password: input.password });
  return { user, password: input.password };
}

/** Two signed-up clients in one workspace, both members of a fresh public channel. */
export async function twoMembers(baseUrl: string, realtime: ClientOptions['realtime'] = {}, bobRealtime = realtime) {
  const alice = sdkClient(baseUrl, realtime);
  const bob = sdkClient(baseUrl, bobRealtime);
  await Promise.all([signUp(alice), signUp(bob)]);
  const workspace = await alice.api.workspaces.create('Team');
  const channel = await alice.api.workspaces.createChannel(workspace.id, { name: 'general' });
  await bob.api.workspaces.acceptInvite((await alice.api.workspaces.createInvite(workspace.id)).code);
  await bob.api.channels.join(channel.id);
  return { alice, bob, workspace, channelId: channel.id };
}

/** Every durable event a client's real-time connection emits, and its connection states, in order. */
export function record(client: RelayDeskClient) {
  const events: StoredChannelEvent[] = [];
  const states: string[] = [];
  client.realtime.on('event', (e) => events.push(e));
  client.realtime.on('state', (s) => states.push(s));
  return { events, states };
}

/** Starts following a channel from its current head (as an app does after loading its history). */
export async function followFromHead(client: RelayDeskClient, channelId: string): Promise<number> {
  const { lastSeq } = await client.api.channels.get(channelId);
  client.realtime.cursors.set(channelId, lastSeq);
  return lastSeq;
}

/** Polls until the condition holds (real servers answer in their own time). */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
