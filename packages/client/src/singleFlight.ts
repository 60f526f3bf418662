/**
 * Wraps an async function so that concurrent callers share one call in flight: ten requests that
 * find the access token expired at once cause one refresh, not ten (which, with rotating refresh
 * tokens, would look like token theft and end the session).
 */
export function singleFlight<T>(fn: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return () => {
    inFlight ??= fn().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
}
