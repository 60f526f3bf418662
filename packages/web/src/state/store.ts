import { useSyncExternalStore } from 'react';
import { initialState, type ChatState } from './types.js';

/** One immutable state object; components subscribe to the slices they read. */
let state: ChatState = initialState;
const listeners = new Set<() => void>();

export function getState(): ChatState {
  return state;
}

export function setState(update: Partial<ChatState> | ((s: ChatState) => Partial<ChatState>)): void {
  const patch = typeof update === 'function' ? update(state) : update;
  state = { ...state, ...patch };
  listeners.forEach((l) => l());
}

export function resetState(): void {
  state = initialState;
  listeners.forEach((l) => l());
}

export function useChat<T>(select: (s: ChatState) => T): T {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => select(state),
  );
}
