import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SecretSealer, newWebhookSecret, signWebhook } from './webhookSigning.js';

describe('Standard Webhooks signing', () => {
  it('matches the specification’s published test vector', () => {
    // standard-webhooks/standard-webhooks, spec/standard-webhooks.md ("Signature scheme" example).
    const signature = signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    assert.equal(signature, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('makes whsec_ secrets of 24 random bytes, each different', () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    assert.match(a, /^whsec_[A-Za-z0-9+/]{32}$/);
    assert.notEqual(a, b);
    assert.equal(Buffer.from(a.slice(6), 'base64').length, 24);
  });

  it('seals secrets so that only the same master secret opens them, and a tampered seal fails', () => {
    const sealer = new SecretSealer('a'.repeat(40));
    const sealed = sealer.seal('whsec_abc');
    assert.equal(sealer.open(sealed), 'whsec_abc');
    assert.notEqual(sealer.seal('whsec_abc'), sealed, 'a fresh IV each time');
    assert.throws(() => new SecretSealer('b'.repeat(40)).open(sealed));
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[bytes.length - 1]! ^= 1;
    assert.throws(() => sealer.open(bytes.toString('base64url')));
  });
});
