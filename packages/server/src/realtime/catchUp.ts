import type { AppContext } from '../context.js';
import type { Session } from './session.js';

/** Reads at once while catching up: enough to be quick, few enough to leave the pool to requests. */
const CONCURRENT_READS = 8;

/**
 * After the bus may have lost messages (Redis was unreachable, or another node's publishes
 * failed): every session delivers from storage what it missed, and closes if its sign-in session
 * was revoked meanwhile (a revocation is only ever heard on the bus). Each channel's head and each
 * sign-in session is read once for the whole node, however many sessions share it.
 */
export async function catchUpSessions(ctx: AppContext, sessions: Session[]): Promise<void> {
  const channels = new Set<string>();
  const bySignIn = new Map<string, Session[]>();
  for (const session of sessions) {
    for (const id of session.followedChannels()) channels.add(id);
    const group = bySignIn.get(session.authSessionId);
    if (group) group.push(session);
    else bySignIn.set(session.authSessionId, [session]);
  }
  const heads = new Map<string, number>();
  await eachLimited([...channels], async (id) => {
    const channel = await ctx.storage.channels.findById(id);
    if (channel) heads.set(id, channel.lastSeq);
  });
  for (const session of sessions) session.catchUp(heads);
  await eachLimited([...bySignIn.keys()], async (id) => {
    const signIn = await ctx.storage.sessions.findById(id);
    if (!signIn || signIn.revokedAt !== null || signIn.expiresAt <= ctx.clock.now()) for (const s of bySignIn.get(id)!) s.revoke();
  });
}

async function eachLimited<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENT_READS, items.length) }, worker));
}
