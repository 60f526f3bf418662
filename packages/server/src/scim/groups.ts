import { randomUUID } from 'node:crypto';
import { ChannelLimits, type StoredChannelEvent } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import type { ChannelRecord, ScimGroupRecord, Storage } from '../storage/port.js';
import { ConflictError } from '../storage/errors.js';
import { AppError } from '../errors.js';
import { recordChange } from '../actions/changeRecorder.js';
import { slugify } from '../actions/channelCreator.js';
import { normalizeLine } from '../actions/textRules.js';
import { presentChannel } from '../presenters/chat.js';
import { ScimError, invalidValue, notFound } from './errors.js';
import { parseEqFilter } from './filter.js';
import { attr, isObject, readPatch } from './patch.js';
import { GROUP_SCHEMA, listResponse, type Page } from './schemas.js';
import type { ScimTenant } from './tenant.js';

/**
 * A SCIM Group is a private channel of the tenant's workspace: `displayName` is its name, its
 * members are exactly the channel's members (provisioned users of the workspace). The admin whose
 * token created it is its creator but not a member unless the IdP makes them one. DELETE archives it.
 */

interface GroupState {
  displayName: string;
  externalId: string | null;
  members: string[];
}

async function ownGroup(ctx: AppContext, tenant: ScimTenant, id: string): Promise<{ group: ScimGroupRecord; channel: ChannelRecord }> {
  const group = await ctx.storage.scimGroups.find(tenant.workspaceId, id);
  const channel = group && (await ctx.storage.channels.findById(id));
  if (!group || !channel) throw notFound('group');
  return { group, channel };
}

async function present(ctx: AppContext, tenant: ScimTenant, group: ScimGroupRecord) {
  const members = await ctx.storage.channels.listMembers(group.channelId);
  return {
    schemas: [GROUP_SCHEMA],
    id: group.channelId,
    ...(group.externalId !== null ? { externalId: group.externalId } : {}),
    displayName: group.displayName,
    members: members.map((m) => ({ value: m.userId, display: m.displayName, $ref: `${tenant.baseUrl}/Users/${m.userId}` })),
    meta: {
      resourceType: 'Group',
      created: new Date(group.createdAt).toISOString(),
      lastModified: new Date(group.updatedAt).toISOString(),
      location: `${tenant.baseUrl}/Groups/${group.channelId}`,
    },
  };
}

function memberIdsOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.map((m) => {
    const id = isObject(m) ? attr(m, 'value') : m;
    if (typeof id !== 'string' || id === '' || id.length > 64) throw invalidValue('members[].value must be a user id');
    return id;
  });
}

/** Only the tenant's provisioned, still-linked users may be members; any other id is a 400 naming none. */
async function requireScimUsers(ctx: AppContext, tenant: ScimTenant, ids: string[]): Promise<void> {
  for (const id of ids) {
    const user = await ctx.storage.users.findById(id);
    if (user?.scimWorkspaceId !== tenant.workspaceId || !(await ctx.storage.workspaces.getMember(tenant.workspaceId, id))) {
      throw invalidValue('A member is not a provisioned user of this workspace');
    }
  }
}

function channelName(displayName: unknown): string {
  if (typeof displayName !== 'string') throw invalidValue('displayName must be a string');
  try {
    return normalizeLine(displayName, 'displayName', ChannelLimits.channelNameMax);
  } catch (err) {
    if (err instanceof AppError) throw invalidValue(`displayName ${err.details?.[0]?.message ?? 'is not valid'}`);
    throw err;
  }
}

function readGroup(body: unknown): GroupState {
  if (!isObject(body)) throw new ScimError(400, 'The body must be a Group resource', 'invalidSyntax');
  const externalId = attr(body, 'externalId');
  if (externalId !== undefined && externalId !== null && (typeof externalId !== 'string' || externalId.length > 256)) throw invalidValue('externalId must be a string');
  return { displayName: channelName(attr(body, 'displayName')), externalId: (externalId as string | undefined) ?? null, members: [...new Set(memberIdsOf(attr(body, 'members')))] };
}

