import { useEffect, useState, type FormEvent } from 'react';
import { isApiError, type Channel } from '@relaydesk/client';
import { api } from '../sdk.js';
import { useChat } from '../state/store.js';
import { createChannel, createWorkspace, joinChannel, openDm, selectChannel } from '../state/chat.js';
import { Dialog } from './Dialog.js';
import { FormError } from './FormError.js';

interface Props {
  open: boolean;
  onClose: () => void;
}

const message = (e: unknown) => (isApiError(e) ? e.message : 'Something went wrong.');

export function CreateWorkspaceDialog({ open, onClose }: Props) {
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    try {
      await createWorkspace(String(new FormData(e.currentTarget).get('name')).trim());
      onClose();
    } catch (err) {
      setError(message(err));
    }
  }
  return (
    <Dialog title="Create a workspace" open={open} onClose={onClose}>
      <form onSubmit={submit} className="stack">
        <label>
          Name
          <input name="name" required maxLength={80} autoFocus />
        </label>
        <FormError message={error} />
        <button type="submit" className="primary">
          Create workspace
        </button>
      </form>
    </Dialog>
  );
}

export function CreateChannelDialog({ open, onClose }: Props) {
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    try {
      await createChannel(String(form.get('name')).trim(), form.get('private') ? 'private' : 'public', String(form.get('topic')).trim());
      onClose();
    } catch (err) {
      setError(isApiError(err, 'SLUG_TAKEN') ? 'A channel with that name exists.' : message(err));
    }
  }
  return (
    <Dialog title="Create a channel" open={open} onClose={onClose}>
      <form onSubmit={submit} className="stack">
        <label>
          Name
          <input name="name" required maxLength={80} autoFocus />
        </label>
        <label>
          Topic (optional)
          <input name="topic" maxLength={250} />
        </label>
        <label className="inline">
          <input type="checkbox" name="private" /> Private (only invited members can see it)
        </label>
        <FormError message={error} />
        <button type="submit" className="primary">
          Create
        </button>
      </form>
    </Dialog>
  );
}

export function BrowseChannelsDialog({ open, onClose }: Props) {
  const channels = useChat((s) => s.channels);
  const [error, setError] = useState<string | null>(null);
  const visible = Object.values(channels)
    .filter((c: Channel) => c.kind === 'public' || c.kind === 'private')
    .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
  return (
    <Dialog title="Browse channels" open={open} onClose={onClose}>
      <ul className="browse-list">
        {visible.map((c) => (
          <li key={c.id}>
            <div>
              <strong>{c.name}</strong>
              {c.topic && <small> — {c.topic}</small>}
            </div>
            {c.isMember ? (
              <button type="button" onClick={() => void selectChannel(c.id).then(onClose)}>
                Open
              </button>
            ) : (
              <button type="button" className="primary" onClick={() => joinChannel(c.id).then(onClose, (e) => setError(message(e)))}>
                Join
              </button>
            )}
          </li>
        ))}
      </ul>
      <FormError message={error} />
    </Dialog>
  );
}

export function NewDmDialog({ open, onClose }: Props) {
  const members = useChat((s) => s.members);
  const me = useChat((s) => s.me);
  const [chosen, setChosen] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const others = Object.values(members).filter((m) => m.userId !== me?.id);
  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      await openDm(chosen);
      setChosen([]);
      onClose();
    } catch (err) {
      setError(message(err));
    }
  }
  return (
    <Dialog title="New direct message" open={open} onClose={onClose}>
      <form onSubmit={submit} className="stack">
        <fieldset>
          <legend>People (up to 7)</legend>
          {others.map((m) => (
            <label key={m.userId} className="inline">
              <input
                type="checkbox"
                checked={chosen.includes(m.userId)}
                onChange={(e) => setChosen((c) => (e.target.checked ? [...c, m.userId] : c.filter((id) => id !== m.userId)))}
              />{' '}
              {m.displayName} <small>@{m.username}</small>
            </label>
          ))}
        </fieldset>
        <FormError message={error} />
        <button type="submit" className="primary" disabled={chosen.length === 0 || chosen.length > 7}>
          Open conversation
        </button>
      </form>
    </Dialog>
  );
}

export function InviteDialog({ open, onClose }: Props) {
  const workspaceId = useChat((s) => s.workspaceId);
  const [link, setLink] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!open) setLink(null);
  }, [open]);
  async function create() {
    try {
      const invite = await api.workspaces.createInvite(workspaceId!, { expiresInSeconds: 7 * 24 * 3600 });
      setLink(`${location.origin}/invite/${encodeURIComponent(invite.code)}`);
    } catch (err) {
      setError(isApiError(err, 'FORBIDDEN') ? 'Only workspace admins can create invite links.' : message(err));
    }
  }
  return (
    <Dialog title="Invite people" open={open} onClose={onClose}>
      <div className="stack">
        <p>Anyone with the link can join this workspace for the next 7 days.</p>
        {link ? (
          <label>
            Invite link
            <input readOnly value={link} onFocus={(e) => e.currentTarget.select()} data-testid="invite-link" />
          </label>
        ) : (
          <button type="button" className="primary" onClick={() => void create()}>
            Create invite link
          </button>
        )}
        <FormError message={error} />
      </div>
    </Dialog>
  );
}
