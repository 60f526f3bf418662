import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RotateOutcome, SessionRecord, Storage, UserRecord } from './port.js';
import { ConflictError, NotFoundError } from './errors.js';
import { deletionContract } from './deletionContract.js';

/** What a contract run needs: a fresh, migrated storage and a way to throw it away. */
export type OpenStorage = () => Promise<{ storage: Storage; cleanup: () => Promise<void> }>;

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function newUser(overrides: Partial<UserRecord> = {}): UserRecord {
  const id = randomUUID();
  const tag = id.slice(0, 8);
  return {
    id,
    username: `user_${tag}`,
    email: `user_${tag}@example.com`,
    displayName: `User ${tag}`,
    passwordHash: 'argon2-hash-1',
    createdAt: T0,
    ...overrides,
  };
}

function conflictOn(field: string) {
  return (err: unknown) => {
    assert.ok(err instanceof ConflictError, `expected ConflictError, got ${String(err)}`);
    assert.equal(err.field, field);
    return true;
  };
}

function assertRotated(outcome: RotateOutcome): SessionRecord {
  assert.equal(outcome.status, 'rotated', `expected rotated, got ${JSON.stringify(outcome)}`);
  return (outcome as Extract<RotateOutcome, { status: 'rotated' }>).session;
}

/**
 * The storage port's behaviour, run against every implementation (one suite, no per-dialect
 * expectations). Tests share one storage and stay independent by using fresh random ids.
 */
