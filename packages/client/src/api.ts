import type Type from 'typebox';
import type * as P from '@relaydesk/protocol';
import type { HttpTransport } from './http.js';
import { uploadFile, type UploadOptions } from './upload.js';

type S<T extends Type.TSchema> = Type.Static<T>;
export type Workspace = S<typeof P.Workspace>;
export type Member = S<typeof P.Member>;
export type Invite = S<typeof P.Invite>;
export type CreatedInvite = S<typeof P.CreatedInvite>;
export type Channel = S<typeof P.Channel>;
export type ChannelMember = S<typeof P.ChannelMember>;
export type Message = S<typeof P.Message>;
export type MessagePage = S<typeof P.MessagePage>;
export type EventPage = S<typeof P.EventPage>;
export type Unread = S<typeof P.Unread>;
export type Receipt = S<typeof P.ReceiptList>['readBy'][number];
export type SearchResults = S<typeof P.SearchResults>;
export type SearchQuery = S<typeof P.SearchQuery>;
export type HistoryQuery = S<typeof P.HistoryQuery>;
export type User = P.User;
export type Session = P.Session;
export type FileInfo = P.FileInfo;
export type PresenceStatus = 'online' | 'away' | 'offline';

const enc = encodeURIComponent;

/** The whole REST API, typed from the shared protocol schemas. */
export class RelayDeskApi {
  constructor(readonly http: HttpTransport) {}

  private get<T>(path: string, query?: Record<string, string | number | boolean | undefined>) {
    return this.http.request<T>('GET', path, { query });
  }
  private call<T>(method: string, path: string, body?: unknown) {
    return this.http.request<T>(method, path, { body });
  }

  // --- auth ---
  readonly auth = {
    register: (body: P.RegisterRequest) =>
      this.http.request<P.AuthResponse>('POST', '/api/v1/auth/register', { body, refreshOn401: false }),
    login: (body: P.LoginRequest) => this.http.request<P.AuthResponse>('POST', '/api/v1/auth/login', { body, refreshOn401: false }),
    /** Bearer mode: log in and keep the tokens for later requests. */
    token: async (body: P.LoginRequest) => {
      const answer = await this.http.request<P.TokenResponse>('POST', '/api/v1/auth/token', { body, refreshOn401: false });
      this.http.setTokens({ accessToken: answer.accessToken, refreshToken: answer.refreshToken });
      return answer;
    },
    logout: async () => {
      // Bearer mode: the refresh token goes along, so the session ends even if the access token has expired.
      const refreshToken = this.http.bearerTokens?.refreshToken;
      const body: P.LogoutRequest = refreshToken ? { refreshToken } : {};
      await this.http.request<void>('POST', '/api/v1/auth/logout', { body, refreshOn401: false }).catch(() => undefined);
      this.http.setTokens(null);
    },
    me: () => this.get<P.AuthResponse>('/api/v1/auth/me'),
    sessions: () => this.get<P.SessionList>('/api/v1/auth/sessions'),
    revokeSession: (id: string) => this.call<void>('DELETE', `/api/v1/auth/sessions/${enc(id)}`),
    /** With an admin-issued link's token (its URL fragment). */
    setPassword: (body: P.SetPasswordRequest) => this.http.request<void>('POST', '/api/v1/auth/set-password', { body, refreshOn401: false }),
    changePassword: (body: P.ChangePasswordRequest) => this.call<void>('POST', '/api/v1/auth/password', body),
    wsTicket: () => this.call<P.WsTicketResponse>('POST', '/api/v1/auth/ws-ticket'),
  };

  // --- workspaces ---
  readonly workspaces = {
    list: () => this.get<{ workspaces: Workspace[] }>('/api/v1/workspaces'),
    create: (name: string) => this.call<Workspace>('POST', '/api/v1/workspaces', { name }),
    get: (id: string) => this.get<Workspace>(`/api/v1/workspaces/${enc(id)}`),
    rename: (id: string, name: string) => this.call<Workspace>('PATCH', `/api/v1/workspaces/${enc(id)}`, { name }),
    members: (id: string) => this.get<{ members: Member[] }>(`/api/v1/workspaces/${enc(id)}/members`),
    setRole: (id: string, userId: string, role: 'admin' | 'member') =>
      this.call<Member>('PATCH', `/api/v1/workspaces/${enc(id)}/members/${enc(userId)}`, { role }),
    removeMember: (id: string, userId: string) => this.call<void>('DELETE', `/api/v1/workspaces/${enc(id)}/members/${enc(userId)}`),
    createInvite: (id: string, body: P.CreateInviteRequest = {}) =>
      this.call<CreatedInvite>('POST', `/api/v1/workspaces/${enc(id)}/invites`, body),
    invites: (id: string) => this.get<{ invites: Invite[] }>(`/api/v1/workspaces/${enc(id)}/invites`),
    revokeInvite: (id: string, inviteId: string) => this.call<void>('DELETE', `/api/v1/workspaces/${enc(id)}/invites/${enc(inviteId)}`),
    acceptInvite: (code: string) => this.call<Workspace>('POST', '/api/v1/invites/accept', { code }),
    channels: (id: string) => this.get<{ channels: Channel[] }>(`/api/v1/workspaces/${enc(id)}/channels`),
    createChannel: (id: string, body: P.CreateChannelRequest) => this.call<Channel>('POST', `/api/v1/workspaces/${enc(id)}/channels`, body),
    openConversation: (id: string, userIds: string[]) =>
      this.call<Channel>('POST', `/api/v1/workspaces/${enc(id)}/conversations`, { userIds }),
    search: (id: string, query: SearchQuery) => this.get<SearchResults>(`/api/v1/workspaces/${enc(id)}/search`, query),
    stats: (id: string) => this.get<P.WorkspaceStats>(`/api/v1/workspaces/${enc(id)}/stats`),
    presence: (id: string) =>
      this.get<{ presence: { userId: string; status: PresenceStatus }[] }>(`/api/v1/workspaces/${enc(id)}/presence`),
  };

