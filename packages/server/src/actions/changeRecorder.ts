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

const NOTHING_CHANGED = Symbol('nothing changed');

/**
 * Runs one numbered change in a channel. The channel's next sequence number is taken first: that
 * row lock orders every change of the channel, so what `work` checks (is the message still
 * there? is the author still a member?) cannot be changed by a racing request before commit.
 * `work` returns undefined when there is nothing to change, which rolls the number back.
 */
export async function changeChannel<T>(storage: Storage, channelId: string, work: (tx: Storage, seq: number) => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await storage.transaction(async (tx) => {
      const result = await work(tx, await tx.channels.nextSeq(channelId));
      if (result === undefined) throw NOTHING_CHANGED;
      return result;
    });
  } catch (err) {
    if (err === NOTHING_CHANGED) return undefined;
    throw err;
  }
}
