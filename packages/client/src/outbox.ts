import type { Message } from './api.js';
import { Emitter } from './emitter.js';
import { ApiError } from './errors.js';
import { Backoff } from './backoff.js';

export interface OutboxItem {
  /** Chosen here, before the first attempt: every retry carries it, so the server stores one message. */
  clientMessageId: string;
  channelId: string;
  body: string;
  threadRootId?: string;
  /** Files uploaded before the message was queued (uploads need a connection; the send may wait). */
  attachmentIds?: string[];
  createdAt: string;
  status: 'pending' | 'sending' | 'failed';
  error?: { code: string; message: string };
}

/** Where unsent messages survive a reload (IndexedDB in browsers, memory elsewhere). */
export interface OutboxStore {
  load(): Promise<OutboxItem[]>;
  put(item: OutboxItem): Promise<void>;
  delete(clientMessageId: string): Promise<void>;
}

export class MemoryOutboxStore implements OutboxStore {
  private readonly items = new Map<string, OutboxItem>();
  async load() {
    return [...this.items.values()];
  }
  async put(item: OutboxItem) {
    this.items.set(item.clientMessageId, { ...item });
  }
  async delete(id: string) {
    this.items.delete(id);
  }
}

export interface OutboxOptions {
  store?: OutboxStore;
  /** Delivers one message (socket or REST); resolves with the stored message once committed. */
  deliver: (item: OutboxItem) => Promise<Message>;
  newId?: () => string;
  now?: () => Date;
}

type OutboxEvents = { change: [OutboxItem[]]; sent: [OutboxItem, Message] };

/** Errors worth retrying by themselves; anything else is the user's decision (retry or discard). */
const TRANSIENT = new Set<ApiError['code']>(['NETWORK_ERROR', 'RATE_LIMITED', 'INTERNAL', 'NOT_READY', 'REQUEST_TIMEOUT']);

/**
 * Messages composed while offline or in flight: persisted first, shown as pending, delivered in
 * order with their client message ids when a connection is there — never twice, never lost.
 */
export class Outbox extends Emitter<OutboxEvents> {
  private readonly items = new Map<string, OutboxItem>();
  private readonly store: OutboxStore;
  private flushing: Promise<void> | null = null;
  /** After a transient failure the outbox tries again by itself (a reconnect also flushes it sooner). */
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly retryBackoff = new Backoff({ baseMs: 1000, capMs: 30_000 });
  private again = false;

  constructor(private readonly options: OutboxOptions) {
    super();
    this.store = options.store ?? new MemoryOutboxStore();
  }

  /** Restores what a previous page left unsent; interrupted sends become pending again. */
  async load(): Promise<void> {
    for (const item of await this.store.load()) {
      if (this.items.has(item.clientMessageId)) continue;
      this.items.set(item.clientMessageId, item.status === 'sending' ? { ...item, status: 'pending' } : item);
    }
    this.changed();
  }

  list(channelId?: string): OutboxItem[] {
    const all = [...this.items.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    return channelId === undefined ? all : all.filter((i) => i.channelId === channelId);
  }

  /** Queues a message and tries to send it; resolves once it is persisted locally. */
  async enqueue(message: { channelId: string; body: string; threadRootId?: string; attachmentIds?: string[]; clientMessageId?: string }): Promise<OutboxItem> {
    const id = message.clientMessageId ?? (this.options.newId ?? randomId)();
    const existing = this.items.get(id);
    if (existing) return existing;
    const item: OutboxItem = {
      clientMessageId: id,
      channelId: message.channelId,
      body: message.body,
      ...(message.threadRootId ? { threadRootId: message.threadRootId } : {}),
      ...(message.attachmentIds?.length ? { attachmentIds: message.attachmentIds } : {}),
      createdAt: (this.options.now?.() ?? new Date()).toISOString(),
      status: 'pending',
    };
    this.items.set(id, item);
    await this.store.put(item);
    this.changed();
    void this.flush();
    return item;
  }

  async retry(clientMessageId: string): Promise<void> {
    const item = this.items.get(clientMessageId);
    if (!item || item.status !== 'failed') return;
    await this.update({ ...item, status: 'pending', error: undefined });
    void this.flush();
  }

  async discard(clientMessageId: string): Promise<void> {
    const item = this.items.get(clientMessageId);
    if (!item || item.status === 'sending') return;
    this.items.delete(clientMessageId);
    await this.store.delete(clientMessageId);
    this.changed();
  }

  /** Sends every pending item, oldest first; one pass at a time (a call during a pass runs another). */
  flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again);
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async pass(): Promise<void> {
    for (const item of this.list()) {
      if (item.status !== 'pending' || !this.items.has(item.clientMessageId)) continue;
      await this.update({ ...item, status: 'sending' });
      try {
        const message = await this.options.deliver(item);
        this.items.delete(item.clientMessageId);
        await this.store.delete(item.clientMessageId);
        this.changed();
        this.emit('sent', item, message);
        this.retryBackoff.reset();
      } catch (e) {
        const error = e instanceof ApiError ? e : new ApiError(0, 'NETWORK_ERROR', String(e));
        if (TRANSIENT.has(error.code)) {
          // Still pending: the next flush (on reconnect, or the retry timer) sends it with the same client message id.
          await this.update({ ...item, status: 'pending' });
          this.scheduleRetry(error.retryAfterMs ?? 0);
          return;
        }
        await this.update({ ...item, status: 'failed', error: { code: error.code, message: error.message } });
      }
    }
  }

  private scheduleRetry(minimumMs: number): void {
    if (this.retryTimer) return;
    const timer = setTimeout(() => {
      this.retryTimer = null;
      void this.flush();
    }, this.retryBackoff.next(minimumMs));
    // In Node, a pending retry must not keep a finished script alive.
    (timer as { unref?: () => void }).unref?.();
    this.retryTimer = timer;
  }

  /** Stops the retry timer (the client is shutting down). */
  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private async update(item: OutboxItem): Promise<void> {
    if (!this.items.has(item.clientMessageId)) return;
    this.items.set(item.clientMessageId, item);
    await this.store.put(item);
    this.changed();
  }

  private changed(): void {
    this.emit('change', this.list());
  }
}

/** A UUID where crypto.randomUUID exists (secure contexts), random hex otherwise. */
export function randomId(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  c.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
