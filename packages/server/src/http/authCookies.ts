import type { FastifyReply } from 'fastify';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { Config } from '../config/env.js';
import { randomToken } from '../auth/secrets.js';
import type { IssuedTokens } from '../actions/sessionStarter.js';

export const ACCESS_COOKIE = 'access_token';
export const REFRESH_COOKIE = 'refresh_token';
export const CSRF_COOKIE = 'csrf';
/** Refresh and logout both live under this path, so both see the refresh cookie; nothing else does. */
export const REFRESH_COOKIE_PATH = '/api/v1/auth';

const base = (config: Config): CookieSerializeOptions => ({ secure: config.cookieSecure, sameSite: 'lax' });

export function setSessionCookies(reply: FastifyReply, config: Config, tokens: IssuedTokens, now: number): void {
  const seconds = (until: number) => Math.max(0, Math.floor((until - now) / 1000));
  reply
    .setCookie(ACCESS_COOKIE, tokens.accessToken, { ...base(config), httpOnly: true, path: '/', maxAge: seconds(tokens.accessTokenExpiresAt) })
    .setCookie(REFRESH_COOKIE, tokens.refreshToken, {
      ...base(config),
      httpOnly: true,
      path: REFRESH_COOKIE_PATH,
      maxAge: seconds(tokens.refreshTokenExpiresAt),
    })
    // Readable by the web app, which echoes it in X-CSRF-Token (double-submit).
    .setCookie(CSRF_COOKIE, randomToken(), { ...base(config), httpOnly: false, path: '/', maxAge: seconds(tokens.refreshTokenExpiresAt) });
}

export function clearSessionCookies(reply: FastifyReply, config: Config): void {
  reply
    .clearCookie(ACCESS_COOKIE, { ...base(config), path: '/' })
    .clearCookie(REFRESH_COOKIE, { ...base(config), path: REFRESH_COOKIE_PATH })
    .clearCookie(CSRF_COOKIE, { ...base(config), path: '/' });
}