const slugTaken = (err: unknown): never => {
  if (err instanceof ConflictError) throw new ScimError(409, 'A channel with that name already exists in the workspace', 'uniqueness');
  throw err;
};

async function join(tx: Storage, channelId: string, actorId: string, userId: string, now: number): Promise<StoredChannelEvent | undefined> {
  const seq = await tx.channels.nextSeq(channelId);
  // A newcomer starts with the history read, as anywhere else.
  if (!(await tx.channels.addMember({ channelId, userId, joinedAt: now, lastReadSeq: seq }))) throw new ScimError(409, 'Already a member', 'uniqueness');
  return recordChange(tx, channelId, actorId, now, { type: 'member.joined', userId }, seq);
}

async function leave(tx: Storage, channelId: string, actorId: string, userId: string, now: number): Promise<StoredChannelEvent | undefined> {
  if (!(await tx.channels.removeMember(channelId, userId))) return undefined;
  return recordChange(tx, channelId, actorId, now, { type: 'member.left', userId });
}

export async function createScimGroup(ctx: AppContext, tenant: ScimTenant, body: unknown) {
  const state = readGroup(body);
  await requireScimUsers(ctx, tenant, state.members);
  const now = ctx.clock.now();
  const channel: ChannelRecord = {
    id: randomUUID(),
    workspaceId: tenant.workspaceId,
    kind: 'private',
    name: state.displayName,
    slug: slugify(state.displayName),
    topic: '',
    createdBy: tenant.adminId,
    createdAt: now,
    archivedAt: null,
    lastSeq: 0,
    conversationKey: null,
  };
  const group: ScimGroupRecord = { channelId: channel.id, workspaceId: tenant.workspaceId, displayName: state.displayName, externalId: state.externalId, createdAt: now, updatedAt: now };
  let events: StoredChannelEvent[] = [];
  try {
    events = await ctx.storage.transaction(async (tx) => {
      await tx.channels.create(channel);
      await tx.scimGroups.create(group);
      const joined: StoredChannelEvent[] = [];
      for (const userId of state.members) joined.push((await join(tx, channel.id, tenant.adminId, userId, now))!);
      return joined;
    });
  } catch (err) {
    slugTaken(err);
  }
  ctx.publish(events);
  return present(ctx, tenant, group);
}

export async function getScimGroup(ctx: AppContext, tenant: ScimTenant, id: string) {
  return present(ctx, tenant, (await ownGroup(ctx, tenant, id)).group);
}

export async function listScimGroups(ctx: AppContext, tenant: ScimTenant, filter: string | undefined, page: Page) {
  const parsed = filter === undefined ? undefined : parseEqFilter(filter, ['displayName', 'externalId']);
  const { total, groups } = await ctx.storage.scimGroups.list(
    tenant.workspaceId,
    parsed ? { [parsed.attribute]: parsed.value } : {},
    page.startIndex - 1,
    page.count,
  );
  const resources = [];
  for (const group of groups) resources.push(await present(ctx, tenant, group));
  return listResponse(total, page, resources);
}

/** Moves the group to `next`: renamed, members added and removed, each a numbered change of the channel. */
async function applyState(ctx: AppContext, tenant: ScimTenant, current: { group: ScimGroupRecord; channel: ChannelRecord }, next: GroupState) {
  const { group, channel } = current;
  if (channel.archivedAt !== null) throw new ScimError(400, 'This group was deleted', 'mutability');
  const members = await ctx.storage.channels.memberIds(channel.id);
  const added = next.members.filter((id) => !members.includes(id));
  const removed = members.filter((id) => !next.members.includes(id));
  await requireScimUsers(ctx, tenant, added);
  const now = ctx.clock.now();
  const renamed = next.displayName !== group.displayName;
  let events: StoredChannelEvent[] = [];
  try {
    events = await ctx.storage.transaction(async (tx) => {
      const recorded: StoredChannelEvent[] = [];
      if (renamed) {
        const seq = await tx.channels.nextSeq(channel.id);
        const updated = await tx.channels.update(channel.id, { name: next.displayName, slug: slugify(next.displayName) });
        const { isMember: _omit, ...snapshot } = presentChannel(updated, true);
        recorded.push(await recordChange(tx, channel.id, tenant.adminId, now, { type: 'channel.updated', channel: snapshot }, seq));
      }
      for (const userId of added) recorded.push((await join(tx, channel.id, tenant.adminId, userId, now))!);
      for (const userId of removed) {
        const event = await leave(tx, channel.id, tenant.adminId, userId, now);
        if (event) recorded.push(event);
      }
      await tx.scimGroups.update(channel.id, { displayName: next.displayName, externalId: next.externalId, updatedAt: now });
      return recorded;
    });
  } catch (err) {
    slugTaken(err);
  }
  ctx.publish(events);
  return present(ctx, tenant, { ...group, displayName: next.displayName, externalId: next.externalId, updatedAt: now });
}

