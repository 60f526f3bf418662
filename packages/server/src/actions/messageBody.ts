import { MessageLimits } from '@relaydesk/protocol';
import { AppError } from '../errors.js';
import { codePoints, isBlank } from './textRules.js';

// C0 and C1 control characters except tab (\u0009) and newline (\u000a): matching them is the point.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/**
 * NFC-normalised and trimmed; 1–10,000 code points (not UTF-16 units: an emoji counts once); no
 * control characters but \n and \t (docs/text.md). A message that carries files may have an
 * empty body (a photo without a caption).
 */
export function normalizeBody(raw: string, options: { allowEmpty?: boolean } = {}): string {
  const body = raw.normalize('NFC').trim();
  const problem = (message: string) => new AppError('VALIDATION_FAILED', `Message ${message}`, [{ field: 'body', message }]);
  if (FORBIDDEN_CONTROL.test(body)) throw problem('must not contain control characters');
  if (body === '' && options.allowEmpty) return body;
  // Zero-width characters alone render as an empty message.
  if (isBlank(body)) throw problem('must not be empty');
  const length = codePoints(body);
  if (length > MessageLimits.bodyMax) throw problem(`must be at most ${MessageLimits.bodyMax} characters`);
  return body;
}

const MENTION = /(^|[^\p{L}\p{N}_@])@([A-Za-z0-9_]{3,30})(?![A-Za-z0-9_])/gu;
const CHANNEL_WIDE = new Set(['channel', 'here', 'everyone']);

/** `@username` (case-insensitive) and `@channel` / `@here` / `@everyone`. */
export function parseMentions(body: string): { usernames: string[]; channel: boolean } {
  const usernames = new Set<string>();
  let channel = false;
  for (const match of body.matchAll(MENTION)) {
    const name = match[2]!.toLowerCase();
    if (CHANNEL_WIDE.has(name)) channel = true;
    else usernames.add(name);
  }
  return { usernames: [...usernames], channel };
}
