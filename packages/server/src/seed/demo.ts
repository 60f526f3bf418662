import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';

/** The demo accounts of PRODUCT.md. Seeded directly: their password predates the registration rules. */
export const DEMO_USERS = [
  { username: 'alice_dev', displayName: 'Alice (Dev)', email: 'alice@acme.example' },
  { username: 'bob_design', displayName: 'Bob (Design)', email: 'bob@acme.example' },
  { username: 'carol_ops', displayName: 'Carol (Ops)', email: 'carol@acme.example' },
] as const;
export const DEMO_PASSWORD = 'demo123';

/** Seeds the demo data into an empty database; a database that has it already is left alone. */
export async function seedDemo(ctx: Pick<AppContext, 'storage' | 'passwords' | 'clock'>): Promise<boolean> {
  if (await ctx.storage.users.findByLogin(DEMO_USERS[0].username)) return false;
  const passwordHash = await ctx.passwords.hash(DEMO_PASSWORD);
  for (const u of DEMO_USERS) {
    await ctx.storage.users.create({ id: randomUUID(), ...u, passwordHash, createdAt: ctx.clock.now() });
  }
  return true;
}
