import type { StoredChannelEvent } from '@relaydesk/protocol';
import type { BusMessage, RevokedSessions } from './bus.js';
import { OutFrame } from './frames.js';

/**
 * Bus messages as they travel between nodes: one line of JSON. A change carries only its frame's
 * text, which is the event with `type: "event"`: the receiving node parses it once and hands the
 * same text on to its sockets, so nothing is serialized twice.
 */
type Wire =
  | { k: 'c'; w: string; f: string; at: number }
  | { k: 'n'; f: string; c?: string; u?: string; id?: string }
  | { k: 'w'; w: string; m: boolean }
  | { k: 'r'; s: RevokedSessions }
  | { k: 'a'; w: string; t: string; s: number; f: string };

export function encodeBusMessage(m: BusMessage): string {
  let wire: Wire;
  switch (m.kind) {
    case 'change':
      // Wall-clock ms: the receiving node turns it into its own monotonic time (same host clock or NTP).
      wire = { k: 'c', w: m.workspaceId, f: m.frame.text, at: Date.now() - (performance.now() - m.publishedAt) };
      break;
    case 'notice':
      wire = { k: 'n', f: m.frame.text, c: m.channelId, u: m.fromUserId, id: m.id };
      break;
    case 'workspace':
      wire = { k: 'w', w: m.workspaceId, m: m.member };
      break;
    case 'revoked':
      wire = { k: 'r', s: m.sessions };
      break;
    case 'app':
      wire = { k: 'a', w: m.workspaceId, t: m.topic, s: m.seq, f: m.frame.text };
      break;
  }
  return JSON.stringify(wire);
}

export function decodeBusMessage(text: string): BusMessage {
  const wire = JSON.parse(text) as Wire;
  switch (wire.k) {
    case 'c': {
      const { type: _type, ...event } = JSON.parse(wire.f) as StoredChannelEvent & { type: 'event' };
      return { kind: 'change', workspaceId: wire.w, event, frame: new OutFrame(wire.f), publishedAt: performance.now() - Math.max(0, Date.now() - wire.at) };
    }
    case 'n':
      return { kind: 'notice', frame: new OutFrame(wire.f), channelId: wire.c, fromUserId: wire.u, id: wire.id };
    case 'w':
      return { kind: 'workspace', workspaceId: wire.w, member: wire.m };
    case 'r':
      return { kind: 'revoked', sessions: wire.s };
    case 'a':
      return { kind: 'app', workspaceId: wire.w, topic: wire.t, seq: wire.s, frame: new OutFrame(wire.f) };
  }
}
