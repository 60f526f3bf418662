import argon2 from 'argon2';

/**
 * argon2id at OWASP's baseline (19 MiB, 2 passes, 1 lane): about 25 ms on one core here, which
 * is slow for an attacker with a stolen table and cheap enough for a login endpoint.
 */
export class PasswordHasher {
  private readonly options: argon2.HashOptions & { raw?: false };
  private dummyHash: Promise<string> | undefined;

  constructor(memoryKiB: number) {
    this.options = { type: argon2.argon2id, memoryCost: memoryKiB, timeCost: 2, parallelism: 1 };
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, this.options);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /** Spends the time of a real verification, so "no such user" is not faster than "wrong password". */
  async burn(password: string): Promise<void> {
    this.dummyHash ??= this.hash('relaydesk-timing-equaliser');
    await this.verify(await this.dummyHash, password);
  }
}
