import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { LocalDiskBlobStore } from './blobStore.js';

function withStore(test: (store: LocalDiskBlobStore, root: string) => Promise<void>): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-blobs-'));
  return test(new LocalDiskBlobStore(root), root).finally(() => fs.rmSync(root, { recursive: true, force: true }));
}

describe('LocalDiskBlobStore', () => {
  it('stores bytes from a buffer and from a file, in a new fan-out folder and in an existing one', async () => {
    await withStore(async (store, root) => {
      await store.putBuffer('ab000001', Buffer.from('first'));
      const tmp = path.join(root, 'upload.tmp');
      fs.writeFileSync(tmp, 'second');
      await store.putFile('ab000002', tmp); // same folder "ab", which exists now
      assert.equal(fs.existsSync(tmp), false, 'the temporary file was moved, not copied');
      assert.equal(await text(store.read('ab000001')), 'first');
      assert.equal(await text(store.read('ab000002')), 'second');
      assert.equal(await text(store.read('ab000002', { start: 1, end: 3 })), 'eco');
      assert.equal(await store.size('ab000002'), 6);
      assert.deepEqual(fs.readdirSync(path.join(root, 'ab')).sort(), ['ab000001', 'ab000002']);
    });
  });

  it('refuses a key that is not one of its own shape, and writes nothing', async () => {
    await withStore(async (store, root) => {
      for (const key of ['../../etc/passwd', 'ab/../../x', 'AB000001', 'short', '']) {
        await assert.rejects(store.putBuffer(key, Buffer.from('x')), /invalid blob key/, key);
      }
      assert.deepEqual(fs.readdirSync(root), [], 'nothing written anywhere');
    });
  });
});
