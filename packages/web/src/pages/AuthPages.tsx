import { useState, type FormEvent } from 'react';
import { isApiError } from '@relaydesk/client';
import { api } from '../sdk.js';
import { navigate } from '../router.js';
import { FormError } from '../components/FormError.js';
import { safeNextPath } from '../safeRedirect.js';

/** Where to go after signing in: back to an invite link, or to the rooms. */
function afterSignIn(): string {
  return safeNextPath(new URLSearchParams(location.search).get('next'), location.origin);
}

export function LoginPage() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await api.auth.login({ username: String(form.get('username')).trim(), password: String(form.get('password')) });
      navigate(afterSignIn(), { replace: true });
    } catch (err) {
      setError(isApiError(err, 'INVALID_CREDENTIALS') ? 'Wrong username or password.' : isApiError(err) ? err.message : 'Something went wrong.');
      setBusy(false);
    }
  }
  return (
    <main className="auth">
      <form className="auth-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Log in to RelayDesk</h1>
        <label>
          Username or email
          <input name="username" autoComplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <FormError message={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <p>
          No account?{' '}
          <a href={`/register${location.search}`} onClick={(e) => (e.preventDefault(), navigate(`/register${location.search}`))}>
            Create one
          </a>
        </p>
      </form>
    </main>
  );
}

const FIELDS = [
  { name: 'email', label: 'Email', type: 'email', autoComplete: 'email' },
  { name: 'username', label: 'Username', type: 'text', autoComplete: 'username', hint: '3–30 characters: a–z, 0–9 and _' },
  { name: 'displayName', label: 'Display name (optional)', type: 'text', autoComplete: 'name' },
  { name: 'password', label: 'Password', type: 'password', autoComplete: 'new-password', hint: 'At least 8 characters' },
] as const;

/** What each field must be, in words (the API's messages name schema keywords). */
const FIELD_RULES: Record<string, string> = {
  email: 'Enter an email address like name@example.com.',
  username: 'Use 3–30 characters: lower-case letters, digits and _.',
  password: 'Use 8–128 characters.',
  displayName: 'Use 1–64 characters, without control characters.',
};

export function RegisterPage() {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const displayName = String(form.get('displayName')).trim();
    setBusy(true);
    setErrors({});
    setError(null);
    try {
      await api.auth.register({
        email: String(form.get('email')).trim(),
        username: String(form.get('username')).trim().toLowerCase(),
        password: String(form.get('password')),
        ...(displayName ? { displayName } : {}),
      });
      navigate(afterSignIn(), { replace: true });
    } catch (err) {
      setBusy(false);
      if (!isApiError(err)) return setError('Something went wrong.');
      if (err.code === 'USERNAME_TAKEN') return setErrors({ username: 'That username is taken.' });
      if (err.code === 'EMAIL_TAKEN') return setErrors({ email: 'An account with this email exists.' });
      const byField = Object.fromEntries(err.details.map((d) => [d.field.replace(/^\//, ''), FIELD_RULES[d.field.replace(/^\//, '')] ?? d.message]));
      if (Object.keys(byField).length > 0) setErrors(byField);
      else setError(err.message);
    }
  }
  return (
    <main className="auth">
      <form className="auth-card" onSubmit={submit} aria-labelledby="register-title" noValidate>
        <h1 id="register-title">Create your account</h1>
        {FIELDS.map((f) => (
          <label key={f.name}>
            {f.label}
            <input
              name={f.name}
              type={f.type}
              autoComplete={f.autoComplete}
              required={f.name !== 'displayName'}
              aria-invalid={errors[f.name] ? true : undefined}
              aria-describedby={errors[f.name] ? `${f.name}-error` : undefined}
            />
            {'hint' in f && !errors[f.name] && <small>{f.hint}</small>}
            {errors[f.name] && (
              <small id={`${f.name}-error`} className="field-error">
                {errors[f.name]}
              </small>
            )}
          </label>
        ))}
        <FormError message={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
        <p>
          Have an account?{' '}
          <a href={`/login${location.search}`} onClick={(e) => (e.preventDefault(), navigate(`/login${location.search}`))}>
            Log in
          </a>
        </p>
      </form>
    </main>
  );
}
