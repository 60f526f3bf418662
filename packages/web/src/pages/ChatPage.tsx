import { useEffect, useState, type MouseEvent } from 'react';
import { useTabTitle } from '../components/tabTitle.js';
import type { Message } from '@relaydesk/client';
import { api } from '../sdk.js';
import { useChat } from '../state/store.js';
import { bootstrap, channelLabel, jumpTo } from '../state/chat.js';
import { navigate } from '../router.js';
import { Sidebar } from '../components/Sidebar.js';
import { MessageList } from '../components/MessageList.js';
import { Composer } from '../components/Composer.js';
import { SeenBy, TypingIndicator } from '../components/ChannelFooter.js';
import { ThreadPanel } from '../components/ThreadPanel.js';
import { SearchPanel } from '../components/SearchPanel.js';
import { ConnectionBanner } from '../components/ConnectionBanner.js';
import { Dialog } from '../components/Dialog.js';
import { ThemeToggle } from '../components/ThemeToggle.js';

export function ChatPage() {
  const [ready, setReady] = useState(false);
  const [navOpen, setNavOpen] = useState(false);
  const [searching, setSearching] = useState(false);
  const me = useChat((s) => s.me);
  const channelId = useChat((s) => s.selectedChannelId);
  const threadRootId = useChat((s) => s.threadRootId);
  const announcement = useChat((s) => s.announcement);
  useTabTitle();

  // Phones: the channel list is a drawer. Opening it takes the focus into it; Escape or picking a
  // channel closes it and gives the focus back to its toggle.
  useEffect(() => {
    if (!navOpen) return;
    (document.querySelector<HTMLElement>('.sidebar [aria-current="page"]') ?? document.querySelector<HTMLElement>('.sidebar button'))?.focus();
  }, [navOpen]);
  const closeNav = () => {
    if (!navOpen) return;
    setNavOpen(false);
    if (document.activeElement?.closest('.sidebar')) document.querySelector<HTMLElement>('.nav-toggle')?.focus();
  };

  useEffect(() => {
    if (me) return setReady(true);
    bootstrap().then(
      (ok) => (ok ? setReady(true) : navigate('/login', { replace: true })),
      () => setReady(true),
    );
  }, [me]);

  if (!ready) return <p className="loading-screen">Loading RelayDesk…</p>;
  return (
    <div className={`chat-layout${navOpen ? ' nav-open' : ''}`} onKeyDown={(e) => navOpen && e.key === 'Escape' && closeNav()}>
      <a href="#composer" className="skip-link" onClick={focusComposer}>
        Skip to message box
      </a>
      <ConnectionBanner />
      <Sidebar onNavigate={closeNav} />
      <main className="channel-view" aria-label="Conversation">
        {channelId ? <ChannelView channelId={channelId} onToggleNav={() => setNavOpen((o) => !o)} onSearch={() => setSearching(true)} /> : <EmptyState onToggleNav={() => setNavOpen((o) => !o)} />}
      </main>
      {threadRootId && <ThreadPanel rootId={threadRootId} />}
      {searching && <SearchPanel onClose={() => setSearching(false)} />}
      <div className="sr-only" aria-live="polite" aria-atomic="true" data-testid="announcer">
        {announcement}
      </div>
    </div>
  );
}

/** The skip link lands in the message box itself, not just near it (screen readers follow focus). */
function focusComposer(e: MouseEvent<HTMLAnchorElement>) {
  const box = document.querySelector<HTMLTextAreaElement>('#composer textarea');
  if (!box) return;
  e.preventDefault();
  box.focus();
}

function EmptyState({ onToggleNav }: { onToggleNav: () => void }) {
  return (
    <div className="empty-state">
      <button type="button" className="icon nav-toggle" aria-label="Show channels" onClick={onToggleNav}>
        ☰
      </button>
      <p>Pick a channel, or browse and join one.</p>
    </div>
  );
}

function ChannelView({ channelId, onToggleNav, onSearch }: { channelId: string; onToggleNav: () => void; onSearch: () => void }) {
  const channel = useChat((s) => s.channels[channelId]);
  const [pins, setPins] = useState<Message[] | null>(null);
  if (!channel) return null;
  const label = channelLabel(channel);
  return (
    <>
      <header className="channel-header">
        <button type="button" className="icon nav-toggle" aria-label="Show channels" onClick={onToggleNav}>
          ☰
        </button>
        <div className="channel-title">
          <h1>{channel.kind === 'public' ? `# ${label}` : label}</h1>
          {channel.topic && <p className="topic">{channel.topic}</p>}
        </div>
        <div className="header-actions">
          <button type="button" onClick={() => void api.channels.pins(channelId).then((r) => setPins(r.messages))}>
            Pins
          </button>
          <button type="button" onClick={onSearch}>
            Search
          </button>
          <ThemeToggle />
        </div>
      </header>
      <MessageList channelId={channelId} />
      <SeenBy channelId={channelId} />
      <TypingIndicator channelId={channelId} />
      <div id="composer">
        <Composer channelId={channelId} label={`Message ${channel.kind === 'public' ? '#' : ''}${label}`} />
      </div>
      <Dialog title="Pinned messages" open={pins !== null} onClose={() => setPins(null)}>
        {pins?.length === 0 && <p>Nothing pinned yet.</p>}
        <ul className="pins">
          {pins?.map((m) => (
            <li key={m.id}>
              <button type="button" className="search-hit" onClick={() => (setPins(null), void jumpTo(m))}>
                {m.body.slice(0, 140)}
              </button>
            </li>
          ))}
        </ul>
      </Dialog>
    </>
  );
}
