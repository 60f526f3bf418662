import path from 'node:path';
import { FileLimits } from '@relaydesk/protocol';

/**
 * A display name from whatever the client sent: Unicode-normalised, no directory part, no
 * control or separator characters, no leading dots, capped in length with the extension kept.
 * Only ever shown and put in Content-Disposition; storage paths never derive from it.
 */
export function sanitizeFilename(raw: string | undefined): string {
  let name = (raw ?? '').normalize('NFC');
  name = name.split(/[/\\]/).pop() ?? '';
  // Control, zero-width and bidi-override characters: removing them is the point.
  // eslint-disable-next-line no-control-regex
  name = name.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069"<>:|?*]/g, '');
  name = name.replace(/^[\s.]+/, '').replace(/[\s.]+$/, '').replace(/\s+/g, ' ');
  if (!name) return 'file';
  const chars = [...name];
  if (chars.length <= FileLimits.nameMax) return name;
  const ext = path.extname(name).slice(0, 12);
  return [...path.basename(name, path.extname(name))].slice(0, FileLimits.nameMax - [...ext].length).join('') + ext;
}

/** The lower-case extension without the dot ('' when none). */
export const extensionOf = (name: string) => path.extname(name).slice(1).toLowerCase();
