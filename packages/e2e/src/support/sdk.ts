import { WebSocket } from 'ws';
import { RelayDeskClient, type ClientOptions, type WebSocketConstructor } from '@relaydesk/client';
import { newUserInput } from '@relaydesk/server/dist/testing/httpClient.js';

/** An SDK client as a server-side app uses it: Bearer tokens, the `ws` package as its WebSocket. */
export function sdkClient(baseUrl: string, realtime: ClientOptions['realtime'] = {}): RelayDeskClient {
  return new RelayDeskClient({
    baseUrl,
    auth: 'bearer',
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
