import Type from 'typebox';
import {
  AuthResponse,
  ChangePasswordRequest,
  IdParams,
  LoginRequest,
  LogoutRequest,
  RefreshRequest,
  RegisterRequest,
  SessionList,
  TokenResponse,
  WsTicketResponse,
} from '@relaydesk/protocol';
import { noContent, operations } from '../../openapiResponses.js';

const tags = ['auth'];
/** Signing in needs no session; the security requirement of the document does not apply. */
const open = { tags, security: [] };

/** The auth routes as the API document describes them; routes.ts validates with the same objects. */
export const authSchemas = operations({
  register: {
    ...open,
    summary: 'Create an account and sign in',
    description: 'Creates the user (username stored lower-case, displayName defaulting to it) and signs them in like login: the user, and the session and csrf cookies.',
    body: RegisterRequest,
    response: { 201: AuthResponse },
    errorStatuses: [403, 409],
  },
  login: {
    ...open,
    summary: 'Sign in with cookies',
    description: 'Checks the username (or email) and password; sets the HttpOnly access and refresh cookies and the readable csrf cookie.',
    body: LoginRequest,
    response: { 200: AuthResponse },
    errorStatuses: [401, 403],
  },
  issueTokens: {
    ...open,
    summary: 'Sign in and receive the tokens',
    description: 'Like login, for API clients that keep their tokens themselves: the access and refresh tokens are in the body, no cookie is set.',
    body: LoginRequest,
    response: { 200: TokenResponse },
    errorStatuses: [401, 403],
  },
  refreshSession: {
    ...open,
    summary: 'Rotate the refresh token',
    description:
      'With `refreshToken` in the body, answers new tokens in the body; without a body, uses the refresh cookie and sets new cookies. Reusing a rotated token revokes the whole session (401).',
    body: RefreshRequest,
    response: { 200: Type.Union([TokenResponse, AuthResponse]) },
    errorStatuses: [401, 403],
  },
  logout: {
    ...open,
    summary: 'End the session',
    description: 'Ends the session of the access token and of the refresh token (cookie or body) and clears the cookies. The body may be omitted.',
    body: LogoutRequest,
    response: noContent,
    errorStatuses: [403],
  },
  getCurrentUser: { tags, summary: 'The signed-in user', description: 'The user the session or token belongs to.', response: { 200: AuthResponse } },
  listSessions: {
    tags,
    summary: "The caller's sessions",
    description: 'Every active session of the user (device, address, last use); the current one is marked.',
    response: { 200: SessionList },
  },
  revokeSession: {
    tags,
    summary: 'Revoke one of the sessions',
    description: "Ends one of the caller's sessions at once; another user's session is a 404.",
    params: IdParams,
    response: noContent,
  },
  changePassword: {
    tags,
    summary: 'Change the password',
    description: 'Needs the current password (wrong: 401); every other session of the user is ended.',
    body: ChangePasswordRequest,
    response: noContent,
  },
  issueWsTicket: {
    tags,
    summary: 'A ticket for the WebSocket',
    description: 'A single-use ticket, valid for 5 minutes, that authenticates `GET /ws?ticket=…`.',
    response: { 200: WsTicketResponse },
  },
});
