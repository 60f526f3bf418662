import { createHash, randomUUID } from 'node:crypto';
import { Limits } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import type { UserProfileChanges, UserRecord } from '../storage/port.js';
import { ConflictError, NotFoundError } from '../storage/errors.js';
import { AppError } from '../errors.js';
import { revokeSessions } from '../actions/sessionRevoker.js';
import { removeWorkspaceMember } from '../actions/workspaceManager.js';
import { ScimError, invalidValue, notFound } from './errors.js';
import { parseEqFilter } from './filter.js';
import { attr, isObject, readBoolean, readPatch, type PatchOperation } from './patch.js';
import { USER_SCHEMA, listResponse, type Page } from './schemas.js';
import type { ScimTenant } from './tenant.js';

/** Not an argon2 hash, like a bot's: no password verifies against it. A provisioned user signs in through SSO. */
const NO_PASSWORD = '!scim';
const PLACEHOLDER_DOMAIN = 'scim.invalid';

/** What SCIM says about a user, read from a request or from the stored record. */
interface UserState {
  userName: string;
  displayName: string;
  email: string | null;
  externalId: string | null;
  active: boolean;
}

const isPlaceholder = (email: string) => email.endsWith(`@${PLACEHOLDER_DOMAIN}`);

function stateOf(user: UserRecord): UserState {
  return {
    userName: user.scimUserName ?? user.username,
    displayName: user.displayName,
    email: isPlaceholder(user.email) ? null : user.email,
    externalId: user.externalId ?? null,
    active: !user.deactivatedAt,
  };
}

export function presentScimUser(user: UserRecord, tenant: ScimTenant) {
  const state = stateOf(user);
  return {
    schemas: [USER_SCHEMA],
    id: user.id,
    ...(state.externalId !== null ? { externalId: state.externalId } : {}),
    userName: state.userName,
    name: { formatted: state.displayName },
    displayName: state.displayName,
    ...(state.email !== null ? { emails: [{ value: state.email, type: 'work', primary: true }] } : {}),
    active: state.active,
    // The RelayDesk account behind it (the SCIM userName may be an email; this is the @handle).
    'urn:relaydesk:params:scim:schemas:extension:2.0:User': { username: user.username },
    meta: {
      resourceType: 'User',
      created: new Date(user.createdAt).toISOString(),
      lastModified: new Date(user.updatedAt ?? user.createdAt).toISOString(),
      location: `${tenant.baseUrl}/Users/${user.id}`,
    },
  };
}

function readString(value: unknown, name: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidValue(`${name} must be a non-empty string`);
  if (value.length > max) throw invalidValue(`${name} must be at most ${max} characters`);
  // No control, format (bidi, zero-width) or line-break characters in an identifier.
  if (/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(value)) throw invalidValue(`${name} must not contain control or formatting characters`);
  return value.trim();
}

const optionalString = (value: unknown, name: string, max: number): string | null => (value === undefined || value === null ? null : readString(value, name, max));

/** The display name: `displayName`, else `name.formatted`, else given + family names, else the userName; cut to the product's limit. */
function displayNameOf(body: Record<string, unknown>, userName: string): string {
  const name = attr(body, 'name');
  const given = isObject(name) ? attr(name, 'givenName') : undefined;
  const family = isObject(name) ? attr(name, 'familyName') : undefined;
  const candidates = [
    attr(body, 'displayName'),
    isObject(name) ? attr(name, 'formatted') : undefined,
    [given, family].filter((p) => typeof p === 'string' && p.trim()).join(' '),
    userName,
  ];
  const chosen = candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '')!;
  return [...chosen.replace(/[\p{Cc}\p{Cf}]/gu, ' ').trim()].slice(0, Limits.displayNameMax).join('') || userName.slice(0, Limits.displayNameMax);
}

function emailOf(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw invalidValue('emails must be an array');
  const entries = value.filter(isObject);
  const chosen = entries.find((e) => attr(e, 'primary') === true || attr(e, 'primary') === 'True' || attr(e, 'primary') === 'true') ?? entries[0];
  if (!chosen) return null;
  const email = readString(attr(chosen, 'value'), 'emails.value', Limits.emailMax);
  if (!/^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/.test(email) || /[^\x21-\x7e]/.test(email)) throw invalidValue('emails.value must be an email address');
  return email;
}

/** A full User resource (POST, PUT): unknown attributes are ignored, read-only ones (id, meta) too. */
function readUser(body: unknown): UserState {
  if (!isObject(body)) throw new ScimError(400, 'The body must be a User resource', 'invalidSyntax');
  const userName = readString(attr(body, 'userName'), 'userName', 256);
  const active = attr(body, 'active');
  return {
    userName,
    displayName: displayNameOf(body, userName),
    email: emailOf(attr(body, 'emails')),
    externalId: optionalString(attr(body, 'externalId'), 'externalId', 256),
    active: active === undefined || active === null ? true : readBoolean(active, 'active'),
  };
}

