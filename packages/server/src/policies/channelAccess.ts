import type { AppContext } from '../context.js';
import type { ChannelMemberRecord, ChannelRecord, MessageRecord, WorkspaceMemberRecord } from '../storage/port.js';
import { AppError } from '../errors.js';
import { isAdminRole } from './workspaceAccess.js';
import { assertConversationOpenTo } from './blocks.js';

/** What a user is to a channel; produced only by `accessChannel`, so every check starts from it. */
export interface ChannelAccess {
  userId: string;
  channel: ChannelRecord;
  workspaceMember: WorkspaceMemberRecord;
  channelMember: ChannelMemberRecord | undefined;
}

const isConversation = (c: ChannelRecord) => c.kind === 'dm' || c.kind === 'group_dm';

/**
 * The chokepoint for channel data. Readable: a public channel of one's workspace, or any channel
 * one belongs to. Anything else — another tenant's channel, a private channel or DM of others,
 * an id that does not exist — is the same 404.
 */
export async function accessChannel(ctx: AppContext, userId: string, channelId: string): Promise<ChannelAccess> {
  const found = await ctx.storage.channels.findWithMemberships(channelId, userId);
  if (!found?.workspaceMember || (found.channel.kind !== 'public' && !found.channelMember)) {
    throw new AppError('NOT_FOUND', 'No such channel');
  }
  return { userId, channel: found.channel, workspaceMember: found.workspaceMember, channelMember: found.channelMember };
}

/** A message is visible exactly when its channel is. */
export async function accessMessage(ctx: AppContext, userId: string, messageId: string): Promise<{ access: ChannelAccess; message: MessageRecord }> {
  const message = await ctx.storage.messages.findById(messageId);
  if (!message) throw new AppError('NOT_FOUND', 'No such message');
  try {
    return { access: await accessChannel(ctx, userId, message.channelId), message };
  } catch {
    throw new AppError('NOT_FOUND', 'No such message');
  }
}

const isAdmin = (a: ChannelAccess) => isAdminRole(a.workspaceMember.role);

function requireMember(a: ChannelAccess): void {
  if (!a.channelMember) throw new AppError('NOT_A_MEMBER', 'Join the channel first');
}

function requireActive(a: ChannelAccess): void {
  if (a.channel.archivedAt !== null) throw new AppError('CHANNEL_ARCHIVED', 'This channel is archived and read-only');
}

/** Post (and react, pin): members of an active channel that no block closes to them (policies/blocks.ts). */
export async function assertCanPost(ctx: AppContext, a: ChannelAccess): Promise<void> {
  requireMember(a);
  requireActive(a);
  await assertConversationOpenTo(ctx, a.userId, a.channel);
}

/** Mark read: members only (archived channels can still be read). */
export const assertCanMarkRead = requireMember;

/** Typing: whoever could post there (an archived channel takes no messages, a blocked user reaches no one). */
export const assertCanType = assertCanPost;

/** Rename, set the topic: channel members or workspace admins; DMs have no name. */
export function assertCanUpdate(a: ChannelAccess): void {
  if (isConversation(a.channel)) throw new AppError('FORBIDDEN', 'Conversations cannot be renamed');
  if (!a.channelMember && !isAdmin(a)) throw new AppError('NOT_A_MEMBER', 'Join the channel first');
  requireActive(a);
}

/** Archive and unarchive: the channel's creator or a workspace admin. */
export function assertCanArchive(a: ChannelAccess): void {
  if (isConversation(a.channel)) throw new AppError('FORBIDDEN', 'Conversations cannot be archived');
  if (a.channel.createdBy !== a.userId && !isAdmin(a)) throw new AppError('FORBIDDEN', 'Only the creator or an admin can archive');
}

/** Integrations of a channel (its webhooks): its creator or a workspace admin, members of it, in channels only. */
export function assertCanManageIntegrations(a: ChannelAccess): void {
  if (isConversation(a.channel)) throw new AppError('FORBIDDEN', 'Conversations have no integrations');
  if (!a.channelMember) throw new AppError('FORBIDDEN', 'Join the channel first');
  if (a.channel.createdBy !== a.userId && !isAdmin(a)) throw new AppError('FORBIDDEN', "Only the channel's creator or a workspace admin can manage its integrations");
}

export function assertCanJoin(a: ChannelAccess): void {
  if (a.channel.kind !== 'public') throw new AppError('FORBIDDEN', 'Private channels are joined by invitation');
  requireActive(a);
}

/** Add someone: members of a private channel, anyone in a public one, admins always; never to DMs. */
export function assertCanAddMembers(a: ChannelAccess): void {
  if (isConversation(a.channel)) throw new AppError('FORBIDDEN', 'Start a new conversation to add people');
  if (!a.channelMember && !isAdmin(a)) throw new AppError('NOT_A_MEMBER', 'Join the channel first');
  requireActive(a);
}

/** Remove someone else: the channel's creator or a workspace admin. Leaving oneself is always allowed. */
export function assertCanRemoveMember(a: ChannelAccess, targetUserId: string): void {
  if (targetUserId === a.userId) return;
  if (isConversation(a.channel)) throw new AppError('FORBIDDEN', 'People cannot be removed from a conversation');
  if (a.channel.createdBy !== a.userId && !isAdmin(a)) throw new AppError('FORBIDDEN', 'Only the creator or an admin can remove members');
}

/** Edit: the author, within the edit window, where they could still post (a block closes the conversation's edits too). */
export async function assertCanEdit(ctx: AppContext, a: ChannelAccess, m: MessageRecord, now: number, windowMs: number): Promise<void> {
  if (m.authorId !== a.userId) throw new AppError('FORBIDDEN', 'Only the author can edit a message');
  if (m.deletedAt !== null) throw new AppError('NOT_FOUND', 'No such message');
  requireMember(a);
  requireActive(a);
  if (now - m.createdAt > windowMs) throw new AppError('EDIT_WINDOW_CLOSED', 'Messages can only be edited shortly after sending');
  await assertConversationOpenTo(ctx, a.userId, a.channel);
}

/** Delete: the author (while a member) or a workspace admin, at any time. */
export function assertCanDelete(a: ChannelAccess, m: MessageRecord): void {
  if (m.deletedAt !== null) throw new AppError('NOT_FOUND', 'No such message');
  if (isAdmin(a)) return;
  if (m.authorId !== a.userId) throw new AppError('FORBIDDEN', 'Only the author or an admin can delete a message');
  requireMember(a);
}
