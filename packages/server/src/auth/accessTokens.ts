import { createSecretKey, type KeyObject } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { Limits } from '@relaydesk/protocol';
import type { Clock } from '../clock.js';

const ISSUER = 'relaydesk';
const AUDIENCE = 'relaydesk-api';

export interface AccessClaims {
  userId: string;
  sessionId: string;
}

export type VerifyResult = { ok: true; claims: AccessClaims } | { ok: false; reason: 'expired' | 'invalid' };

/** Short-lived HS256 JWTs. Verification pins the algorithm, so `alg: none` and RS/HS confusion fail. */
export class AccessTokens {
  // A KeyObject made once: handing jose raw bytes makes it import the key on every call.
  private readonly key: KeyObject;
  /**
   * Tokens whose signature was already checked, with their expiry. A JWT cannot change, so
   * checking it again proves nothing new; skipping it takes an HMAC through the crypto thread pool
   * off every request. Revocation does not depend on this: the session is read per request.
   */
  private readonly verified = new Map<string, { claims: AccessClaims; expSeconds: number }>();
  private static readonly VERIFIED_MAX = 10_000;

  constructor(
    secret: string,
    private readonly clock: Clock,
    readonly ttlSeconds: number = Limits.accessTokenTtlSeconds,
  ) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  async sign(claims: AccessClaims): Promise<{ token: string; expiresAt: number }> {
    const issuedAt = Math.floor(this.clock.now() / 1000);
    const exp = issuedAt + this.ttlSeconds;
    const token = await new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, expiresAt: exp * 1000 };
  }

  async verify(token: string): Promise<VerifyResult> {
    const known = this.verified.get(token);
    if (known) {
      // The same rule as jose's: expired once now reaches exp.
      if (this.clock.now() < known.expSeconds * 1000) return { ok: true, claims: known.claims };
      this.verified.delete(token);
      return { ok: false, reason: 'expired' };
    }
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: new Date(this.clock.now()),
        requiredClaims: ['sub', 'exp', 'sid'],
      });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') return { ok: false, reason: 'invalid' };
      const claims = { userId: payload.sub, sessionId: payload.sid };
      if (this.verified.size >= AccessTokens.VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { claims, expSeconds: payload.exp });
      return { ok: true, claims };
    } catch (err) {
      return { ok: false, reason: err instanceof joseErrors.JWTExpired ? 'expired' : 'invalid' };
    }
  }
}