/**
 * The RelayDesk username for a SCIM userName: the part before any `@`, lower-cased, every
 * character outside [a-z0-9_] turned into `_`, cut to 30 (padded with `_` to 3). Taken? The same
 * cut to 23 plus `_` and six hex digits of the userName's SHA-256; then with a counter.
 */
export function usernameCandidates(userName: string): string[] {
  const local = userName.toLowerCase().split('@')[0] ?? '';
  let base = local.replace(/[^a-z0-9_]/g, '_').slice(0, Limits.usernameMax);
  if (base.length < Limits.usernameMin) base = base.padEnd(Limits.usernameMin, '_');
  const hash = createHash('sha256').update(userName.toLowerCase()).digest('hex').slice(0, 6);
  const hashed = `${base.slice(0, Limits.usernameMax - 7)}_${hash}`;
  return [base, hashed, ...Array.from({ length: 20 }, (_, i) => `${base.slice(0, Limits.usernameMax - 10)}_${hash}_${i + 2}`)];
}

function conflict(err: unknown): never {
  if (err instanceof ConflictError) {
    const what = err.field === 'external_id' ? 'externalId' : err.field === 'email' ? 'email' : 'userName';
    throw new ScimError(409, `A user with that ${what} already exists`, 'uniqueness');
  }
  throw err;
}

/** A provisioned user of this tenant, or 404 (other workspaces' users, people, bots alike). */
async function ownUser(ctx: AppContext, tenant: ScimTenant, id: string): Promise<UserRecord> {
  const user = await ctx.storage.users.findById(id);
  if (!user || user.scimWorkspaceId !== tenant.workspaceId) throw notFound('user');
  return user;
}

export async function createScimUser(ctx: AppContext, tenant: ScimTenant, body: unknown) {
  const state = readUser(body);
  if (await ctx.storage.users.findScimByUserName(tenant.workspaceId, state.userName)) throw new ScimError(409, 'A user with that userName already exists', 'uniqueness');
  if (state.externalId !== null && (await ctx.storage.users.listScim({ workspaceId: tenant.workspaceId, externalId: state.externalId, offset: 0, limit: 1 })).total > 0) {
    throw new ScimError(409, 'A user with that externalId already exists', 'uniqueness');
  }
  const now = ctx.clock.now();
  const id = randomUUID();
  for (const username of usernameCandidates(state.userName)) {
    const user: UserRecord = {
      id,
      username,
      email: state.email ?? `scim-${id}@${PLACEHOLDER_DOMAIN}`,
      displayName: state.displayName,
      passwordHash: NO_PASSWORD,
      createdAt: now,
      scimUserName: state.userName,
      externalId: state.externalId,
      scimWorkspaceId: tenant.workspaceId,
      ...(state.active ? {} : { deactivatedAt: now }),
    };
    try {
      await ctx.storage.users.create(user);
    } catch (err) {
      if (err instanceof ConflictError && err.field === 'username') continue;
      conflict(err);
    }
    await ctx.storage.workspaces.addMember({ workspaceId: tenant.workspaceId, userId: id, role: 'member', joinedAt: now });
    ctx.notifyWorkspaceMembership(id, tenant.workspaceId, true);
    return presentScimUser(await ownUser(ctx, tenant, id), tenant);
  }
  throw new ScimError(409, 'No free username could be derived from that userName', 'uniqueness');
}

export async function getScimUser(ctx: AppContext, tenant: ScimTenant, id: string) {
  return presentScimUser(await ownUser(ctx, tenant, id), tenant);
}

export async function listScimUsers(ctx: AppContext, tenant: ScimTenant, filter: string | undefined, page: Page) {
  const parsed = filter === undefined ? undefined : parseEqFilter(filter, ['userName', 'externalId']);
  const { total, users } = await ctx.storage.users.listScim({
    workspaceId: tenant.workspaceId,
    ...(parsed?.attribute === 'userName' ? { userName: parsed.value } : {}),
    ...(parsed?.attribute === 'externalId' ? { externalId: parsed.value } : {}),
    offset: page.startIndex - 1,
    limit: page.count,
  });
  return listResponse(total, page, users.map((u) => presentScimUser(u, tenant)));
}

