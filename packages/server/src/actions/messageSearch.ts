import type { SearchQuery } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import type { MessageRecord } from '../storage/port.js';
import { AppError } from '../errors.js';
import { accessWorkspace } from '../policies/workspaceAccess.js';
import { accessChannel } from '../policies/channelAccess.js';
import { buildSnippet } from '../search/snippet.js';

export interface SearchHitRecord {
  message: MessageRecord;
  rank: number;
  snippet: string;
  highlights: [number, number][];
}

/** Offsets travel as an opaque cursor so clients don't build on how pagination works. */
const encodeCursor = (offset: number) => Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
function decodeCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  try {
    const { o } = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { o: unknown };
    if (typeof o === 'number' && Number.isInteger(o) && o >= 0 && o <= 10_000) return o;
  } catch {
    // fall through
  }
  throw new AppError('VALIDATION_FAILED', 'Invalid cursor', [{ field: 'cursor', message: 'is not a cursor from a previous page' }]);
}

/**
 * Searches what the user can read right now in one workspace. The storage query itself enforces
 * visibility; a channel filter is also checked here so a foreign channel id answers 404.
 */
export async function searchMessages(ctx: AppContext, userId: string, workspaceId: string, q: SearchQuery) {
  await accessWorkspace(ctx, userId, workspaceId);
  if (q.channelId) {
    const { channel } = await accessChannel(ctx, userId, q.channelId);
    if (channel.workspaceId !== workspaceId) throw new AppError('NOT_FOUND', 'No such channel');
  }
  const query = q.q.normalize('NFC').trim();
  if (!query) throw new AppError('VALIDATION_FAILED', 'Search for something', [{ field: 'q', message: 'must not be blank' }]);
  const limit = q.limit ?? 20;
  const offset = decodeCursor(q.cursor);
  const rows = await ctx.storage.search.search({
    workspaceId,
    userId,
    query,
    channelId: q.channelId,
    authorId: q.fromUserId,
    before: q.before ? Date.parse(q.before) : undefined,
    after: q.after ? Date.parse(q.after) : undefined,
    hasFile: q.hasFile,
    limit: limit + 1,
    offset,
  });
  const hits: SearchHitRecord[] = rows.slice(0, limit).map(({ message, rank }) => ({ message, rank, ...buildSnippet(message.body, query) }));
  return { hits, nextCursor: rows.length > limit ? encodeCursor(offset + limit) : null };
}
