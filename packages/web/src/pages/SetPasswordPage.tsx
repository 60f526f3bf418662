import { useState, type FormEvent } from 'react';
import { isApiError } from '@relaydesk/client';
import { api } from '../sdk.js';
import { navigate } from '../router.js';
import { FormError } from '../components/FormError.js';

/** The token of an admin-issued link, read from the fragment once and then removed from the address bar. */
function takeToken(): string {
  const token = location.hash.slice(1);
  if (token) history.replaceState(history.state, '', location.pathname);
  return token;
}

/** /set-password#<token>: a provisioned member sets their first password, then logs in. */
export function SetPasswordPage() {
  const [token] = useState(takeToken);
  const [error, setError] = useState<string | null>(token ? null : 'This link is incomplete; open the whole link you were sent.');
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const password = String(new FormData(e.currentTarget).get('password'));
    setBusy(true);
    setError(null);
    try {
      await api.auth.setPassword({ token, password });
      navigate('/login?password=set', { replace: true });
    } catch (err) {
      setError(isApiError(err, 'LINK_INVALID') ? 'This link is invalid, expired or already used. Ask an admin for a new one.' : isApiError(err) ? err.message : 'Something went wrong.');
      setBusy(false);
    }
  }
  return (
    <main className="auth">
      <form className="auth-card" onSubmit={submit} aria-labelledby="set-password-title">
        <h1 id="set-password-title">Set your password</h1>
        <label>
          New password
          <input name="password" type="password" autoComplete="new-password" minLength={8} maxLength={128} required autoFocus />
        </label>
        <FormError message={error} />
        <button type="submit" className="primary" disabled={busy || !token}>
          {busy ? 'Saving…' : 'Set password'}
        </button>
      </form>
    </main>
  );
}