/** Stores a new state: profile changes, then (de)activation with its consequences. */
async function applyState(ctx: AppContext, tenant: ScimTenant, user: UserRecord, next: UserState) {
  const current = stateOf(user);
  const now = ctx.clock.now();
  const changes: UserProfileChanges = {};
  if (next.userName !== current.userName) {
    const holder = await ctx.storage.users.findScimByUserName(tenant.workspaceId, next.userName);
    if (holder && holder.id !== user.id) throw new ScimError(409, 'A user with that userName already exists', 'uniqueness');
    // The @handle stays: mentions and links keep working; only the SCIM name changes.
    changes.scimUserName = next.userName;
  }
  if (next.displayName !== current.displayName) changes.displayName = next.displayName;
  if (next.email !== current.email) changes.email = next.email ?? `scim-${user.id}@${PLACEHOLDER_DOMAIN}`;
  if (next.externalId !== current.externalId) changes.externalId = next.externalId;
  const deactivating = current.active && !next.active;
  if (next.active !== current.active) changes.deactivatedAt = next.active ? null : now;
  let updated = user;
  if (Object.keys(changes).length > 0) {
    try {
      updated = await ctx.storage.users.updateProfile(user.id, changes, now);
    } catch (err) {
      conflict(err);
    }
  }
  // Sessions and tokens (a token is a session) revoked, live sockets closed with 4004 on every node.
  if (deactivating) await revokeSessions(ctx, user.id, { allExcept: undefined });
  return presentScimUser(updated, tenant);
}

export async function replaceScimUser(ctx: AppContext, tenant: ScimTenant, id: string, body: unknown) {
  const user = await ownUser(ctx, tenant, id);
  return applyState(ctx, tenant, user, readUser(body));
}

/** One PatchOp operation on a user's state (RFC 7644 §3.5.2), as Okta and Entra send them. */
function patchUser(state: UserState, operation: PatchOperation): UserState {
  const { op, path, value } = operation;
  if (!path) {
    if (!isObject(value)) throw invalidValue('An operation without a path needs an object value');
    // Entra sends dotted names as keys ({"name.givenName": "…"}); each key is applied as a path.
    return Object.entries(value).reduce((s, [key, v]) => patchUser(s, { op, path: { attribute: key.split('.')[0]!, ...(key.includes('.') ? { sub: key.split('.').slice(1).join('.') } : {}) }, value: v }), state);
  }
  const attribute = path.attribute.toLowerCase();
  const remove = op === 'remove';
  switch (attribute) {
    case 'active':
      if (remove) throw new ScimError(400, 'active cannot be removed', 'mutability');
      return { ...state, active: readBoolean(value, 'active') };
    case 'username':
      if (remove) throw new ScimError(400, 'userName cannot be removed', 'mutability');
      return { ...state, userName: readString(value, 'userName', 256) };
    case 'displayname':
      if (remove) return { ...state, displayName: state.userName.slice(0, Limits.displayNameMax) };
      return { ...state, displayName: displayNameOf({ displayName: readString(value, 'displayName', 1000) }, state.userName) };
    case 'externalid':
      return { ...state, externalId: remove ? null : readString(value, 'externalId', 256) };
    case 'name': {
      if (remove) return state;
      const sub = path.sub?.toLowerCase();
      if (sub === 'formatted') return { ...state, displayName: displayNameOf({ displayName: readString(value, 'name.formatted', 1000) }, state.userName) };
      if (sub === undefined && isObject(value)) return { ...state, displayName: displayNameOf({ name: value }, state.userName) };
      // givenName / familyName alone: RelayDesk keeps one display name, which the IdP sends as displayName too.
      return state;
    }
    case 'emails': {
      if (remove) return { ...state, email: null };
      if (path.sub !== undefined || path.filter !== undefined) {
        // emails[type eq "work"].value
        return { ...state, email: emailOf([{ value: path.sub === undefined && isObject(value) ? attr(value, 'value') : value, primary: true }]) };
      }
      return { ...state, email: emailOf(Array.isArray(value) ? value : [value]) };
    }
    default:
      // Attributes RelayDesk does not keep (title, phoneNumbers, the enterprise extension …) are
      // accepted and ignored, as RFC 7644 lets a provider do with attributes it does not support.
      return state;
  }
}

export async function patchScimUser(ctx: AppContext, tenant: ScimTenant, id: string, body: unknown) {
  const operations = readPatch(body);
  const user = await ownUser(ctx, tenant, id);
  return applyState(ctx, tenant, user, operations.reduce(patchUser, stateOf(user)));
}

/**
 * DELETE: deactivated (sessions, tokens and sockets gone, login refused), removed from the
 * workspace and its channels, and no longer a SCIM user (GET answers 404, the userName and
 * externalId and email are free again). The account itself stays, so its messages keep their author.
 */
export async function deleteScimUser(ctx: AppContext, tenant: ScimTenant, id: string): Promise<void> {
  const user = await ownUser(ctx, tenant, id);
  const now = ctx.clock.now();
  try {
    await ctx.storage.users.updateProfile(user.id, { deactivatedAt: user.deactivatedAt ?? now, unlinkScim: true, externalId: null, email: `scim-${user.id}@${PLACEHOLDER_DOMAIN}` }, now);
  } catch (err) {
    if (err instanceof NotFoundError) throw notFound('user');
    throw err;
  }
  await revokeSessions(ctx, user.id, { allExcept: undefined });
  try {
    await removeWorkspaceMember(ctx, tenant.adminId, tenant.workspaceId, user.id);
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'NOT_FOUND')) throw err;
  }
}
