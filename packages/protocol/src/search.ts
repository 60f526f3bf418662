import Type from 'typebox';
import { Message } from './messages.js';

export const SearchQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 200 }),
    channelId: Type.Optional(Type.String({ maxLength: 64 })),
    fromUserId: Type.Optional(Type.String({ maxLength: 64 })),
    before: Type.Optional(Type.String({ format: 'date-time' })),
    after: Type.Optional(Type.String({ format: 'date-time' })),
    hasFile: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
    /** Opaque, from the previous page's nextCursor. */
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type SearchQuery = Type.Static<typeof SearchQuery>;

export const SearchHit = Type.Object({
  message: Message,
  /** Plain text around the matches (shortened with …); never HTML. */
  snippet: Type.String(),
  /** [start, end) UTF-16 offsets into `snippet` of each matched part, for the client to highlight. */
  highlights: Type.Array(Type.Tuple([Type.Integer(), Type.Integer()])),
  rank: Type.Number(),
});
export const SearchResults = Type.Object({ hits: Type.Array(SearchHit), nextCursor: Type.Union([Type.String(), Type.Null()]) });
