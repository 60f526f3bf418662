/**
 * The excerpt shown for a search result: plain text (the caller escapes or renders it as text;
 * this never produces markup) and the ranges to highlight, as [start, end) UTF-16 offsets into
 * the returned snippet, sorted, with overlapping or touching ranges merged.
 */
export interface Snippet {
  snippet: string;
  highlights: [number, number][];
}

const ELLIPSIS = '…';
/** How far a cut end may move to land between words instead of inside one. */
const WORD_SNAP = 20;
/** The share of the spare room that goes before the first match: some context, mostly after. */
const LEAD_SHARE = 1 / 3;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Where the query's terms occur in `text`, case-insensitively. Like the search itself, a term
 * matches at the start of a word; a term with no such occurrence (a partial word, or CJK text,
 * which has no spaces between words) matches anywhere instead.
 */
function findMatches(text: string, query: string): [number, number][] {
  const ranges: [number, number][] = [];
  const terms = [...new Set(query.normalize('NFC').split(/\s+/u).filter((t) => t !== ''))];
  for (const term of terms) {
    const escaped = escapeRegExp(term);
    for (const pattern of [`(?<![\\p{L}\\p{N}\\p{M}])${escaped}`, escaped]) {
      const found = [...text.matchAll(new RegExp(pattern, 'giu'))].map((m): [number, number] => [m.index, m.index + m[0].length]);
      if (found.length > 0) {
        ranges.push(...found);
        break;
      }
    }
  }
  return ranges;
}

function merge(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = out[out.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}

const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/** The [start, end) window of at most `room` code units around [matchStart, matchEnd). */
function chooseWindow(text: string, matchStart: number, matchEnd: number, room: number): [number, number] {
  const matchLength = Math.min(matchEnd - matchStart, room);
  let start = Math.max(0, matchStart - Math.floor((room - matchLength) * LEAD_SHARE));
  let end = Math.min(text.length, start + room);
  start = Math.max(0, end - room); // near the end of the text, use the room before the match

  // Prefer cutting at a space, if one is near and the first match stays inside.
  if (start > 0 && /\S/u.test(text[start - 1]!)) {
    const space = text.indexOf(' ', start);
    if (space !== -1 && space - start <= WORD_SNAP && space < matchStart) start = space + 1;
  }
  if (end < text.length && /\S/u.test(text[end]!)) {
    const space = text.lastIndexOf(' ', end);
    if (space !== -1 && end - space <= WORD_SNAP && space >= matchEnd) end = space;
  }
  // Never split a surrogate pair (an emoji, a rare CJK character) in two.
  if (start > 0 && isLowSurrogate(text.charCodeAt(start))) start += 1;
  if (end < text.length && isLowSurrogate(text.charCodeAt(end))) end -= 1;
  return [start, end];
}

export function buildSnippet(body: string, query: string, maxLength = 200): Snippet {
  // One line: runs of whitespace (newlines included) become one space before anything is
  // measured, so every offset refers to the text as returned.
  const text = body.replace(/\s+/gu, ' ').trim();
  const matches = merge(findMatches(text, query));
  if (text.length <= maxLength) return { snippet: text, highlights: matches };

  // Room for the text itself, keeping space for an ellipsis at either cut end.
  const room = Math.max(1, maxLength - 2 * ELLIPSIS.length);
  const [first] = matches;
  let [start, end] = first ? chooseWindow(text, first[0], first[1], room) : chooseWindow(text, 0, 0, room);
  while (start < end && text[start] === ' ') start += 1;
  while (end > start && text[end - 1] === ' ') end -= 1;

  const lead = start > 0 ? ELLIPSIS : '';
  const trail = end < text.length ? ELLIPSIS : '';
  const shift = lead.length - start;
  const highlights = matches
    .map(([s, e]): [number, number] => [Math.max(s, start) + shift, Math.min(e, end) + shift])
    .filter(([s, e]) => s < e);
  return { snippet: lead + text.slice(start, end) + trail, highlights };
}
