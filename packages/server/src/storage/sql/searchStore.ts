import type { Kysely } from 'kysely';
import type { MessageRecord, SearchRequest, SearchStore } from '../messagePort.js';
import type { Database } from './schema.js';

/** Placeholder until the full-text indexes land (0003_search): never called by routes yet. */
export class SqlSearchStore implements SearchStore {
  constructor(private readonly db: Kysely<Database>) {}

  async search(_request: SearchRequest): Promise<{ message: MessageRecord; rank: number }[]> {
    void this.db;
    return [];
  }
}
