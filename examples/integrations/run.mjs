#!/usr/bin/env node
// A host application's integration with RelayDesk, end to end, with nothing but Node 20:
//   1. an admin signs in and makes a bot with a token (events, read, write)
//   2. an incoming webhook posts an alert into a channel (the Mattermost/Slack payload)
//   3. an outgoing webhook delivers the channel's messages to a receiver here, which verifies the
//      Standard Webhooks signature and answers; the answer comes back as a thread reply
//   4. the front desk pushes app events (check-ins), retried safely with an Idempotency-Key
//   5. SCIM provisions a user, as an identity provider would (when the server has SCIM)
//
// Run against a server with the demo data, allowed to call this machine back:
//   OUTBOUND_ALLOWED_HOSTS=127.0.0.1 npm start          (in one terminal)
//   node examples/integrations/run.mjs http://localhost:3000
// Options (environment): ADMIN_USER (alice_dev), ADMIN_PASSWORD (demo123), CHANNEL ("Development Team").
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';

const base = (process.argv[2] ?? 'http://localhost:3000').replace(/\/$/, '');
const admin = { username: process.env.ADMIN_USER ?? 'alice_dev', password: process.env.ADMIN_PASSWORD ?? 'demo123' };
const channelName = process.env.CHANNEL ?? 'Development Team';
const log = (...a) => console.log('•', ...a);

/** A JSON call; `auth` is a bearer token. Throws with the API's error code on failure. */
async function call(method, path, { body, auth, headers = {} } = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${json?.error?.code ?? json?.detail ?? text}`);
  return { status: res.status, headers: res.headers, body: json };
}

// 1. The admin's bearer session (POST /auth/token), then a bot and its token.
const session = (await call('POST', '/api/v1/auth/token', { body: admin })).body.accessToken;
const workspace = (await call('GET', '/api/v1/workspaces', { auth: session })).body.workspaces[0];
const channel = (await call('GET', `/api/v1/workspaces/${workspace.id}/channels`, { auth: session })).body.channels.find((c) => c.name === channelName);
if (!channel) throw new Error(`no channel named ${channelName}`);
const bot = (await call('POST', `/api/v1/workspaces/${workspace.id}/bots`, { auth: session, body: { username: `desk_${randomUUID().slice(0, 8)}`, displayName: 'Front desk' } })).body;
const botToken = (await call('POST', `/api/v1/workspaces/${workspace.id}/bots/${bot.id}/tokens`, { auth: session, body: { name: 'example', scopes: ['read', 'write', 'events'] } })).body.token;
log(`bot ${bot.username} with token ${botToken.slice(0, 8)}… in workspace "${workspace.name}"`);

// 2. An incoming webhook: no account, just its secret URL.
const incoming = (await call('POST', `/api/v1/channels/${channel.id}/incoming-hooks`, { auth: session, body: { name: 'Monitoring' } })).body;
const alert = await call('POST', new URL(incoming.url).pathname, {
  body: { text: 'Disk almost full on **db-1**', attachments: [{ title: 'Runbook', title_link: 'https://runbooks.example/disk', fields: [{ title: 'Used', value: '92%' }] }] },
});
log(`incoming webhook posted message ${alert.body.id}`);

// 3. An outgoing webhook to a receiver on this machine, which verifies every signature.
let secret;
const deliveries = [];
const receiver = http.createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => (raw += c));
  req.on('end', () => {
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${req.headers['webhook-id']}.${req.headers['webhook-timestamp']}.${raw}`).digest('base64');
    const fresh = Math.abs(Date.now() / 1000 - Number(req.headers['webhook-timestamp'])) < 300;
    const ok = fresh && String(req.headers['webhook-signature']).split(' ').some((s) => {
      const given = Buffer.from(s.replace(/^v1,/, ''));
      return given.length === Buffer.byteLength(expected) && timingSafeEqual(given, Buffer.from(expected));
    });
    if (!ok) {
      res.writeHead(401).end();
      return;
    }
    const payload = JSON.parse(raw);
    deliveries.push(payload);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text: `Ticket opened for "${payload.text}"` }));
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const outgoing = (await call('POST', `/api/v1/channels/${channel.id}/outgoing-hooks`, {
  auth: session,
  body: { name: 'Support desk', url: `http://127.0.0.1:${receiver.address().port}/relaydesk`, triggerWords: ['!ticket'] },
})).body;
secret = outgoing.secret;
const asked = (await call('POST', `/api/v1/channels/${channel.id}/messages`, { auth: session, body: { body: '!ticket the printer is on fire', clientMessageId: randomUUID() } })).body;
for (let i = 0; i < 100 && deliveries.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
if (deliveries.length === 0) throw new Error('no outgoing delivery arrived (is OUTBOUND_ALLOWED_HOSTS=127.0.0.1 set on the server?)');
log(`outgoing webhook delivered message ${deliveries[0].post_id} with a valid signature`);
let replies = [];
for (let i = 0; i < 50 && replies.length === 0; i++) {
  replies = (await call('GET', `/api/v1/messages/${asked.id}/replies`, { auth: session })).body.replies;
  if (replies.length === 0) await new Promise((r) => setTimeout(r, 100));
}
log(`the receiver's answer came back as a reply: "${replies[0]?.body}"`);
receiver.close();

// 4. App events: a retry with the same Idempotency-Key stores nothing new.
const key = `checkin-${randomUUID()}`;
const checkin = { topic: 'checkins', type: 'member.checked_in', data: { member: 'ana', desk: 'north' } };
const first = await call('POST', `/api/v1/workspaces/${workspace.id}/app-events`, { auth: botToken, body: checkin, headers: { 'idempotency-key': key } });
const retry = await call('POST', `/api/v1/workspaces/${workspace.id}/app-events`, { auth: botToken, body: checkin, headers: { 'idempotency-key': key } });
log(`app event seq ${first.body.seq}; the retry answered seq ${retry.body.seq} (replayed: ${retry.headers.get('idempotent-replayed')})`);

// 5. SCIM, as Okta does it: look up by userName, create when missing.
const scimToken = (await call('POST', '/api/v1/me/tokens', { auth: session, body: { name: 'scim example', scopes: ['scim'] } }).catch((e) => ({ error: e }))).body?.token;
const userName = `jane.${randomUUID().slice(0, 6)}@example.com`;
try {
  const scim = (method, path, body) => call(method, `/scim/v2${path}`, { auth: scimToken, body, headers: { accept: 'application/scim+json' } });
  const found = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
  if (found.body.totalResults === 0) {
    const created = await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, name: { givenName: 'Jane', familyName: 'Doe' }, emails: [{ value: userName, primary: true }], externalId: `okta-${randomUUID()}`, active: true });
    log(`SCIM created user ${created.body.id} (${userName})`);
  }
} catch (err) {
  log(`SCIM skipped: ${err.message}`);
}
console.log('done');
