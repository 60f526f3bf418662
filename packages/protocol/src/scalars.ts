import Type from 'typebox';

// Building blocks the schema modules share; not part of the package's exports.

/** An entity id as the API carries it (UUIDs today; bounded so a forged one stays cheap to refuse). */
export const Id = Type.String({ minLength: 1, maxLength: 64 });
/** An instant as ISO 8601 in UTC, e.g. `2026-11-25T05:30:00.000Z`. */
export const Timestamp = Type.String({ format: 'date-time' });
