import { RealtimeLimits } from '@relaydesk/protocol';
import { isApiError, type Channel, type Message } from '@relaydesk/client';
import { api, client } from '../sdk.js';
import { navigate } from '../router.js';
import { applyEvent, upsert } from './applyEvent.js';
import { getState, resetState, setState } from './store.js';

const PAGE = 50;
const lastWorkspaceKey = 'relaydesk.workspace';
const lastChannelKey = 'relaydesk.channel';
let wired = false;

/** Signed in: load what the chat screen shows and go live. Resolves false when there is no session. */
export async function bootstrap(): Promise<boolean> {
  try {
    const { user } = await api.auth.me();
    setState({ me: user });
  } catch {
    return false;
  }
  wire();
  await client.outbox.load();
  const { workspaces } = await api.workspaces.list();
  setState({ workspaces });
  const preferred = localStorage.getItem(lastWorkspaceKey);
  const ws = workspaces.find((w) => w.id === preferred) ?? workspaces[0];
  if (ws) await selectWorkspace(ws.id);
  client.realtime.start();
  return true;
}

export async function selectWorkspace(workspaceId: string): Promise<void> {
  localStorage.setItem(lastWorkspaceKey, workspaceId);
  const [{ channels }, { members }, { unreads }] = await Promise.all([
    api.workspaces.channels(workspaceId),
    api.workspaces.members(workspaceId),
    api.me.unreads(),
  ]);
  for (const c of channels) if (c.isMember) client.realtime.cursors.advance(c.id, c.lastSeq);
  setState({
    workspaceId,
    channels: Object.fromEntries(channels.map((c) => [c.id, c])),
    members: Object.fromEntries(members.map((m) => [m.userId, m])),
    unreads: Object.fromEntries(unreads.map((u) => [u.channelId, u])),
    selectedChannelId: null,
    threadRootId: null,
  });
  loadPresence(workspaceId);
  const remembered = localStorage.getItem(lastChannelKey);
  // Like the sidebar: rooms first, then conversations.
  const ordered = sortedChannels(channels).sort((a, b) => Number(a.kind === 'dm' || a.kind === 'group_dm') - Number(b.kind === 'dm' || b.kind === 'group_dm'));
  const first = remembered && getState().channels[remembered]?.isMember ? remembered : ordered.find((c) => c.isMember)?.id;
  if (first) await selectChannel(first);
}

/**
 * Who is online now. Live `presence` frames only tell changes, and only while connected: the
 * snapshot is (re)loaded on every connect too, or someone who came online before our socket was
 * up (or while it was down) would stay "offline" here.
 */
function loadPresence(workspaceId: string): void {
  api.workspaces
    .presence(workspaceId)
    .then(({ presence }) => {
      if (getState().workspaceId !== workspaceId) return;
      setState((s) => ({ presence: { ...s.presence, ...Object.fromEntries(presence.map((p) => [p.userId, p.status])) } }));
    })
    .catch(() => undefined);
}

export function sortedChannels(channels: Channel[]): Channel[] {
  return [...channels].sort((a, b) => channelLabel(a).localeCompare(channelLabel(b)));
}

export function channelLabel(c: Channel, meId?: string): string {
  if (c.name) return c.name;
  const { members, me } = getState();
  const others = (c.memberIds ?? []).filter((id) => id !== (meId ?? me?.id));
  return others.map((id) => members[id]?.displayName ?? 'Someone').join(', ') || 'Just you';
}

export async function selectChannel(channelId: string): Promise<void> {
  localStorage.setItem(lastChannelKey, channelId);
  const s = getState();
  setState({ selectedChannelId: channelId, threadRootId: null });
  if (!s.timelines[channelId]) await loadTimeline(channelId);
  void markRead(channelId);
  void loadReceipts(channelId);
}

async function loadTimeline(channelId: string, around?: string): Promise<void> {
  const dividerAfterSeq = getState().unreads[channelId]?.lastReadSeq ?? null;
  setState((s) => ({ timelines: { ...s.timelines, [channelId]: { messages: [], hasMoreBefore: false, loading: true, dividerAfterSeq } } }));
  const page = await api.channels.history(channelId, around ? { around, limit: PAGE } : { limit: PAGE });
  setState((s) => {
    const live = s.timelines[channelId]?.messages ?? [];
    let messages = [...page.messages].reverse();
    for (const m of live) messages = upsert(messages, m);
    return { timelines: { ...s.timelines, [channelId]: { messages, hasMoreBefore: page.hasMoreBefore, loading: false, dividerAfterSeq } } };
  });
}

