import type { ChannelEventData, StoredChannelEvent } from '@relaydesk/protocol';
import type { Storage } from '../storage/port.js';
import { presentEvent } from '../presenters/chat.js';

/**
 * Numbers a change: takes the channel's next sequence number and appends the event, inside the
 * caller's transaction, so the change, its number and its feed entry commit (or vanish) together.
 */
export async function recordChange(
  tx: Storage,
  channelId: string,
  actorId: string,
  now: number,
  event: ChannelEventData,
  seq?: number,
): Promise<StoredChannelEvent> {
  const number = seq ?? (await tx.channels.nextSeq(channelId));
  const record = { channelId, seq: number, actorId, createdAt: now, payload: event };
  await tx.events.append(record);
  return presentEvent(record);
}
