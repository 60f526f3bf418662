import { ClientFrame, type ServerFrame, type StoredChannelEvent } from '@relaydesk/protocol';
import Value from 'typebox/value';
import { findBadString } from '../actions/textRules.js';

/**
 * A server frame serialized once, whoever receives it: its JSON text (what an SSE stream writes)
 * and, made on first use, the complete WebSocket frame, so a fan-out to thousands of sockets
 * neither re-encodes the text nor rebuilds a header per recipient.
 */
export class OutFrame {
  #wire: Buffer | undefined;

  constructor(readonly text: string) {}

  /** An unmasked, final text frame (RFC 6455 §5.2): header and UTF-8 payload in one buffer. */
  get wsBytes(): Buffer {
    return (this.#wire ??= textFrame(this.text));
  }
}

function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const bytes = Buffer.allocUnsafe(header + length);
  bytes[0] = 0x81; // FIN + opcode 1 (text)
  if (length < 126) {
    bytes[1] = length;
  } else if (length < 65536) {
    bytes[1] = 126;
    bytes.writeUInt16BE(length, 2);
  } else {
    bytes[1] = 127;
    bytes.writeBigUInt64BE(BigInt(length), 2);
  }
  bytes.write(text, header);
  return bytes;
}

/** The `event` frame of a stored change; built once per change, sent as is to every recipient. */
export const eventFrame = (e: StoredChannelEvent): OutFrame => new OutFrame(JSON.stringify({ type: 'event', ...e } satisfies ServerFrame));

export const frame = (f: ServerFrame): OutFrame => new OutFrame(JSON.stringify(f));

/**
 * A client frame's JSON, or undefined when it is not one: binary, not JSON, or holding a string
 * the REST API would refuse too (an unpaired surrogate such as a `\ud800` escape, or a NUL;
 * docs/text.md). Invalid UTF-8 never gets here: ws closes such a socket with 1007.
 */
export function parseClientFrame(text: string, isBinary: boolean): unknown {
  if (isBinary) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return findBadString(parsed) ? undefined : parsed;
}

/** Each client frame type's own schema, to say which field of a known frame is wrong. */
const FRAME_SCHEMAS = new Map(ClientFrame.anyOf.map((schema) => [schema.properties.type.const as string, schema]));

export type FrameCheck =
  | { ok: true; frame: ClientFrame }
  /** Not a frame at all: not JSON, not an object, or of no known type. */
  | { ok: false; code: 'INVALID_FRAME' }
  /** A known frame with a bad field: refused like its REST twin's body (400 VALIDATION_FAILED). */
  | { ok: false; code: 'VALIDATION_FAILED'; ref: string | undefined; field: string; reason: string };

/** Validates a parsed client frame against the one schema both transports share (@relaydesk/protocol). */
export function checkClientFrame(parsed: unknown): FrameCheck {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, code: 'INVALID_FRAME' };
  const { type, ref } = parsed as { type?: unknown; ref?: unknown };
  const schema = typeof type === 'string' ? FRAME_SCHEMAS.get(type) : undefined;
  if (!schema) return { ok: false, code: 'INVALID_FRAME' };
  const [first] = [...Value.Errors(schema, parsed)];
  if (!first) return { ok: true, frame: parsed as ClientFrame };
  const safeRef = typeof ref === 'string' && ref.length <= 64 ? ref : undefined;
  return { ok: false, code: 'VALIDATION_FAILED', ref: safeRef, field: first.instancePath.slice(1).split('/')[0] || 'frame', reason: first.message };
}