export async function loadOlder(channelId: string): Promise<void> {
  const t = getState().timelines[channelId];
  if (!t || t.loading || !t.hasMoreBefore || t.messages.length === 0) return;
  setState((s) => ({ timelines: { ...s.timelines, [channelId]: { ...t, loading: true } } }));
  const page = await api.channels.history(channelId, { before: t.messages[0]!.seq, limit: PAGE });
  setState((s) => {
    const current = s.timelines[channelId] ?? t;
    const older = [...page.messages].reverse().filter((m) => !current.messages.some((x) => x.id === m.id));
    return { timelines: { ...s.timelines, [channelId]: { ...current, messages: [...older, ...current.messages], hasMoreBefore: page.hasMoreBefore, loading: false } } };
  });
}

/** Jumps to a message (search result, pin): loads the page around it and focuses it. */
export async function jumpTo(message: Message): Promise<void> {
  if (message.threadRootId) {
    await selectChannel(message.channelId);
    return openThread(message.threadRootId);
  }
  localStorage.setItem(lastChannelKey, message.channelId);
  setState({ selectedChannelId: message.channelId, threadRootId: null });
  const t = getState().timelines[message.channelId];
  if (!t?.messages.some((m) => m.id === message.id)) await loadTimeline(message.channelId, message.id);
  setState({ focusMessageId: message.id });
}

export async function markRead(channelId: string): Promise<void> {
  const s = getState();
  const channel = s.channels[channelId];
  const unread = s.unreads[channelId];
  if (!channel?.isMember || (unread && unread.lastReadSeq >= channel.lastSeq)) return;
  setReadMarker(channelId, channel.lastSeq);
  try {
    if (client.realtime.state === 'online') await client.realtime.request({ type: 'read', channelId, seq: channel.lastSeq });
    else await api.channels.markRead(channelId, channel.lastSeq);
  } catch {
    // Best effort: the marker catches up the next time the channel is read.
  }
}

/**
 * Reading along in a busy channel: one read marker update per burst rather than one per message
 * (each update also fans out as a receipt to the channel's other members).
 */
const readTimers = new Map<string, ReturnType<typeof setTimeout>>();
function markReadSoon(channelId: string): void {
  if (readTimers.has(channelId)) return;
  readTimers.set(
    channelId,
    setTimeout(() => {
      readTimers.delete(channelId);
      void markRead(channelId);
    }, 750),
  );
}

function setReadMarker(channelId: string, lastReadSeq: number): void {
  setState((s) => {
    const u = s.unreads[channelId];
    if (!u || u.lastReadSeq >= lastReadSeq) return {};
    const caughtUp = lastReadSeq >= u.lastSeq;
    return { unreads: { ...s.unreads, [channelId]: { ...u, lastReadSeq, unreadCount: caughtUp ? 0 : u.unreadCount, mentionCount: caughtUp ? 0 : u.mentionCount } } };
  });
}

async function loadReceipts(channelId: string): Promise<void> {
  const s = getState();
  const mine = [...(s.timelines[channelId]?.messages ?? [])].reverse().find((m) => m.authorId === s.me?.id && !m.deleted);
  if (!mine) return;
  try {
    const { readBy } = await api.messages.receipts(mine.id);
    setState((st) => ({
      readMarkers: {
        ...st.readMarkers,
        [channelId]: { ...st.readMarkers[channelId], ...Object.fromEntries(readBy.map((r) => [r.userId, Math.max(mine.seq, st.readMarkers[channelId]?.[r.userId] ?? 0)])) },
      },
    }));
  } catch {
    // Large channels have no receipts.
  }
}

export async function send(body: string, threadRootId?: string, attachmentIds: string[] = []): Promise<void> {
  const channelId = getState().selectedChannelId;
  if (!channelId) return;
  await client.outbox.enqueue({ channelId, body, ...(threadRootId ? { threadRootId } : {}), ...(attachmentIds.length ? { attachmentIds } : {}) });
}

/** Uploads a recorded voice message and sends it as a message of its own. */
export async function sendVoice(channelId: string, audio: Blob, durationMs: number, threadRootId?: string): Promise<void> {
  const ext = audio.type.includes('ogg') ? 'ogg' : 'webm';
  const file = await api.files.upload(channelId, audio, `voice-message.${ext}`, { durationMs });
  await client.outbox.enqueue({ channelId, body: '', attachmentIds: [file.id], ...(threadRootId ? { threadRootId } : {}) });
}

export async function openThread(rootId: string): Promise<void> {
  setState({ threadRootId: rootId });
  const { replies } = await api.messages.replies(rootId, { limit: 100 });
  setState((s) => {
    let list = replies;
    for (const m of s.threads[rootId] ?? []) list = upsert(list, m);
    return { threads: { ...s.threads, [rootId]: list } };
  });
}

let lastTyping = 0;
export function typing(channelId: string): void {
  const now = Date.now();
  if (now - lastTyping < RealtimeLimits.typingThrottleMs) return;
  lastTyping = now;
  client.realtime.typing(channelId);
}

export async function logout(): Promise<void> {
  client.realtime.stop();
  await api.auth.logout();
  resetState();
  navigate('/login', { replace: true });
}

