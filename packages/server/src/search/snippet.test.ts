import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildSnippet } from './snippet.js';

/** The highlighted pieces of text, which is what a reader sees. */
const marked = ({ snippet, highlights }: ReturnType<typeof buildSnippet>): string[] => highlights.map(([s, e]) => snippet.slice(s, e));

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('buildSnippet', () => {
  it('returns a short body whole, highlighting every match case-insensitively', () => {
    const result = buildSnippet('Deploy the DEPLOYMENT now', 'deploy');
    assert.deepEqual(result, { snippet: 'Deploy the DEPLOYMENT now', highlights: [[0, 6], [11, 17]] });
  });

  it('highlights each term of the query, sorted, merging overlapping or touching ranges', () => {
    assert.deepEqual(marked(buildSnippet('ship the release train', 'train release')), ['release', 'train']);
    assert.deepEqual(buildSnippet('foobar', 'foo bar').highlights, [[0, 6]]);
    assert.deepEqual(buildSnippet('foobar', 'foob oba').highlights, [[0, 5]]);
  });

  it('matches at word starts, or anywhere when a term only occurs inside words (partial words, CJK)', () => {
    assert.deepEqual(marked(buildSnippet('a cat concatenates', 'cat')), ['cat']);
    assert.deepEqual(buildSnippet('a cat concatenates', 'cat').highlights, [[2, 5]]);
    assert.deepEqual(buildSnippet('the redeployment', 'ploy').highlights, [[8, 12]]);
    assert.deepEqual(buildSnippet('明日は東京に行きます', '東京').highlights, [[3, 5]]);
    assert.deepEqual(buildSnippet('明日は東京に行きます', '東京 行き').highlights, [[3, 5], [6, 8]]);
  });

  it('cuts a long body to a window around the first match, with an ellipsis at each cut end', () => {
    const body = `${'lorem ipsum dolor '.repeat(30)}the needle is here ${'sit amet consectetur '.repeat(30)}`;
    const result = buildSnippet(body, 'needle', 80);
    assert.ok(result.snippet.startsWith('…') && result.snippet.endsWith('…'), result.snippet);
    assert.ok(result.snippet.length <= 80, `${result.snippet.length} characters`);
    assert.deepEqual(marked(result), ['needle']);
    assert.ok(result.snippet.indexOf('needle') < 40, 'more context after the match than before');
    assert.doesNotMatch(result.snippet, /^… |…$ /, 'no space next to an ellipsis');
  });

  it('fills the window from before a match near the end, and does not add an ellipsis there', () => {
    const body = `${'word '.repeat(100)}final needle`;
    const result = buildSnippet(body, 'needle', 60);
    assert.ok(result.snippet.startsWith('…') && result.snippet.endsWith('final needle'), result.snippet);
    assert.ok(result.snippet.length >= 50 && result.snippet.length <= 60);
    assert.deepEqual(marked(result), ['needle']);
  });

  it('starts at the beginning when nothing matches', () => {
    const result = buildSnippet('alpha beta gamma '.repeat(40), 'zeta', 50);
    assert.ok(result.snippet.startsWith('alpha beta') && result.snippet.endsWith('…'));
    assert.ok(result.snippet.length <= 50);
    assert.deepEqual(result.highlights, []);
    assert.deepEqual(buildSnippet('anything', '   ').highlights, []);
  });

  it('clips a match cut by the window to its visible part', () => {
    const result = buildSnippet(`${'x'.repeat(20)}${'y'.repeat(300)}`, 'y'.repeat(300), 50);
    assert.ok(result.snippet.length <= 50);
    for (const [s, e] of result.highlights) assert.ok(s >= 0 && e <= result.snippet.length && s < e);
    assert.match(marked(result).join(''), /^y+$/);
  });

  it('returns plain text: markup in the body stays text, nothing is added', () => {
    const result = buildSnippet('<b>bold</b> & <script>x</script>', 'bold');
    assert.equal(result.snippet, '<b>bold</b> & <script>x</script>');
    assert.deepEqual(marked(result), ['bold']);
  });

  it('treats regular-expression characters in the query literally', () => {
    assert.deepEqual(marked(buildSnippet('a.b (c) [d] a+b', '(c) a+b')), ['(c)', 'a+b']);
    assert.deepEqual(buildSnippet('abc', '.').highlights, []);
    assert.deepEqual(buildSnippet('abc', '\\ * ? ^ $ |').highlights, []);
  });

  it('collapses whitespace to single spaces, with offsets into the result', () => {
    const result = buildSnippet('  first line\n\n second\tline  ', 'line');
    assert.equal(result.snippet, 'first line second line');
    assert.deepEqual(marked(result), ['line', 'line']);
  });

  it('counts offsets in UTF-16 code units and never splits a surrogate pair', () => {
    assert.deepEqual(buildSnippet('😀 deploy', 'deploy').highlights, [[3, 9]]);
    const body = `${'😀'.repeat(150)} needle ${'🎉'.repeat(150)}`;
    for (const max of [40, 41, 42, 43]) {
      const result = buildSnippet(body, 'needle', max);
      assert.doesNotMatch(result.snippet, LONE_SURROGATE, `maxLength ${max}`);
      assert.deepEqual(marked(result), ['needle']);
    }
  });
});
