import { TextRules } from '@relaydesk/protocol';
import { AppError } from '../errors.js';

// The rules of docs/text.md that code, not a schema, has to apply: what a value becomes once
// normalised (NFC, trimmed) and the checks that only make sense on that result.

const FORBIDDEN_IN_LINE = new RegExp(`[${TextRules.lineForbidden}]`, 'u');
/** Invisible characters that must not be all a name or a message consists of. */
const INVISIBLE = /[\u200b-\u200d\u2060\ufeff]/g;

export const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n += 1;
  return n;
};

/** True when nothing would be seen: empty, or only whitespace and zero-width characters. */
export const isBlank = (s: string): boolean => s.replace(INVISIBLE, '').trim() === '';

const problem = (field: string, message: string) => new AppError('VALIDATION_FAILED', `${field} ${message}`, [{ field, message }]);

/**
 * A one-line text (names, topics): NFC-normalised and trimmed; no control characters, line or
 * paragraph separators or bidi embedding/override/isolate controls; at most `max` code points
 * after normalisation; not blank unless `allowEmpty` (then blank becomes '').
 */
export function normalizeLine(raw: string, field: string, max: number, options: { allowEmpty?: boolean } = {}): string {
  const value = raw.normalize('NFC').trim();
  if (FORBIDDEN_IN_LINE.test(value)) throw problem(field, 'must not contain control, line-break or bidi-control characters');
  if (isBlank(value)) {
    if (options.allowEmpty && value === '') return value;
    throw problem(field, 'must not be blank');
  }
  if (codePoints(value) > max) throw problem(field, `must be at most ${max} characters`);
  return value;
}

/** Where a parsed JSON value first holds a string no text field may carry, and why. */
export interface BadString {
  /** Dotted path, as in VALIDATION_FAILED details (`body`, `attachmentIds.0`); a key's own path for a bad key. */
  field: string;
  message: string;
}

// eslint-disable-next-line no-control-regex
const NUL = /\u0000/;
const LONE_SURROGATE = /\p{Cs}/u;

function whyBad(s: string): string | undefined {
  // With the u flag, a paired surrogate is one code point and only a lone one is \p{Cs}.
  if (LONE_SURROGATE.test(s)) return 'must be well-formed Unicode (it has an unpaired surrogate)';
  // PostgreSQL cannot store U+0000 in text and no field means it; refuse it everywhere alike.
  if (NUL.test(s)) return 'must not contain U+0000';
  return undefined;
}

/**
 * Walks a parsed body, query or frame (iteratively: nesting depth is the sender's choice) and
 * reports the first string, key or value, with an unpaired surrogate or a NUL.
 */
export function findBadString(value: unknown, root = ''): BadString | undefined {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'string') {
      const message = whyBad(v);
      if (message) return { field: at || 'body', message };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], at ? `${at}.${i}` : String(i)]);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (const [key] of entries) {
        const message = whyBad(key);
        // The key itself is not echoed back: it is the bad text.
        if (message) return { field: at || 'body', message: `has a key that ${message}` };
      }
      // Reversed onto the stack, so the first bad field in document order is the one named.
      for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i]![1], at ? `${at}.${entries[i]![0]}` : entries[i]![0]]);
    }
  }
  return undefined;
}
