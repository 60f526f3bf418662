import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, SessionEndedError } from '@relaydesk/client';
import { startTestServer, type TestServer } from '@relaydesk/server/dist/testing/testServer.js';
import { newUserInput } from '@relaydesk/server/dist/testing/httpClient.js';
import { ManualClock } from '@relaydesk/server/dist/clock.js';
import { sdkClient, signUp } from '../support/sdk.js';

describe('SDK: the typed REST client against the real server (sqlite)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('register, token, me: Bearer tokens are kept and used', async () => {
    const client = sdkClient(server.url);
    const input = newUserInput({ username: `Mixed_${Date.now().toString(36)}` });
    const registered = await client.api.auth.register(input);
    assert.equal(registered.user.username, input.username.toLowerCase());
    assert.equal(client.http.bearerTokens, null, 'register sets cookies, not Bearer tokens');
    const token = await client.api.auth.token({ username: input.email, password: input.password });
    assert.equal(token.user.id, registered.user.id);
    assert.deepEqual(client.http.bearerTokens, { accessToken: token.accessToken, refreshToken: token.refreshToken });
    assert.equal((await client.api.auth.me()).user.id, registered.user.id);
  });

  it('logout in Bearer mode ends the session even once the access token has expired (the refresh token goes along)', async () => {
    const clock = new ManualClock();
    const timed = await startTestServer({ clock });
    try {
      const client = sdkClient(timed.url);
      const input = newUserInput();
      await client.api.auth.register(input);
      const { refreshToken } = await client.api.auth.token({ username: input.email, password: input.password });
      clock.advance(16 * 60 * 1000);
      await client.api.auth.logout();
      assert.equal(client.http.bearerTokens, null);
      const refreshed = await fetch(`${timed.url}/api/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken }),
      });
      assert.equal(refreshed.status, 401, 'the session is over: its refresh token is refused');
    } finally {
      await timed.close();
    }
  });

  it('files: an upload from Node (multipart through the transport), attached to a message; a refused type is a typed error', async () => {
    const client = sdkClient(server.url);
    await signUp(client);
    const workspace = await client.api.workspaces.create('Files');
    const channel = await client.api.workspaces.createChannel(workspace.id, { name: 'Uploads' });
    const file = await client.api.files.upload(channel.id, new Blob(['release notes\n']), 'notes.txt');
    assert.equal(file.mime, 'text/plain');
    assert.equal(file.name, 'notes.txt');
    const message = await client.api.channels.send(channel.id, { body: '', attachmentIds: [file.id] });
    assert.deepEqual(message.attachments.map((a) => a.id), [file.id]);
    assert.deepEqual(await client.api.files.get(file.id), { ...file, messageId: message.id });
    await assert.rejects(
      client.api.files.upload(channel.id, new Blob(['#!/bin/sh\nrm -rf /\n']), 'notes.txt'),
      (e: unknown) => e instanceof ApiError && e.status === 415 && e.code === 'FILE_EXECUTABLE',
    );
  });

  it('workspace, channel, send (idempotent by clientMessageId), history', async () => {
    const client = sdkClient(server.url);
    const { user } = await signUp(client);
    const workspace = await client.api.workspaces.create('Acme');
    assert.equal(workspace.role, 'owner');
    const channel = await client.api.workspaces.createChannel(workspace.id, { name: 'Release Planning' });
    assert.equal(channel.slug, 'release-planning');
    assert.ok((await client.api.workspaces.channels(workspace.id)).channels.some((c) => c.id === channel.id));

    const first = await client.api.channels.send(channel.id, { body: '  first  ', clientMessageId: 'cm-1' });
    assert.equal(first.body, 'first');
    assert.equal(first.authorId, user.id);
    const again = await client.api.channels.send(channel.id, { body: 'first', clientMessageId: 'cm-1' });
    assert.equal(again.id, first.id, 'a retried send is the same message');
    const second = await client.api.channels.send(channel.id, { body: 'second' });
    assert.equal(second.seq, first.seq + 1);

    const page = await client.api.channels.history(channel.id, { limit: 10 });
    assert.deepEqual(page.messages.map((m) => m.body), ['second', 'first'], 'newest first, once each');
    const feed = await client.api.channels.events(channel.id, first.seq - 1);
    assert.deepEqual(feed.events.map((e) => e.seq), [first.seq, second.seq]);
    assert.equal(feed.lastSeq, second.seq);
  });

  it('errors are ApiErrors with the stable code, status, details and requestId', async () => {
    const client = sdkClient(server.url);
    const invalid = await client.api.auth.register(newUserInput({ username: 'x' })).catch((e: unknown) => e);
    assert.ok(invalid instanceof ApiError);
    assert.equal(invalid.status, 400);
    assert.equal(invalid.code, 'VALIDATION_FAILED');
    assert.ok(invalid.requestId);
    assert.ok(invalid.fieldMessage('username'), JSON.stringify(invalid.details));

    await signUp(client);
    await assert.rejects(client.api.channels.get('no-such-channel'), { name: 'ApiError', status: 404, code: 'NOT_FOUND' });
  });

  it('a client that never logged in gets SessionEndedError, not a refresh loop', async () => {
    let ended = 0;
    const client = sdkClient(server.url, {}, { onSessionEnded: () => ended++ });
    await assert.rejects(client.api.auth.me(), (e: unknown) => e instanceof SessionEndedError);
    assert.equal(ended, 1);
  });
});