  // --- channels ---
  readonly channels = {
    get: (id: string) => this.get<Channel>(`/api/v1/channels/${enc(id)}`),
    update: (id: string, body: P.UpdateChannelRequest) => this.call<Channel>('PATCH', `/api/v1/channels/${enc(id)}`, body),
    archive: (id: string) => this.call<Channel>('POST', `/api/v1/channels/${enc(id)}/archive`),
    unarchive: (id: string) => this.call<Channel>('POST', `/api/v1/channels/${enc(id)}/unarchive`),
    join: (id: string) => this.call<Channel>('POST', `/api/v1/channels/${enc(id)}/join`),
    leave: (id: string) => this.call<void>('POST', `/api/v1/channels/${enc(id)}/leave`),
    members: (id: string) => this.get<{ members: ChannelMember[] }>(`/api/v1/channels/${enc(id)}/members`),
    addMember: (id: string, userId: string) => this.call<unknown>('POST', `/api/v1/channels/${enc(id)}/members`, { userId }),
    removeMember: (id: string, userId: string) => this.call<void>('DELETE', `/api/v1/channels/${enc(id)}/members/${enc(userId)}`),
    history: (id: string, query: HistoryQuery = {}) => this.get<MessagePage>(`/api/v1/channels/${enc(id)}/messages`, query),
    send: (id: string, body: P.SendMessageRequest) => this.call<Message>('POST', `/api/v1/channels/${enc(id)}/messages`, body),
    events: (id: string, after: number, limit?: number) =>
      this.get<EventPage>(`/api/v1/channels/${enc(id)}/events`, { after, limit }),
    pins: (id: string) => this.get<{ messages: Message[] }>(`/api/v1/channels/${enc(id)}/pins`),
    markRead: (id: string, seq: number) =>
      this.call<{ channelId: string; lastReadSeq: number }>('POST', `/api/v1/channels/${enc(id)}/read`, { seq }),
    typing: (id: string) => this.call<void>('POST', `/api/v1/channels/${enc(id)}/typing`),
  };

  // --- messages ---
  readonly messages = {
    get: (id: string) => this.get<Message>(`/api/v1/messages/${enc(id)}`),
    edit: (id: string, body: string) => this.call<Message>('PATCH', `/api/v1/messages/${enc(id)}`, { body }),
    delete: (id: string) => this.call<void>('DELETE', `/api/v1/messages/${enc(id)}`),
    edits: (id: string) => this.get<S<typeof P.EditHistory>>(`/api/v1/messages/${enc(id)}/edits`),
    replies: (id: string, query: { after?: number; limit?: number } = {}) =>
      this.get<{ root: Message; replies: Message[]; hasMore: boolean }>(`/api/v1/messages/${enc(id)}/replies`, query),
    react: (id: string, emoji: string) => this.call<void>('PUT', `/api/v1/messages/${enc(id)}/reactions/${enc(emoji)}`),
    unreact: (id: string, emoji: string) => this.call<void>('DELETE', `/api/v1/messages/${enc(id)}/reactions/${enc(emoji)}`),
    pin: (id: string) => this.call<void>('PUT', `/api/v1/messages/${enc(id)}/pin`),
    unpin: (id: string) => this.call<void>('DELETE', `/api/v1/messages/${enc(id)}/pin`),
    receipts: (id: string) => this.get<S<typeof P.ReceiptList>>(`/api/v1/messages/${enc(id)}/receipts`),
  };

  // --- files ---
  readonly files = {
    upload: (channelId: string, file: Blob, name: string, options?: UploadOptions) => uploadFile(this.http, channelId, file, name, options),
    get: (id: string) => this.get<P.FileInfo>(`/api/v1/files/${enc(id)}`),
  };

