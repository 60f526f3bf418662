import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AccessTokens } from './accessTokens.js';
import { ManualClock } from '../clock.js';

const SECRET = 'x'.repeat(40);
const claims = { userId: 'u1', sessionId: 's1' };

describe('AccessTokens: the verified-token cache changes no verdict', () => {
  it('a token verified once still expires at its exp', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const tokens = new AccessTokens(SECRET, clock, 60);
    const { token } = await tokens.sign(claims);
    assert.deepEqual(await tokens.verify(token), { ok: true, claims });
    clock.advance(59_999);
    assert.deepEqual(await tokens.verify(token), { ok: true, claims }, 'from the cache, still valid');
    clock.advance(1);
    assert.deepEqual(await tokens.verify(token), { ok: false, reason: 'expired' });
    assert.deepEqual(await tokens.verify(token), { ok: false, reason: 'expired' }, 'and stays expired once evicted');
  });

  it('a tampered copy of a cached token is still refused; another secret never shares the cache', async () => {
    const clock = new ManualClock();
    const tokens = new AccessTokens(SECRET, clock);
    const { token } = await tokens.sign(claims);
    await tokens.verify(token);
    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'admin', sid: 's1', exp: 9e9, iss: 'relaydesk', aud: 'relaydesk-api' })).toString('base64url')}.${signature}`;
    assert.deepEqual(await tokens.verify(forged), { ok: false, reason: 'invalid' });
    assert.deepEqual(await tokens.verify(`${header}.${payload}.${signature!.slice(0, -2)}AA`), { ok: false, reason: 'invalid' });
    assert.deepEqual(await new AccessTokens('y'.repeat(40), clock).verify(token), { ok: false, reason: 'invalid' });
  });
});
