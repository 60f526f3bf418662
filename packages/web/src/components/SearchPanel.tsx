import { useState, type FormEvent } from 'react';
import { isApiError, type SearchResults } from '@relaydesk/client';
import { api } from '../sdk.js';
import { useChat } from '../state/store.js';
import { channelLabel, jumpTo } from '../state/chat.js';
import { FormError } from './FormError.js';

type Hit = SearchResults['hits'][number];

/** Highlights the matched parts of a plain-text snippet (offsets from the server, never HTML). */
function Snippet({ hit }: { hit: Hit }) {
  const parts: (string | { mark: string })[] = [];
  let at = 0;
  for (const [start, end] of hit.highlights) {
    parts.push(hit.snippet.slice(at, start), { mark: hit.snippet.slice(start, end) });
    at = end;
  }
  parts.push(hit.snippet.slice(at));
  return <p className="snippet">{parts.map((p, i) => (typeof p === 'string' ? p : <mark key={i}>{p.mark}</mark>))}</p>;
}

export function SearchPanel({ onClose }: { onClose: () => void }) {
  const workspaceId = useChat((s) => s.workspaceId);
  const channels = useChat((s) => s.channels);
  const members = useChat((s) => s.members);
  const [results, setResults] = useState<SearchResults | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filters, setFilters] = useState<{ q: string; channelId: string; fromUserId: string }>({ q: '', channelId: '', fromUserId: '' });

  async function search(e?: FormEvent, cursor?: string) {
    e?.preventDefault();
    if (!workspaceId || !filters.q.trim()) return;
    try {
      const page = await api.workspaces.search(workspaceId, {
        q: filters.q.trim(),
        ...(filters.channelId ? { channelId: filters.channelId } : {}),
        ...(filters.fromUserId ? { fromUserId: filters.fromUserId } : {}),
        ...(cursor ? { cursor } : {}),
      });
      setResults((r) => (cursor && r ? { hits: [...r.hits, ...page.hits], nextCursor: page.nextCursor } : page));
      setError(null);
    } catch (err) {
      setError(isApiError(err) ? err.message : 'Search failed');
    }
  }

  return (
    <aside className="search-panel" aria-labelledby="search-heading">
      <header className="panel-header">
        <h2 id="search-heading">Search</h2>
        <button type="button" className="icon" aria-label="Close search" onClick={onClose}>
          ×
        </button>
      </header>
      <form role="search" onSubmit={search} className="stack">
        <label>
          Search messages
          <input type="search" value={filters.q} autoFocus maxLength={200} onChange={(e) => setFilters({ ...filters, q: e.target.value })} />
        </label>
        <label>
          In channel
          <select value={filters.channelId} onChange={(e) => setFilters({ ...filters, channelId: e.target.value })}>
            <option value="">Anywhere</option>
            {Object.values(channels)
              .filter((c) => c.isMember)
              .map((c) => (
                <option key={c.id} value={c.id}>
                  {channelLabel(c)}
                </option>
              ))}
          </select>
        </label>
        <label>
          From
          <select value={filters.fromUserId} onChange={(e) => setFilters({ ...filters, fromUserId: e.target.value })}>
            <option value="">Anyone</option>
            {Object.values(members).map((m) => (
              <option key={m.userId} value={m.userId}>
                {m.displayName}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      <FormError message={error} />
      {results && (
        <div className="search-results" aria-live="polite">
          <p>{results.hits.length === 0 ? 'No messages found.' : `${results.hits.length}${results.nextCursor ? '+' : ''} results`}</p>
          <ul>
            {results.hits.map((hit) => (
              <li key={hit.message.id}>
                <button type="button" className="search-hit" onClick={() => void jumpTo(hit.message)}>
                  <small>
                    {members[hit.message.authorId]?.displayName ?? 'Someone'} in {channels[hit.message.channelId] ? channelLabel(channels[hit.message.channelId]!) : 'a channel'}
                  </small>
                  <Snippet hit={hit} />
                </button>
              </li>
            ))}
          </ul>
          {results.nextCursor && (
            <button type="button" onClick={() => void search(undefined, results.nextCursor!)}>
              More results
            </button>
          )}
        </div>
      )}
    </aside>
  );
}
