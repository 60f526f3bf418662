import Type from 'typebox';
import { TextRules } from './limits.js';

// Building blocks the schema modules share; not part of the package's exports.

/** An entity id as the API carries it (UUIDs today; bounded so a forged one stays cheap to refuse). */
export const Id = Type.String({ minLength: 1, maxLength: 64 });
/**
 * A position in a channel's sequence. Bounded: JSON and query strings can spell numbers past what a
 * 64-bit column holds (`1e999` is Infinity, `99999999999999999999`), which PostgreSQL would refuse
 * with an error instead of the client getting a 400.
 */
export const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** An instant as ISO 8601 in UTC, e.g. `2026-11-25T05:30:00.000Z`. */
export const Timestamp = Type.String({ format: 'date-time' });

/**
 * One-line text (names, topics; docs/text.md): at most `max` code points as sent and again once
 * NFC-normalised and trimmed (the server checks the second), none of `TextRules.lineForbidden`,
 * and something besides whitespace unless it may be empty.
 */
export function LineText(max: number, options: { allowEmpty?: boolean; description?: string } = {}) {
  const chars = `[^${TextRules.lineForbidden}]*`;
  return Type.String({
    minLength: options.allowEmpty ? 0 : 1,
    maxLength: max,
    // The lookahead wants one non-space; anchored, so linear on any input.
    pattern: options.allowEmpty ? `^${chars}$` : `^(?=.*\\S)${chars}$`,
    description: `${options.description ?? 'One line of text'}: ${options.allowEmpty ? 0 : 1}–${max} code points after NFC normalisation and trimming; no control, line-break or bidi-control characters.`,
  });
}
