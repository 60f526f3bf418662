import { useEffect, useState } from 'react';
import { isApiError, type Session } from '@relaydesk/client';
import type { WorkspaceStats } from '@relaydesk/protocol';
import { api } from '../sdk.js';
import { navigate } from '../router.js';
import { getState, setState } from '../state/store.js';
import { FormError } from '../components/FormError.js';

const back = (
  <button type="button" className="link" onClick={() => navigate('/rooms')}>
    ← Back to chat
  </button>
);

/** /invite/:code — joins the workspace, or asks to log in first and comes back. */
export function InvitePage({ code }: { code: string }) {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    // The way back is this invite, named now: by the time an answer lands the URL may already be
    // /login (another 401 handler, a second run of this effect), and `next=/login` lost the invite.
    const invitePath = `/invite/${encodeURIComponent(code)}`;
    let current = true;
    api.workspaces.acceptInvite(code).then(
      (ws) => {
        if (!current) return;
        localStorage.setItem('relaydesk.workspace', ws.id);
        setState({ me: null });
        navigate('/rooms', { replace: true });
      },
      (e) => {
        if (!current) return;
        if (isApiError(e, 'UNAUTHENTICATED') || (isApiError(e) && e.status === 401)) navigate(`/login?next=${encodeURIComponent(invitePath)}`, { replace: true });
        else setError(isApiError(e, 'INVITE_INVALID') ? 'This invite link is invalid, expired or used up.' : 'Could not join.');
      },
    );
    return () => {
      current = false;
    };
  }, [code]);
  return (
    <main className="page">
      <h1>Joining workspace…</h1>
      <FormError message={error} />
      {back}
    </main>
  );
}

export function SessionsPage() {
  const [sessions, setSessions] = useState<Session[]>([]);
  const load = () => api.auth.sessions().then((r) => setSessions(r.sessions), () => navigate('/login'));
  useEffect(() => void load(), []);
  return (
    <main className="page">
      {back}
      <h1>Your sessions</h1>
      <table>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.id}>
              <td>
                {s.userAgent ?? 'Unknown device'} {s.current && <strong>(this device)</strong>}
              </td>
              <td>{new Date(s.lastUsedAt).toLocaleString()}</td>
              <td>
                {!s.current && (
                  <button type="button" onClick={() => void api.auth.revokeSession(s.id).then(load)}>
                    Sign out
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}


/** Live workspace figures for admins (open connections, messages per minute, active users), refreshed every 3 seconds. */
export function AdminPage() {
  const [stats, setStats] = useState<WorkspaceStats | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const workspaceId = getState().workspaceId ?? localStorage.getItem('relaydesk.workspace');
    if (!workspaceId) return navigate('/rooms');
    let stop = false;
    const tick = () =>
      api.workspaces.stats(workspaceId).then(
        (s) => !stop && setStats(s),
        (e) => !stop && setError(isApiError(e) ? e.message : 'Could not load'),
      );
    void tick();
    const t = setInterval(tick, 3000);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, []);
  return (
    <main className="page">
      {back}
      <h1>Workspace admin</h1>
      <FormError message={error} />
      {stats && (
        <dl className="stats" aria-live="polite">
          <div>
            <dt>Open connections</dt>
            <dd data-testid="stat-connections">{stats.openConnections}</dd>
          </div>
          <div>
            <dt>Messages per minute</dt>
            <dd data-testid="stat-mpm">{stats.messagesPerMinute}</dd>
          </div>
          <div>
            <dt>Active users</dt>
            <dd data-testid="stat-active">{stats.activeUsers}</dd>
          </div>
        </dl>
      )}
    </main>
  );
}
