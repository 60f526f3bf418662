import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Where file bytes live. Keys are server-generated ids, never derived from user input. Local disk
 * now; an S3-compatible store implements the same four calls.
 */
export interface BlobStore {
  /** Moves a finished temporary file into the store under `key`. */
  putFile(key: string, sourcePath: string): Promise<void>;
  putBuffer(key: string, data: Buffer): Promise<void>;
  /** Bytes [start, end] inclusive, or all of them. */
  read(key: string, range?: { start: number; end: number }): Readable;
  size(key: string): Promise<number>;
  delete(key: string): Promise<void>;
}

const SAFE_KEY = /^[a-z0-9-]{8,80}(\.[a-z0-9]{1,8})?$/;

export class LocalDiskBlobStore implements BlobStore {
  constructor(readonly root: string) {
    fs.mkdirSync(root, { recursive: true });
  }

  /** Two levels of fan-out keep directories small; the key shape is checked so no path escapes. */
  private pathOf(key: string): string {
    if (!SAFE_KEY.test(key)) throw new Error(`invalid blob key ${JSON.stringify(key)}`);
    return path.join(this.root, key.slice(0, 2), key);
  }

  async putFile(key: string, sourcePath: string): Promise<void> {
    const { target, newFolder } = await this.prepare(key);
    try {
      await fsp.rename(sourcePath, target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      await fsp.copyFile(sourcePath, target);
      await fsp.rm(sourcePath, { force: true });
    }
    await this.makeDurable(target, newFolder);
  }

  async putBuffer(key: string, data: Buffer): Promise<void> {
    const { target, newFolder } = await this.prepare(key);
    await fsp.writeFile(target, data);
    await this.makeDurable(target, newFolder);
  }

  /** The key's path, its fan-out folder created if needed (`newFolder`: it was just created). */
  private async prepare(key: string): Promise<{ target: string; newFolder: boolean }> {
    const target = this.pathOf(key);
    const created = await fsp.mkdir(path.dirname(target), { recursive: true });
    return { target, newFolder: created !== undefined };
  }

  /**
   * A message that carries a file is acknowledged only once it is committed and synced; the
   * file's bytes and its name must be on disk by then too, or a power cut could leave the message
   * pointing at nothing. The root holds the fan-out folder's name, so it is synced when that
   * folder is new.
   */
  private async makeDurable(target: string, newFolder: boolean): Promise<void> {
    const paths = [target, path.dirname(target)];
    if (newFolder) paths.push(this.root);
    for (const p of paths) {
      const handle = await fsp.open(p, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  }

  read(key: string, range?: { start: number; end: number }): Readable {
    return fs.createReadStream(this.pathOf(key), range);
  }

  async size(key: string): Promise<number> {
    return (await fsp.stat(this.pathOf(key))).size;
  }

  async delete(key: string): Promise<void> {
    await fsp.rm(this.pathOf(key), { force: true });
  }
}
