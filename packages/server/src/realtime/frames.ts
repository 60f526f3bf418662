import type { ServerFrame, StoredChannelEvent } from '@relaydesk/protocol';

/** The `event` frame of a stored change; built once per change, sent as is to every recipient. */
export const eventFrame = (e: StoredChannelEvent): string => JSON.stringify({ type: 'event', ...e } satisfies ServerFrame);

export const frame = (f: ServerFrame): string => JSON.stringify(f);
