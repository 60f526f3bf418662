import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readSse } from './sseReader.js';

function body(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
}

async function read(chunks: string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const data of readSse(body(chunks))) out.push(data);
  return out;
}

describe('readSse', () => {
  it('yields each event once its blank line arrives, across chunk boundaries and CRLF', async () => {
    assert.deepEqual(await read(['data: {"a"', ':1}\r\n\r', '\ndata:{"b":2}\n', '\n']), ['{"a":1}', '{"b":2}']);
  });

  it('joins multi-line data, skips comments and other fields, and drops an unterminated last event', async () => {
    assert.deepEqual(await read([': ping\n\n', 'id: 7\nevent: x\ndata: one\ndata: two\n\n', 'data: cut off']), ['one\ntwo']);
  });

  it('decodes UTF-8 split between chunks', async () => {
    const bytes = new TextEncoder().encode('data: héllo 👋\n\n');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const b of bytes) controller.enqueue(new Uint8Array([b]));
        controller.close();
      },
    });
    const out: string[] = [];
    for await (const data of readSse(stream)) out.push(data);
    assert.deepEqual(out, ['héllo 👋']);
  });
});