export async function replaceScimGroup(ctx: AppContext, tenant: ScimTenant, id: string, body: unknown) {
  const current = await ownGroup(ctx, tenant, id);
  return applyState(ctx, tenant, current, readGroup(body));
}

/**
 * PATCH as Okta and Entra send it: `add` / `remove` / `replace` on `members` (remove by
 * `members[value eq "…"]` or with a value listing them), `displayName`, `externalId`, or with
 * no path and an object value.
 */
export async function patchScimGroup(ctx: AppContext, tenant: ScimTenant, id: string, body: unknown) {
  const operations = readPatch(body);
  const current = await ownGroup(ctx, tenant, id);
  let state: GroupState = {
    displayName: current.group.displayName,
    externalId: current.group.externalId,
    members: await ctx.storage.channels.memberIds(id),
  };
  for (const { op, path, value } of operations) {
    const entries: [string, unknown][] = path ? [[path.attribute, value]] : isObject(value) ? Object.entries(value) : [];
    if (!path && entries.length === 0) throw invalidValue('An operation without a path needs an object value');
    for (const [name, v] of entries) {
      switch (name.toLowerCase()) {
        case 'members': {
          if (op === 'remove') {
            const gone = path?.filter ? (path.filter.attribute === 'value' ? [path.filter.value] : []) : v === undefined ? state.members : memberIdsOf(v);
            state = { ...state, members: state.members.filter((m) => !gone.includes(m)) };
          } else {
            const ids = memberIdsOf(v);
            state = { ...state, members: op === 'replace' ? [...new Set(ids)] : [...new Set([...state.members, ...ids])] };
          }
          break;
        }
        case 'displayname':
          if (op === 'remove') throw new ScimError(400, 'displayName cannot be removed', 'mutability');
          state = { ...state, displayName: channelName(v) };
          break;
        case 'externalid':
          if (op !== 'remove' && typeof v !== 'string') throw invalidValue('externalId must be a string');
          state = { ...state, externalId: op === 'remove' ? null : (v as string) };
          break;
        case 'id':
        case 'schemas':
        case 'meta':
          // Okta repeats the read-only id in a rename's value object: nothing to change.
          break;
        default:
          throw new ScimError(400, `The attribute "${name.slice(0, 40)}" of a Group cannot be changed`, 'invalidPath');
      }
    }
  }
  return applyState(ctx, tenant, current, state);
}

/** DELETE archives the channel (its history stays, read-only) and forgets the group: GET answers 404. */
export async function deleteScimGroup(ctx: AppContext, tenant: ScimTenant, id: string): Promise<void> {
  const { channel } = await ownGroup(ctx, tenant, id);
  const now = ctx.clock.now();
  const events = await ctx.storage.transaction(async (tx) => {
    const recorded: StoredChannelEvent[] = [];
    if (channel.archivedAt === null) {
      const seq = await tx.channels.nextSeq(channel.id);
      const updated = await tx.channels.update(channel.id, { archivedAt: now });
      const { isMember: _omit, ...snapshot } = presentChannel(updated, true);
      recorded.push(await recordChange(tx, channel.id, tenant.adminId, now, { type: 'channel.updated', channel: snapshot }, seq));
    }
    await tx.scimGroups.delete(channel.id);
    return recorded;
  });
  ctx.publish(events);
}
