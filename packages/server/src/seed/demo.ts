import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';
import { ConflictError } from '../storage/errors.js';
import { createWorkspace } from '../actions/workspaceManager.js';
import { createChannel, openConversation } from '../actions/channelCreator.js';
import { sendMessage } from '../actions/messageSender.js';
import { setReaction } from '../actions/reactions.js';
import { setPinned } from '../actions/pins.js';

/** The demo accounts of PRODUCT.md. Seeded directly: their password predates the registration rules. */
export const DEMO_USERS = [
  { username: 'alice_dev', displayName: 'Alice (Dev)', email: 'alice@acme.example' },
  { username: 'bob_design', displayName: 'Bob (Design)', email: 'bob@acme.example' },
  { username: 'carol_ops', displayName: 'Carol (Ops)', email: 'carol@acme.example' },
] as const;
export const DEMO_PASSWORD = 'demo123';

/**
 * Seeds the demo into an empty database: the users, the "Acme" workspace, "Development Team" and
 * a few other channels with history, a thread, reactions, a pin and a DM. It goes through the same
 * actions as the API, so every change is numbered like any other. A seeded database is left alone.
 */
export async function seedDemo(ctx: AppContext): Promise<boolean> {
  if (await ctx.storage.users.findByLogin(DEMO_USERS[0].username)) return false;
  const passwordHash = await ctx.passwords.hash(DEMO_PASSWORD);
  const [alice, bob, carol] = DEMO_USERS.map((u) => ({ id: randomUUID(), ...u, passwordHash, createdAt: ctx.clock.now() }));
  try {
    await ctx.storage.users.create(alice!);
  } catch (err) {
    // Several nodes started at once on an empty database: the first to create alice seeds.
    if (err instanceof ConflictError) return false;
    throw err;
  }
  for (const u of [bob!, carol!]) await ctx.storage.users.create(u);

  const acme = await createWorkspace(ctx, alice!.id, 'Acme');
  for (const u of [bob!, carol!]) {
    await ctx.storage.workspaces.addMember({ workspaceId: acme.id, userId: u.id, role: 'member', joinedAt: ctx.clock.now() });
  }
  const everyone = [bob!.id, carol!.id];
  const dev = await createChannel(ctx, alice!.id, acme.id, { name: 'Development Team', topic: 'Builds, reviews and releases', memberIds: everyone });
  const general = await createChannel(ctx, alice!.id, acme.id, { name: 'General', topic: 'Company-wide announcements', memberIds: everyone });
  await createChannel(ctx, carol!.id, acme.id, { name: 'Random', memberIds: [alice!.id] });
  const ops = await createChannel(ctx, carol!.id, acme.id, { name: 'Ops On-Call', kind: 'private', memberIds: [alice!.id] });

  const say = async (userId: string, channelId: string, body: string, threadRootId?: string) =>
    (await sendMessage(ctx, userId, channelId, { body, ...(threadRootId ? { threadRootId } : {}) })).message;

  await say(alice!.id, general.id, 'Welcome to RelayDesk, everyone! 👋');
  await say(bob!.id, dev.id, 'Morning! The new onboarding mockups are in the design folder.');
  const release = await say(alice!.id, dev.id, 'Release 2.4 goes out Thursday. @carol_ops can you book the deploy window?');
  await say(carol!.id, dev.id, 'Booked 14:00–15:00 UTC.', release.id);
  await say(alice!.id, dev.id, 'Perfect, thanks!', release.id);
  await setReaction(ctx, bob!.id, release.id, '🚀', true);
  await setReaction(ctx, carol!.id, release.id, '👍', true);
  await setPinned(ctx, alice!.id, release.id, true);
  await say(bob!.id, dev.id, 'Reviews welcome on the search UI branch — trigram search finds 部分一致 too.');
  await say(carol!.id, ops.id, 'Disk alert on db-2 resolved; root cause was log rotation.');

  const { channel: dm } = await openConversation(ctx, bob!.id, acme.id, [alice!.id]);
  await say(bob!.id, dm.id, 'Hey Alice, do you have a minute to look at the color palette?');
  await say(alice!.id, dm.id, 'Sure, after standup.');
  return true;
}
