import { presentFile } from './files.js';
import type { Channel, ChannelEventData, Invite, Member, Message, StoredChannelEvent, Workspace } from '@relaydesk/protocol';
import type {
  FileRecord,
  ChannelRecord,
  EventRecord,
  InviteRecord,
  MemberProfile,
  MessageRecord,
  Storage,
  WorkspaceRecord,
  WorkspaceRole,
} from '../storage/port.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export const presentWorkspace = (w: WorkspaceRecord, role: WorkspaceRole): Workspace => ({
  id: w.id,
  name: w.name,
  createdAt: iso(w.createdAt),
  role,
});

export const presentMember = (m: MemberProfile): Member => ({
  userId: m.userId,
  username: m.username,
  displayName: m.displayName,
  role: m.role,
  joinedAt: iso(m.joinedAt),
  ...(m.isBot ? { isBot: true as const } : {}),
});

export const presentInvite = (i: InviteRecord): Invite => ({
  id: i.id,
  workspaceId: i.workspaceId,
  createdAt: iso(i.createdAt),
  expiresAt: isoOrNull(i.expiresAt),
  maxUses: i.maxUses,
  uses: i.uses,
  revoked: i.revokedAt !== null,
});

export function presentChannel(c: ChannelRecord, isMember: boolean, memberIds?: string[]): Channel {
  const conversation = c.kind === 'dm' || c.kind === 'group_dm';
  return {
    id: c.id,
    workspaceId: c.workspaceId,
    kind: c.kind,
    name: c.name,
    slug: c.slug,
    topic: c.topic,
    createdBy: c.createdBy,
    createdAt: iso(c.createdAt),
    archived: c.archivedAt !== null,
    lastSeq: c.lastSeq,
    isMember,
    ...(conversation && memberIds ? { memberIds } : {}),
  };
}

/** What a message view adds to the record: read in batches, or known when the message is new. */
interface MessageExtras {
  mentionedUserIds: string[];
  reactions: Message['reactions'];
  files: FileRecord[];
  pinned: boolean;
}

function messageView(m: MessageRecord, x: MessageExtras): Message {
  return {
    id: m.id,
    channelId: m.channelId,
    seq: m.seq,
    authorId: m.authorId,
    body: m.body,
    clientMessageId: m.clientMessageId,
    threadRootId: m.threadRootId,
    replyCount: m.replyCount,
    lastReplyAt: isoOrNull(m.lastReplyAt),
    mentions: { userIds: x.mentionedUserIds, channel: m.mentionsChannel },
    reactions: x.reactions,
    attachmentCount: m.attachmentCount,
    attachments: x.files.map(presentFile),
    pinned: x.pinned,
    createdAt: iso(m.createdAt),
    editedAt: isoOrNull(m.editedAt),
    deleted: m.deletedAt !== null,
  };
}

/** Messages with their reactions, mentions and pins, in three queries for the whole batch. */
export async function presentMessages(storage: Storage, records: MessageRecord[]): Promise<Message[]> {
  const ids = records.map((m) => m.id);
  // Most messages carry no files: the files query runs only for a batch where some do.
  const withFiles = records.filter((m) => m.attachmentCount > 0 && m.deletedAt === null).map((m) => m.id);
  const [reactions, mentions, pinned, files] = await Promise.all([
    storage.messages.reactionsFor(ids),
    storage.messages.mentionsFor(ids),
    storage.messages.pinnedAmong(ids),
    withFiles.length > 0 ? storage.files.listForMessages(withFiles) : Promise.resolve([]),
  ]);
  return records.map((m) => {
    const byEmoji = new Map<string, string[]>();
    for (const r of reactions) {
      if (r.messageId !== m.id) continue;
      byEmoji.set(r.emoji, [...(byEmoji.get(r.emoji) ?? []), r.userId]);
    }
    return messageView(m, {
      mentionedUserIds: mentions.filter((x) => x.messageId === m.id).map((x) => x.userId),
      reactions: [...byEmoji].map(([emoji, userIds]) => ({ emoji, count: userIds.length, userIds })),
      files: files.filter((f) => f.messageId === m.id),
      pinned: pinned.has(m.id),
    });
  });
}

/**
 * A message just created in this transaction: nothing can have reacted to or pinned it yet, and its
 * mentions and files are known, so it is presented without reading them back (the send path's
 * hottest three queries, and three more for the ack, which reuses this view).
 */
export function presentNewMessage(m: MessageRecord, mentionedUserIds: string[], files: FileRecord[]): Message {
  return messageView(m, { mentionedUserIds, reactions: [], files, pinned: false });
}

export async function presentMessage(storage: Storage, record: MessageRecord): Promise<Message> {
  const [message] = await presentMessages(storage, [record]);
  return message!;
}

export const presentEvent = (e: EventRecord): StoredChannelEvent => ({
  channelId: e.channelId,
  seq: e.seq,
  actorId: e.actorId,
  at: iso(e.createdAt),
  event: e.payload as ChannelEventData,
});
