/** Where signing in lands when `?next=` is absent or refused. */
export const AFTER_SIGN_IN = '/rooms';

/** Pages that would only ask to sign in again. */
const SIGN_IN_PAGES = new Set(['/login', '/register']);

/**
 * Where a `?next=` may send the user after signing in: a path on this origin, nothing else. The
 * check parses the value the way the browser will: browsers read `\` as `/` in http(s) URLs, so
 * `/\evil.example` is `//evil.example`, another origin (navigating there threw and stranded the
 * user on the login page). Anything that does not resolve to this origin falls back to /rooms.
 */
export function safeNextPath(next: string | null, origin: string): string {
  // Whitespace and control characters are silently dropped by URL parsing; no app path has them.
  if (!next || /\s/.test(next) || [...next].some((c) => c.charCodeAt(0) < 0x20 || c === '\x7f')) return AFTER_SIGN_IN;
  const path = next.replace(/\\/g, '/');
  if (!path.startsWith('/') || path.startsWith('//')) return AFTER_SIGN_IN;
  let url: URL;
  try {
    url = new URL(path, origin);
  } catch {
    return AFTER_SIGN_IN;
  }
  if (url.origin !== origin || SIGN_IN_PAGES.has(url.pathname)) return AFTER_SIGN_IN;
  return url.pathname + url.search + url.hash;
}