  // --- me ---
  readonly me = {
    unreads: () => this.get<{ unreads: Unread[] }>('/api/v1/me/unreads'),
    blocks: () => this.get<{ blockedUserIds: string[] }>('/api/v1/me/blocks'),
    block: (userId: string) => this.call<void>('PUT', `/api/v1/me/blocks/${enc(userId)}`),
    unblock: (userId: string) => this.call<void>('DELETE', `/api/v1/me/blocks/${enc(userId)}`),
  };

  // --- API tokens and bots ---
  readonly tokens = {
    /** The secret (`token`) is in this answer only. */
    create: (body: P.CreateTokenRequest) => this.call<P.CreatedToken>('POST', '/api/v1/me/tokens', body),
    list: () => this.get<P.TokenList>('/api/v1/me/tokens'),
    revoke: (tokenId: string) => this.call<void>('DELETE', `/api/v1/me/tokens/${enc(tokenId)}`),
  };

  // --- webhooks, app events, audit ---
  readonly hooks = {
    createIncoming: (channelId: string, name: string) => this.call<P.IncomingHookWithUrl>('POST', `/api/v1/channels/${enc(channelId)}/incoming-hooks`, { name }),
    listIncoming: (channelId: string) => this.get<{ hooks: P.IncomingHook[] }>(`/api/v1/channels/${enc(channelId)}/incoming-hooks`),
    rotateIncoming: (channelId: string, hookId: string) => this.call<P.IncomingHookWithUrl>('POST', `/api/v1/channels/${enc(channelId)}/incoming-hooks/${enc(hookId)}/rotate`),
    deleteIncoming: (channelId: string, hookId: string) => this.call<void>('DELETE', `/api/v1/channels/${enc(channelId)}/incoming-hooks/${enc(hookId)}`),
    createOutgoing: (channelId: string, body: P.CreateOutgoingHookRequest) => this.call<P.CreatedOutgoingHook>('POST', `/api/v1/channels/${enc(channelId)}/outgoing-hooks`, body),
    listOutgoing: (channelId: string) => this.get<{ hooks: P.OutgoingHook[] }>(`/api/v1/channels/${enc(channelId)}/outgoing-hooks`),
    deleteOutgoing: (channelId: string, hookId: string) => this.call<void>('DELETE', `/api/v1/channels/${enc(channelId)}/outgoing-hooks/${enc(hookId)}`),
    deliveries: (channelId: string, hookId: string) => this.get<{ deliveries: P.Delivery[] }>(`/api/v1/channels/${enc(channelId)}/outgoing-hooks/${enc(hookId)}/deliveries`),
    redeliver: (channelId: string, hookId: string, deliveryId: string) =>
      this.call<void>('POST', `/api/v1/channels/${enc(channelId)}/outgoing-hooks/${enc(hookId)}/deliveries/${enc(deliveryId)}/redeliver`),
  };

  readonly appEvents = {
    /** `idempotencyKey`: the same key and body on a retry answers the first event. */
    publish: (workspaceId: string, event: P.AppEventInput, idempotencyKey: string) =>
      this.http.request<P.AppEvent>('POST', `/api/v1/workspaces/${enc(workspaceId)}/app-events`, { body: event, headers: { 'idempotency-key': idempotencyKey } }),
    list: (workspaceId: string, topic: string, after = 0, limit?: number) =>
      this.get<P.AppEventPage>(`/api/v1/workspaces/${enc(workspaceId)}/app-events`, { topic, after, limit }),
  };

  auditLog = (workspaceId: string, query: { before?: string; limit?: number } = {}) =>
    this.get<{ entries: P.AuditEntry[] }>(`/api/v1/workspaces/${enc(workspaceId)}/audit-log`, query);

  readonly bots = {
    create: (workspaceId: string, body: P.CreateBotRequest) => this.call<User>('POST', `/api/v1/workspaces/${enc(workspaceId)}/bots`, body),
    list: (workspaceId: string) => this.get<{ bots: User[] }>(`/api/v1/workspaces/${enc(workspaceId)}/bots`),
    createToken: (workspaceId: string, botId: string, body: P.CreateTokenRequest) =>
      this.call<P.CreatedToken>('POST', `/api/v1/workspaces/${enc(workspaceId)}/bots/${enc(botId)}/tokens`, body),
    tokens: (workspaceId: string, botId: string) => this.get<P.TokenList>(`/api/v1/workspaces/${enc(workspaceId)}/bots/${enc(botId)}/tokens`),
    revokeToken: (workspaceId: string, botId: string, tokenId: string) =>
      this.call<void>('DELETE', `/api/v1/workspaces/${enc(workspaceId)}/bots/${enc(botId)}/tokens/${enc(tokenId)}`),
  };
}
