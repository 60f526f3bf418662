import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as ws from 'ws';
import { OutFrame } from './frames.js';

// ws exports its Sender at run time; @types/ws does not describe it.
const { Sender } = ws as unknown as {
  Sender: { frame(data: Buffer, options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean }): Buffer[] };
};

/** What ws itself puts on the wire for `send(text)` from a server (unmasked, final, uncompressed). */
function wsBytes(text: string): Buffer {
  const parts = Sender.frame(Buffer.from(text), { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: true });
  return Buffer.concat(parts);
}

describe('OutFrame', () => {
  // The three header forms of RFC 6455: 7-bit, 16-bit and 64-bit payload lengths, at their edges.
  for (const length of [0, 1, 125, 126, 65535, 65536, 200_000]) {
    it(`builds the same bytes as ws for a ${length}-byte text`, () => {
      const text = 'x'.repeat(length);
      assert.deepEqual(new OutFrame(text).wsBytes, wsBytes(text));
    });
  }

  it('counts UTF-8 bytes, not characters', () => {
    const text = JSON.stringify({ body: 'héllo 👋 日本語'.repeat(20) });
    const bytes = new OutFrame(text).wsBytes;
    assert.deepEqual(bytes, wsBytes(text));
    assert.equal(bytes.subarray(4).toString('utf8'), text);
  });

  it('builds the wire bytes once, whoever sends them', () => {
    const out = new OutFrame('{"type":"pong"}');
    assert.equal(out.wsBytes, out.wsBytes);
  });
});
