import { useState } from 'react';
import type { Channel } from '@relaydesk/client';
import { useChat } from '../state/store.js';
import { channelLabel, logout, selectChannel, selectWorkspace, sortedChannels } from '../state/chat.js';
import { navigate } from '../router.js';
import { BrowseChannelsDialog, CreateChannelDialog, CreateWorkspaceDialog, InviteDialog, NewDmDialog } from './SidebarDialogs.js';
import { PresenceDot } from './PresenceDot.js';

type DialogName = 'create' | 'browse' | 'dm' | 'invite' | 'workspace' | null;

export function Sidebar({ onNavigate }: { onNavigate?: () => void }) {
  const me = useChat((s) => s.me);
  const workspaces = useChat((s) => s.workspaces);
  const workspaceId = useChat((s) => s.workspaceId);
  const channels = useChat((s) => s.channels);
  const [dialog, setDialog] = useState<DialogName>(null);
  const mine = sortedChannels(Object.values(channels).filter((c) => c.isMember));
  const rooms = mine.filter((c) => c.kind === 'public' || c.kind === 'private');
  const dms = mine.filter((c) => c.kind === 'dm' || c.kind === 'group_dm');
  const role = workspaces.find((w) => w.id === workspaceId)?.role;
  const isAdmin = role === 'owner' || role === 'admin';

  return (
    <nav className="sidebar" aria-label="Channels">
      <div className="workspace-switcher">
        <label htmlFor="workspace-select" className="sr-only">
          Workspace
        </label>
        {workspaces.length > 0 && (
          <select id="workspace-select" value={workspaceId ?? ''} onChange={(e) => void selectWorkspace(e.target.value)}>
            {workspaces.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
        )}
        <button type="button" className="link" onClick={() => setDialog('workspace')}>
          {workspaces.length === 0 ? 'Create a workspace to start' : 'New workspace'}
        </button>
      </div>
      <section aria-labelledby="rooms-heading">
        <div className="sidebar-heading">
          <h2 id="rooms-heading">Channels</h2>
          <button type="button" className="icon" aria-label="Create channel" title="Create channel" onClick={() => setDialog('create')} disabled={!workspaceId}>
            +
          </button>
        </div>
        <ul className="channel-list">
          {rooms.map((c) => (
            <ChannelLink key={c.id} channel={c} onNavigate={onNavigate} />
          ))}
        </ul>
        <button type="button" className="link" onClick={() => setDialog('browse')} disabled={!workspaceId}>
          Browse channels
        </button>
      </section>
      <section aria-labelledby="dms-heading">
        <div className="sidebar-heading">
          <h2 id="dms-heading">Direct messages</h2>
          <button type="button" className="icon" aria-label="New direct message" title="New direct message" onClick={() => setDialog('dm')} disabled={!workspaceId}>
            +
          </button>
        </div>
        <ul className="channel-list">
          {dms.map((c) => (
            <ChannelLink key={c.id} channel={c} onNavigate={onNavigate} />
          ))}
        </ul>
      </section>
      <div className="sidebar-footer">
        {/* Only admins can make invites: nobody is shown a button that would refuse them. */}
        {isAdmin && workspaceId && (
          <button type="button" className="link" onClick={() => setDialog('invite')}>
            Invite people
          </button>
        )}
        {isAdmin && (
          <button type="button" className="link" onClick={() => navigate('/admin')}>
            Workspace admin
          </button>
        )}
        <button type="button" className="link" onClick={() => navigate('/settings/sessions')}>
          Sessions
        </button>
        <div className="me">
          <span>
            Signed in as <strong>{me?.username}</strong>
          </span>
          <button type="button" onClick={() => void logout()}>
            Log out
          </button>
        </div>
      </div>
      <CreateChannelDialog open={dialog === 'create'} onClose={() => setDialog(null)} />
      <BrowseChannelsDialog open={dialog === 'browse'} onClose={() => setDialog(null)} />
      <NewDmDialog open={dialog === 'dm'} onClose={() => setDialog(null)} />
      <InviteDialog open={dialog === 'invite'} onClose={() => setDialog(null)} />
      <CreateWorkspaceDialog open={dialog === 'workspace'} onClose={() => setDialog(null)} />
    </nav>
  );
}

function ChannelLink({ channel, onNavigate }: { channel: Channel; onNavigate?: (() => void) | undefined }) {
  const selected = useChat((s) => s.selectedChannelId === channel.id);
  const unread = useChat((s) => s.unreads[channel.id]);
  const me = useChat((s) => s.me);
  const other = channel.kind === 'dm' ? channel.memberIds?.find((id) => id !== me?.id) : undefined;
  const label = channelLabel(channel);
  const count = unread?.unreadCount ?? 0;
  const mentions = unread?.mentionCount ?? 0;
  const prefix = channel.kind === 'private' ? '🔒 ' : channel.kind === 'public' ? '# ' : '';
  return (
    <li>
      <button
        type="button"
        className={`channel-link${selected ? ' selected' : ''}${count > 0 ? ' unread' : ''}`}
        aria-current={selected ? 'page' : undefined}
        onClick={() => {
          void selectChannel(channel.id);
          onNavigate?.();
        }}
      >
        {other && <PresenceDot userId={other} />}
        <span className="channel-prefix" aria-hidden="true">
          {prefix}
        </span>
        <span className="channel-name">{label}</span>
        {mentions > 0 ? (
          <span className="badge mention" aria-label={`${mentions} mention${mentions === 1 ? '' : 's'}`}>
            @{mentions}
          </span>
        ) : count > 0 ? (
          <span className="badge" aria-label={`${count} unread`}>
            {count > 999 ? '999+' : count}
          </span>
        ) : null}
      </button>
    </li>
  );
}
