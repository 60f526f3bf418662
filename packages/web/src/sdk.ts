import { createStore, del, entries, set } from 'idb-keyval';
import { RelayDeskClient, MemoryOutboxStore, type OutboxItem, type OutboxStore } from '@relaydesk/client';

/** Unsent messages live in IndexedDB, so a reload (or a crash) while offline loses nothing. */
function indexedDbOutbox(): OutboxStore {
  if (typeof indexedDB === 'undefined') return new MemoryOutboxStore();
  const store = createStore('relaydesk', 'outbox');
  return {
    load: async () => (await entries<string, OutboxItem>(store)).map(([, item]) => item),
    put: (item) => set(item.clientMessageId, item, store),
    delete: (id) => del(id, store),
  };
}

export const client = new RelayDeskClient({ auth: 'cookie', outboxStore: indexedDbOutbox() });
export const api = client.api;
