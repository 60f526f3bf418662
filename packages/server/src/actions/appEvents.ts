import { createHash } from 'node:crypto';
import { AppEventLimits, type AppEvent, type AppEventInput, type AppEventPage } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { accessWorkspace, isAdminRole } from '../policies/workspaceAccess.js';
import { presentAppEvent } from '../realtime/appEventFeed.js';

/**
 * `POST …/app-events`: a host application pushes an event (e.g. "member checked in") onto a topic
 * of the workspace. Workspace admins and the workspace's bots may; the event takes the topic's
 * next seq and is delivered live to subscribers. The Idempotency-Key makes retries safe: the same
 * key with the same body answers the first result and stores nothing; with another body, 422.
 */
export async function publishAppEvent(
  ctx: AppContext,
  userId: string,
  workspaceId: string,
  input: AppEventInput,
  idempotencyKey: string | undefined,
): Promise<{ event: AppEvent; replayed: boolean }> {
  const { member } = await accessWorkspace(ctx, userId, workspaceId);
  const caller = await ctx.storage.users.findById(userId);
  if (!isAdminRole(member.role) && !(caller?.isBot && caller.botWorkspaceId === workspaceId)) {
    throw new AppError('FORBIDDEN', 'Only workspace admins and the workspace’s bots can publish app events');
  }
  if (!idempotencyKey || idempotencyKey.length > AppEventLimits.idempotencyKeyMax || !/^[\x21-\x7e]+$/.test(idempotencyKey)) {
    throw new AppError('VALIDATION_FAILED', 'An Idempotency-Key header (1–255 visible ASCII characters) is required', [{ field: 'Idempotency-Key', message: 'missing or invalid' }]);
  }
  const data = JSON.stringify(input.data);
  if (Buffer.byteLength(data) > AppEventLimits.dataMaxBytes) {
    throw new AppError('VALIDATION_FAILED', `data is at most ${AppEventLimits.dataMaxBytes} bytes of JSON`, [{ field: 'data', message: 'too large' }]);
  }
  const fingerprint = createHash('sha256').update(JSON.stringify([input.topic, input.type, data])).digest('hex');
  const result = await ctx.storage.appEvents.append(
    { workspaceId, topic: input.topic, type: input.type, data, actorId: userId, createdAt: ctx.clock.now() },
    { key: idempotencyKey, fingerprint },
  );
  if (result.replayed) {
    if (result.fingerprint !== fingerprint) throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with another request body');
    return { event: presentAppEvent(result.event), replayed: true };
  }
  ctx.publishAppEvent(result.event);
  return { event: presentAppEvent(result.event), replayed: false };
}

/** A topic's events after `after`, for any member of the workspace (the REST twin of `subscribe`). */
export async function listAppEvents(ctx: AppContext, userId: string, workspaceId: string, topic: string, after: number, limit: number): Promise<AppEventPage> {
  await accessWorkspace(ctx, userId, workspaceId);
  const [records, lastSeq] = await Promise.all([ctx.storage.appEvents.after(workspaceId, topic, after, limit), ctx.storage.appEvents.head(workspaceId, topic)]);
  return { events: records.map(presentAppEvent), lastSeq };
}
