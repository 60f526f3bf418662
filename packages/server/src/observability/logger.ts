import type { LoggerOptions } from 'pino';
import type { Config } from '../config/env.js';

/** Anything that can carry a credential is removed before a log line is written. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.refreshToken',
  '*.accessToken',
  '*.ticket',
  '*.token',
];

export function loggerOptions(config: Config): LoggerOptions {
  return {
    level: config.logLevel,
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: { service: 'relaydesk' },
  };
}
