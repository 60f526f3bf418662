import path from 'node:path';
import { FileLimits } from '@relaydesk/protocol';
import { AppError } from '../errors.js';

// Characters a shown name loses (docs/text.md): C0/C1 controls; the invisible zero-width space,
// word joiner and byte-order mark; the left-to-right and right-to-left marks, the line and
// paragraph separators and the bidi embedding/override/isolate controls (they can make
// "invoice\u202etxt.exe" read as "invoiceexe.txt"); and " < > : | ? *, which break the header or
// a desktop's save dialog. ZWJ and ZWNJ stay: emoji sequences and Persian or Indic words need them.
// eslint-disable-next-line no-control-regex
const REMOVED = /[\u0000-\u001f\u007f-\u009f\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff"<>:|?*]/g;
/** A kept extension: a dot and 1–16 characters without spaces or dots, after something else. */
const EXTENSION = /(?<=[^.])\.[^.\s]{1,16}$/u;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

const codePoints = (s: string) => [...s].length;

/** The longest start of `text` of at most `max` code points that ends between two graphemes. */
function cutAtGrapheme(text: string, max: number): string {
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const n = codePoints(segment);
    if (used + n > max) break;
    out += segment;
    used += n;
  }
  // One grapheme longer than the limit (a base letter with hundreds of combining marks).
  return out || [...text].slice(0, max).join('');
}

const trimEnds = (s: string) => s.replace(/^[\s.]+/u, '').replace(/[\s.]+$/u, '');

/**
 * The display name of an upload, from whatever the client sent, by the rules of docs/text.md:
 * NFC; the last path segment; the characters above removed; each run of whitespace one space;
 * no leading or trailing spaces and dots; 'file' if nothing is left; and at most
 * `FileLimits.nameMax` code points, cut between graphemes, keeping an extension of up to 16.
 * A name with U+FFFD (what bytes that are not UTF-8 became) is refused. Only ever shown and put
 * in Content-Disposition; storage paths never derive from it.
 */
export function sanitizeFilename(raw: string | undefined): string {
  let name = (raw ?? '').normalize('NFC');
  if (name.includes('\ufffd')) {
    throw new AppError('VALIDATION_FAILED', 'The file name is not valid UTF-8', [{ field: 'file', message: 'has a name that is not valid UTF-8' }]);
  }
  name = name.split(/[/\\]/).pop() ?? '';
  name = trimEnds(name.replace(REMOVED, '').replace(/\s+/gu, ' '));
  if (!name) return 'file';
  if (codePoints(name) <= FileLimits.nameMax) return name;
  const ext = EXTENSION.exec(name)?.[0] ?? '';
  const base = name.slice(0, name.length - ext.length);
  const cut = trimEnds(cutAtGrapheme(base, FileLimits.nameMax - codePoints(ext)));
  return cut ? cut + ext : cutAtGrapheme(name, FileLimits.nameMax);
}

/** The lower-case extension without the dot ('' when none). */
export const extensionOf = (name: string) => path.extname(name).slice(1).toLowerCase();