export function runStorageContract(name: string, open: OpenStorage): void {
  describe(name, () => {
    let storage: Storage;
    let cleanup: () => Promise<void>;
    before(async () => ({ storage, cleanup } = await open()));
    after(() => cleanup());

    async function createUser(overrides: Partial<UserRecord> = {}): Promise<UserRecord> {
      const user = newUser(overrides);
      await storage.users.create(user);
      return user;
    }

    async function createSession(
      userId: string,
      opts: { lastUsedAt?: number; expiresAt?: number; tokenExpiresAt?: number } = {},
    ): Promise<{ session: SessionRecord; tokenHash: string }> {
      const session: SessionRecord = {
        id: randomUUID(),
        userId,
        createdAt: T0,
        lastUsedAt: opts.lastUsedAt ?? T0,
        expiresAt: opts.expiresAt ?? T0 + 30 * DAY,
        revokedAt: null,
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
        ip: '203.0.113.7',
      };
      const tokenHash = `rt_${randomUUID()}`;
      await storage.sessions.create(session, { tokenHash, expiresAt: opts.tokenExpiresAt ?? T0 + 30 * DAY });
      return { session, tokenHash };
    }

    describe('users', () => {
      it('create then findById returns the user, with the username stored lower-case', async () => {
        const user = newUser();
        await storage.users.create({ ...user, username: user.username.toUpperCase() });
        assert.deepEqual(await storage.users.findById(user.id), user);
      });

      it('findById of an unknown id returns undefined', async () => {
        assert.equal(await storage.users.findById(randomUUID()), undefined);
      });

      it('findByLogin finds a user by username or by email, case-insensitively', async () => {
        const user = await createUser({ email: `Mixed.Case_${randomUUID().slice(0, 8)}@Example.COM` });
        assert.equal((await storage.users.findByLogin(user.username))?.id, user.id);
        assert.equal((await storage.users.findByLogin(user.email.toLowerCase()))?.id, user.id);
        // The original spelling of the email is kept for display.
        assert.equal((await storage.users.findByLogin(user.email.toLowerCase()))?.email, user.email);
        assert.equal(await storage.users.findByLogin(`nobody_${randomUUID()}`), undefined);
      });

      it('a taken username is a ConflictError on "username", also when it differs only in case', async () => {
        const user = await createUser();
        await assert.rejects(storage.users.create(newUser({ username: user.username })), conflictOn('username'));
        await assert.rejects(storage.users.create(newUser({ username: user.username.toUpperCase() })), conflictOn('username'));
      });

      it('an email taken in another case is a ConflictError on "email"', async () => {
        const user = await createUser({ email: `Taken_${randomUUID().slice(0, 8)}@Example.com` });
        await assert.rejects(storage.users.create(newUser({ email: user.email.toLowerCase() })), conflictOn('email'));
        await assert.rejects(storage.users.create(newUser({ email: user.email.toUpperCase() })), conflictOn('email'));
      });

      it('setPasswordHash replaces the hash', async () => {
        const user = await createUser();
        await storage.users.setPasswordHash(user.id, 'argon2-hash-2');
        assert.equal((await storage.users.findById(user.id))?.passwordHash, 'argon2-hash-2');
      });

      it('setPasswordHash of an unknown user throws NotFoundError', async () => {
        await assert.rejects(storage.users.setPasswordHash(randomUUID(), 'x'), NotFoundError);
      });
    });

    describe('sessions', () => {
      it('create then findById returns the session', async () => {
        const user = await createUser();
        const { session } = await createSession(user.id);
        assert.deepEqual(await storage.sessions.findById(session.id), session);
        assert.equal(await storage.sessions.findById(randomUUID()), undefined);
      });

      it('findByRefreshTokenHash finds the session of its first token, also once that token is used', async () => {
        const user = await createUser();
        const { session, tokenHash } = await createSession(user.id);
        assert.equal((await storage.sessions.findByRefreshTokenHash(tokenHash))?.id, session.id);
        assertRotated(await storage.sessions.rotateRefreshToken(tokenHash, { tokenHash: `rt_${randomUUID()}`, expiresAt: T0 + DAY }, T0 + 1));
        assert.equal((await storage.sessions.findByRefreshTokenHash(tokenHash))?.id, session.id);
        assert.equal(await storage.sessions.findByRefreshTokenHash(`rt_${randomUUID()}`), undefined);
      });

      it('listActiveForUser skips revoked, expired and other users\' sessions, most recently used first', async () => {
        const user = await createUser();
        const other = await createUser();
        const old = await createSession(user.id, { lastUsedAt: T0 + 1 * MINUTE });
        const recent = await createSession(user.id, { lastUsedAt: T0 + 3 * MINUTE });
        const middle = await createSession(user.id, { lastUsedAt: T0 + 2 * MINUTE });
        const revoked = await createSession(user.id, { lastUsedAt: T0 + 4 * MINUTE });
        await createSession(user.id, { lastUsedAt: T0 + 5 * MINUTE, expiresAt: T0 + HOUR });
        await createSession(other.id, { lastUsedAt: T0 + 6 * MINUTE });
        assert.equal(await storage.sessions.revoke(user.id, revoked.session.id, T0 + 10 * MINUTE), true);

        const active = await storage.sessions.listActiveForUser(user.id, T0 + 2 * HOUR);
        assert.deepEqual(active.map((s) => s.id), [recent.session.id, middle.session.id, old.session.id]);
      });

      it('rotateRefreshToken rotates: the session is touched, its expiry slides, and the new token rotates next', async () => {
        const user = await createUser();
        const { session, tokenHash } = await createSession(user.id);
        const next = `rt_${randomUUID()}`;
        const rotated = assertRotated(await storage.sessions.rotateRefreshToken(tokenHash, { tokenHash: next, expiresAt: T0 + DAY }, T0 + HOUR));
        assert.deepEqual(rotated, { ...session, lastUsedAt: T0 + HOUR, expiresAt: T0 + DAY });
        const stored = await storage.sessions.findById(session.id);
        assert.equal(stored?.lastUsedAt, T0 + HOUR);
        assert.equal(stored?.expiresAt, T0 + DAY, 'the session lives as long as its newest token');

        const again = assertRotated(await storage.sessions.rotateRefreshToken(next, { tokenHash: `rt_${randomUUID()}`, expiresAt: T0 + DAY }, T0 + 2 * HOUR));
        assert.equal(again.lastUsedAt, T0 + 2 * HOUR);
      });

      it('rotateRefreshToken reports a second use of the same token as reused, with its session id', async () => {
        const user = await createUser();
        const { session, tokenHash } = await createSession(user.id);
        assertRotated(await storage.sessions.rotateRefreshToken(tokenHash, { tokenHash: `rt_${randomUUID()}`, expiresAt: T0 + DAY }, T0 + 1));
        const second = await storage.sessions.rotateRefreshToken(tokenHash, { tokenHash: `rt_${randomUUID()}`, expiresAt: T0 + DAY }, T0 + 2);
        assert.deepEqual(second, { status: 'reused', sessionId: session.id });
      });

      it('rotateRefreshToken of an unknown token is invalid', async () => {
        const outcome = await storage.sessions.rotateRefreshToken(`rt_${randomUUID()}`, { tokenHash: `rt_${randomUUID()}`, expiresAt: T0 + DAY }, T0);
        assert.deepEqual(outcome, { status: 'invalid' });
      });

      it('rotateRefreshToken of an expired token is invalid, and its replacement is not stored', async () => {
        const user = await createUser();
        const { tokenHash } = await createSession(user.id, { tokenExpiresAt: T0 + HOUR });
        const next = `rt_${randomUUID()}`;
        const outcome = await storage.sessions.rotateRefreshToken(tokenHash, { tokenHash: next, expiresAt: T0 + DAY }, T0 + 2 * HOUR);
        assert.deepEqual(outcome, { status: 'invalid' });
        assert.equal(await storage.sessions.findByRefreshTokenHash(next), undefined);
      });

      it('rotateRefreshToken of an expired session\'s token is invalid', async () => {
        const user = await createUser();
        const { tokenHash } = await createSession(user.id, { expiresAt: T0 + HOUR });
        const outcome = await storage.sessions.rotateRefreshToken(tokenHash, { tokenHash: `rt_${randomUUID()}`, expiresAt: T0 + DAY }, T0 + 2 * HOUR);
        assert.deepEqual(outcome, { status: 'invalid' });
      });

      it('rotateRefreshToken of a revoked session\'s token is invalid, every time it is presented', async () => {
        const user = await createUser();
        const { session, tokenHash } = await createSession(user.id);
        await storage.sessions.revoke(user.id, session.id, T0 + 1);
        const next = `rt_${randomUUID()}`;
        // Presenting it twice (a client retrying after logout) must not look like theft.
        for (const now of [T0 + 2, T0 + 3]) {
          const outcome = await storage.sessions.rotateRefreshToken(tokenHash, { tokenHash: next, expiresAt: T0 + DAY }, now);
          assert.deepEqual(outcome, { status: 'invalid' }, `attempt at now=${now}`);
        }
        assert.equal(await storage.sessions.findByRefreshTokenHash(next), undefined);
      });

      it('revoke ends the session once, then reports false', async () => {
        const user = await createUser();
        const { session } = await createSession(user.id);
        assert.equal(await storage.sessions.revoke(user.id, session.id, T0 + 5), true);
        assert.equal((await storage.sessions.findById(session.id))?.revokedAt, T0 + 5);
        assert.equal(await storage.sessions.revoke(user.id, session.id, T0 + 6), false);
        assert.equal((await storage.sessions.findById(session.id))?.revokedAt, T0 + 5);
      });

      it('revoke of another user\'s session reports false and leaves it active', async () => {
        const owner = await createUser();
        const intruder = await createUser();
        const { session } = await createSession(owner.id);
        assert.equal(await storage.sessions.revoke(intruder.id, session.id, T0 + 5), false);
        assert.equal((await storage.sessions.findById(session.id))?.revokedAt, null);
      });

      it('revokeAllForUser revokes every other session of the user and returns how many', async () => {
        const user = await createUser();
        const other = await createUser();
        const kept = await createSession(user.id);
        await createSession(user.id);
        await createSession(user.id);
        const alreadyRevoked = await createSession(user.id);
        await storage.sessions.revoke(user.id, alreadyRevoked.session.id, T0 + 1);
        const othersSession = await createSession(other.id);

        assert.equal(await storage.sessions.revokeAllForUser(user.id, T0 + 2, kept.session.id), 2);
        assert.deepEqual((await storage.sessions.listActiveForUser(user.id, T0 + 3)).map((s) => s.id), [kept.session.id]);
        assert.equal((await storage.sessions.findById(othersSession.session.id))?.revokedAt, null);
        assert.equal((await storage.sessions.findById(alreadyRevoked.session.id))?.revokedAt, T0 + 1);
      });

      it('revokeAllForUser without a session to keep revokes them all', async () => {
        const user = await createUser();
        await createSession(user.id);
        await createSession(user.id);
        assert.equal(await storage.sessions.revokeAllForUser(user.id, T0 + 1), 2);
        assert.deepEqual(await storage.sessions.listActiveForUser(user.id, T0 + 2), []);
      });

      it('revokeAllForUser counts only active sessions: an expired one is not counted', async () => {
        const user = await createUser();
        await createSession(user.id, { expiresAt: T0 + HOUR });
        await createSession(user.id);
        assert.equal(await storage.sessions.revokeAllForUser(user.id, T0 + 2 * HOUR), 1);
      });
    });

    describe('wsTickets', () => {
      async function createTicket(expiresAt: number): Promise<{ ticketHash: string; userId: string; sessionId: string }> {
        const user = await createUser();
        const { session } = await createSession(user.id);
        const ticket = { ticketHash: `wt_${randomUUID()}`, userId: user.id, sessionId: session.id, createdAt: T0, expiresAt };
        await storage.wsTickets.create(ticket);
        return ticket;
      }

      it('a ticket can be consumed exactly once', async () => {
        const { ticketHash, userId, sessionId } = await createTicket(T0 + MINUTE);
        assert.deepEqual(await storage.wsTickets.consume(ticketHash, T0 + 1), { userId, sessionId });
        assert.equal(await storage.wsTickets.consume(ticketHash, T0 + 2), undefined);
      });

      it('an expired or unknown ticket cannot be consumed', async () => {
        const { ticketHash } = await createTicket(T0 + MINUTE);
        assert.equal(await storage.wsTickets.consume(ticketHash, T0 + 2 * MINUTE), undefined);
        assert.equal(await storage.wsTickets.consume(`wt_${randomUUID()}`, T0), undefined);
      });

      it('purgeExpired deletes only expired tickets and returns how many', async () => {
        // Far in the future so tickets left behind by other tests (all near T0) are already expired.
        const now = T0 + 1000 * DAY;
        await storage.wsTickets.purgeExpired(now);
        await createTicket(now - 2 * MINUTE);
        await createTicket(now - MINUTE);
        const live = await createTicket(now + MINUTE);

        assert.equal(await storage.wsTickets.purgeExpired(now), 2);
        assert.equal(await storage.wsTickets.purgeExpired(now), 0);
        assert.deepEqual(await storage.wsTickets.consume(live.ticketHash, now), { userId: live.userId, sessionId: live.sessionId });
      });
    });

    describe('deleted messages', () => deletionContract(() => storage));

    it('ping resolves while open and rejects once closed', async () => {
      const own = await open();
      try {
        await own.storage.ping();
        await own.storage.close();
        await assert.rejects(own.storage.ping());
      } finally {
        await own.cleanup();
      }
    });
  });
}
