import { randomUUID } from 'node:crypto';
import type { Message } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import type { DeliveryRecord, OutgoingHookRecord } from '../storage/port.js';
import type { OutboundClient } from '../outbound/outboundClient.js';
import { isOutboundError } from '../outbound/outboundClient.js';
import { presentEvent } from '../presenters/chat.js';
import { signWebhook, type SecretSealer } from '../auth/webhookSigning.js';
import { sendMessage } from '../actions/messageSender.js';

const POLL_MS = 1000;
const BATCH = 20;
const SCAN_LIMIT = 200;
/** How long a claimed delivery is this node's: past the outbound timeout (10 s) with room to log it; a node that dies mid-attempt frees it after this. */
const LEASE_MS = 30_000;
/** Kept from a receiver's answer for the log. */
const ERROR_MAX = 300;

/**
 * Outgoing webhooks, delivered from a durable queue in storage so that a restart (or a crash)
 * loses none and a send never waits for a receiver:
 *
 * 1. scan: each active hook reads its channel's change feed from its cursor and turns new
 *    messages (not a bot's; matching its trigger words) into deliveries, storing them and moving
 *    the cursor in one transaction. The feed is the durable record, so nothing committed is missed.
 * 2. deliver: due deliveries are leased (so several nodes never send one twice at once), POSTed
 *    signed per Standard Webhooks with the same `webhook-id` on every attempt, and logged. 2xx
 *    delivers (a JSON `{ "text" }` answer is posted back as a thread reply by the hook's bot),
 *    410 disables the hook, anything else retries after WEBHOOK_RETRY_BASE_MS × 2^(n−1) with
 *    ±20 % jitter, up to WEBHOOK_MAX_ATTEMPTS.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly ctx: AppContext,
    private readonly outbound: OutboundClient,
    private readonly sealer: SecretSealer,
    private readonly random: () => number = Math.random,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.poke(), POLL_MS);
    this.timer.unref();
    this.poke();
  }

  /** Something may be due (a message was sent, a redelivery asked for): run soon, once. */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.tick().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.poke();
      }
    });
  }

  /**
   * Stops taking work. An attempt still waiting on a slow receiver is not waited for past a
   * second: its lease runs out and any node (this one after a restart) sends it again.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.race([this.running, new Promise((r) => setTimeout(r, 1000).unref())]);
  }

  private async tick(): Promise<void> {
    try {
      for (const hook of await this.ctx.storage.outgoingHooks.listActive()) await this.scan(hook);
      const due = await this.ctx.storage.outgoingHooks.claimDue(this.ctx.clock.now(), LEASE_MS, BATCH);
      await Promise.all(due.map((d) => this.attempt(d)));
      if (due.length === BATCH) this.again = true;
    } catch (err) {
      // Storage down: everything is still in storage, to be picked up by a later tick.
      this.ctx.logger.warn({ err }, 'outgoing webhooks: a round failed; retrying');
    }
  }

  private async scan(hook: OutgoingHookRecord): Promise<void> {
    const records = await this.ctx.storage.events.after(hook.channelId, hook.lastSeq, SCAN_LIMIT);
    if (records.length === 0) return;
    const deliveries: DeliveryRecord[] = [];
    const now = this.ctx.clock.now();
    for (const record of records) {
      const e = presentEvent(record);
      if (e.event.type !== 'message.created') continue;
      const message = e.event.message;
      const trigger = triggerOf(hook, message);
      if (trigger === undefined) continue;
      const author = await this.ctx.storage.users.findById(message.authorId);
      // Bots (this hook's included) do not trigger hooks: no loops between integrations.
      if (!author || author.isBot) continue;
      const id = `msg_${randomUUID().replaceAll('-', '')}`;
      const payload = JSON.stringify({
        webhook_id: hook.id,
        workspace_id: hook.workspaceId,
        channel_id: hook.channelId,
        post_id: message.id,
        thread_root_id: message.threadRootId,
        user_id: author.id,
        user_name: author.username,
        text: message.body,
        trigger_word: trigger,
        timestamp: Date.parse(message.createdAt),
      });
      deliveries.push({ id, hookId: hook.id, messageId: message.id, payload, state: 'pending', attempts: 0, nextAttemptAt: now, createdAt: now });
    }
    await this.ctx.storage.outgoingHooks.advance(hook.id, hook.lastSeq, records.at(-1)!.seq, deliveries);
  }

  private async attempt(d: DeliveryRecord): Promise<void> {
    const hooks = this.ctx.storage.outgoingHooks;
    const hook = await hooks.findById(d.hookId);
    const attempt = d.attempts + 1;
    const started = this.ctx.clock.now();
    const log = (status: number | null, error: string | null, next: { state: DeliveryRecord['state']; nextAttemptAt: number | null }) =>
      hooks.recordAttempt({ deliveryId: d.id, attempt, at: started, status, error, durationMs: Math.max(0, this.ctx.clock.now() - started) }, next);
    if (!hook || hook.disabledAt !== null) return log(null, 'the hook is disabled', { state: 'failed', nextAttemptAt: null });
    const timestamp = Math.floor(started / 1000);
    let status: number | null = null;
    let error: string | null = null;
    let answer: Buffer | undefined;
    try {
      const res = await this.outbound.request(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': d.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(this.sealer.open(hook.secretSealed), d.id, timestamp, d.payload),
        },
        body: d.payload,
      });
      status = res.status;
      if (res.redirect) error = `redirect to ${res.location ?? '?'} (not followed)`;
      else if (status < 200 || status >= 300) error = res.body.toString('utf8', 0, ERROR_MAX);
      else answer = res.body;
    } catch (err) {
      error = isOutboundError(err) ? `${err.code}: ${err.message}` : String(err);
    }
    if (status === 410) {
      await hooks.disable(hook.id, this.ctx.clock.now(), 'the receiver answered 410 Gone');
      return log(status, error, { state: 'failed', nextAttemptAt: null });
    }
    if (answer) {
      await log(status, null, { state: 'delivered', nextAttemptAt: null });
      return this.reply(hook, d, answer);
    }
    const last = attempt >= this.ctx.config.webhookMaxAttempts;
    const delay = this.ctx.config.webhookRetryBaseMs * 2 ** (attempt - 1) * (0.8 + 0.4 * this.random());
    await log(status, error, last ? { state: 'failed', nextAttemptAt: null } : { state: 'pending', nextAttemptAt: started + Math.round(delay) });
    if (!last) setTimeout(() => this.poke(), Math.round(delay) + 10).unref();
  }

  /** A JSON `{ "text": ... }` answer goes back into the channel, in the message's thread, as the hook's bot. */
  private async reply(hook: OutgoingHookRecord, d: DeliveryRecord, body: Buffer): Promise<void> {
    let text: unknown;
    try {
      text = (JSON.parse(body.toString('utf8')) as { text?: unknown }).text;
    } catch {
      return; // An answer that is not JSON is just an acknowledgement.
    }
    if (typeof text !== 'string' || text.trim() === '') return;
    const { thread_root_id: root } = JSON.parse(d.payload) as { thread_root_id: string | null };
    try {
      await sendMessage(this.ctx, hook.botUserId, hook.channelId, { body: text, threadRootId: root ?? d.messageId });
    } catch (err) {
      this.ctx.logger.warn({ err, hook: hook.id }, 'an outgoing webhook’s answer could not be posted');
    }
  }
}

/** The trigger word that selects the message (its first word, case-insensitive), '' for a hook without triggers, undefined when it does not match. */
function triggerOf(hook: OutgoingHookRecord, message: Message): string | undefined {
  if (hook.triggerWords.length === 0) return '';
  const first = message.body.trim().split(/\s+/, 1)[0]?.toLowerCase() ?? '';
  return hook.triggerWords.find((w) => w.toLowerCase() === first);
}