/** Listens to the SDK once: events into the reducer, ephemeral frames into their slices. */
function wire(): void {
  if (wired) return;
  wired = true;
  const rt = client.realtime;
  rt.on('state', (connection) => {
    setState({ connection });
    const workspaceId = getState().workspaceId;
    if (connection === 'online' && workspaceId) loadPresence(workspaceId);
  });
  rt.on('event', (e) => {
    setState((s) => applyEvent(s, e));
    const s = getState();
    if (e.event.type === 'member.joined' && e.event.userId === s.me?.id && !s.channels[e.channelId]) void addChannel(e.channelId);
    if (e.channelId === s.selectedChannelId && document.visibilityState === 'visible') markReadSoon(e.channelId);
  });
  rt.on('reset', (channelId) => {
    if (getState().timelines[channelId]) void loadTimeline(channelId);
  });
  rt.on('frame', (frame) => {
    const f = frame as { type: string; channelId?: string; userId?: string; lastReadSeq?: number; status?: string };
    if (f.type === 'typing' && f.channelId && f.userId) {
      const until = Date.now() + RealtimeLimits.typingTtlMs;
      setState((s) => ({ typing: { ...s.typing, [f.channelId!]: { ...s.typing[f.channelId!], [f.userId!]: until } } }));
    } else if (f.type === 'read' && f.channelId && f.lastReadSeq !== undefined) {
      setReadMarker(f.channelId, f.lastReadSeq);
    } else if (f.type === 'presence' && f.userId && f.status) {
      setState((s) => ({ presence: { ...s.presence, [f.userId!]: f.status as 'online' } }));
    } else if (f.type === 'receipt' && f.channelId && f.userId && f.lastReadSeq !== undefined) {
      setState((s) => ({ readMarkers: { ...s.readMarkers, [f.channelId!]: { ...s.readMarkers[f.channelId!], [f.userId!]: f.lastReadSeq! } } }));
    }
  });
  rt.on('sessionEnded', () => {
    resetState();
    navigate('/login', { replace: true });
  });
  client.http.onSessionEnded(() => {
    client.realtime.stop();
    resetState();
    navigate('/login', { replace: true });
  });
  client.outbox.on('change', (outbox) => setState({ outbox }));
  client.outbox.on('sent', (_item, message) => {
    setState((s) =>
      message.threadRootId
        ? { threads: s.threads[message.threadRootId] ? { ...s.threads, [message.threadRootId]: upsert(s.threads[message.threadRootId]!, message) } : s.threads }
        : { timelines: s.timelines[message.channelId] ? { ...s.timelines, [message.channelId]: { ...s.timelines[message.channelId]!, messages: upsert(s.timelines[message.channelId]!.messages, message) } } : s.timelines },
    );
  });
  document.addEventListener('visibilitychange', () => {
    const id = getState().selectedChannelId;
    if (document.visibilityState === 'visible' && id) void markRead(id);
    client.realtime.setPresence(document.visibilityState === 'visible' ? 'active' : 'away');
  });
}

async function addChannel(channelId: string): Promise<void> {
  try {
    const channel = await api.channels.get(channelId);
    if (channel.workspaceId === getState().workspaceId) setState((s) => ({ channels: { ...s.channels, [channel.id]: channel } }));
  } catch (e) {
    if (!isApiError(e, 'NOT_FOUND')) throw e;
  }
}

/** A new workspace of the user's own, with a #general channel to start in, selected at once. */
export async function createWorkspace(name: string): Promise<void> {
  const ws = await api.workspaces.create(name);
  const { workspaces } = await api.workspaces.list();
  setState({ workspaces });
  await selectWorkspace(ws.id);
  await createChannel('general', 'public', 'Everyone in the workspace');
}

export async function createChannel(name: string, kind: 'public' | 'private', topic: string): Promise<Channel> {
  const ws = getState().workspaceId!;
  const channel = await api.workspaces.createChannel(ws, { name, kind, ...(topic ? { topic } : {}) });
  client.realtime.cursors.advance(channel.id, channel.lastSeq);
  setState((s) => ({ channels: { ...s.channels, [channel.id]: channel } }));
  await selectChannel(channel.id);
  return channel;
}

export async function joinChannel(channelId: string): Promise<void> {
  const channel = await api.channels.join(channelId);
  setState((s) => ({ channels: { ...s.channels, [channelId]: { ...(s.channels[channelId] ?? channel), ...channel, isMember: true } } }));
  await refreshUnreads();
  await selectChannel(channelId);
}

export async function openDm(userIds: string[]): Promise<void> {
  const ws = getState().workspaceId!;
  const channel = await api.workspaces.openConversation(ws, userIds);
  setState((s) => ({ channels: { ...s.channels, [channel.id]: channel } }));
  await refreshUnreads();
  await selectChannel(channel.id);
}

async function refreshUnreads(): Promise<void> {
  const { unreads } = await api.me.unreads();
  setState({ unreads: Object.fromEntries(unreads.map((u) => [u.channelId, u])) });
}
