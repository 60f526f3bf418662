import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../config/env.js';
import { loggerOptions } from './logger.js';

describe('logging', () => {
  it('redacts credentials wherever they appear', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        out += chunk.toString();
        done();
      },
    });
    const log = pino(loggerOptions(loadConfig({ LOG_LEVEL: 'info' })), sink);
    log.info({
      req: { headers: { authorization: 'Bearer SECRET-A', cookie: 'access_token=SECRET-B', 'x-csrf-token': 'SECRET-C' } },
      res: { headers: { 'set-cookie': 'refresh_token=SECRET-D' } },
      body: { password: 'SECRET-E', refreshToken: 'SECRET-F', newPassword: 'SECRET-G' },
      result: { accessToken: 'SECRET-H', ticket: 'SECRET-I' },
    });
    const line = JSON.parse(out) as Record<string, unknown>;
    assert.doesNotMatch(out, /SECRET-/);
    assert.match(out, /\[redacted\]/);
    assert.equal(line.service, 'relaydesk');
  });
});
