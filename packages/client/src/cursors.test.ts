import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelCursors } from './cursors.js';

describe('ChannelCursors: resume bookkeeping', () => {
  it('accept: the next seq is applied, an old one is a duplicate, one further ahead is a gap', () => {
    const cursors = new ChannelCursors();
    cursors.set('c1', 10);
    assert.equal(cursors.accept('c1', 11), 'apply');
    assert.equal(cursors.get('c1'), 11);
    assert.equal(cursors.accept('c1', 11), 'duplicate');
    assert.equal(cursors.accept('c1', 3), 'duplicate');
    assert.equal(cursors.accept('c1', 13), 'gap');
    assert.equal(cursors.get('c1'), 11, 'neither a duplicate nor a gap moves the cursor');
    assert.equal(cursors.accept('c1', 12), 'apply');
    assert.equal(cursors.accept('c1', 13), 'apply');
  });

  it('a channel seen for the first time starts at its first event; channels are independent', () => {
    const cursors = new ChannelCursors();
    assert.equal(cursors.accept('new', 42), 'apply');
    assert.equal(cursors.get('new'), 42);
    assert.equal(cursors.accept('other', 1), 'apply');
    assert.equal(cursors.accept('new', 43), 'apply');
    assert.equal(cursors.get('other'), 1);
  });

  it('advance moves forward only; set is explicit and may move back', () => {
    const cursors = new ChannelCursors();
    cursors.advance('c1', 5);
    assert.equal(cursors.get('c1'), 5);
    cursors.advance('c1', 9);
    cursors.advance('c1', 7);
    assert.equal(cursors.get('c1'), 9, 'a slower history load does not rewind');
    cursors.set('c1', 2);
    assert.equal(cursors.get('c1'), 2);
  });

  it('snapshot is what the resume frame carries: a plain copy; forget drops a channel', () => {
    const cursors = new ChannelCursors();
    cursors.set('c1', 118);
    cursors.set('c9', 40);
    const snap = cursors.snapshot();
    assert.deepEqual(snap, { c1: 118, c9: 40 });
    cursors.accept('c1', 119);
    assert.deepEqual(snap, { c1: 118, c9: 40 }, 'not a live view');
    cursors.forget('c9');
    assert.deepEqual(cursors.snapshot(), { c1: 119 });
    assert.deepEqual(new ChannelCursors().snapshot(), {});
  });
});
