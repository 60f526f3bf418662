import Type from 'typebox';
import { Id, Timestamp } from './scalars.js';
import { Limits } from './limits.js';

/** Printable text: no C0/C1 control characters (names end up in UIs and logs). */
const noControlChars = '^[^\\u0000-\\u001f\\u007f-\\u009f]*$';

export const Username = Type.String({
  minLength: Limits.usernameMin,
  maxLength: Limits.usernameMax,
  pattern: Limits.usernamePattern,
  description: '3–30 characters of a-z, 0-9 and _; case-insensitive, stored lower-case',
});

/** Deliberately loose: one @, no spaces, a dot in the domain. Deliverability is proven by mail, not regex. */
export const Email = Type.String({
  maxLength: Limits.emailMax,
  pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$',
});

export const Password = Type.String({ minLength: Limits.passwordMin, maxLength: Limits.passwordMax });

export const DisplayName = Type.String({
  minLength: Limits.displayNameMin,
  maxLength: Limits.displayNameMax,
  pattern: noControlChars,
});

export const RegisterRequest = Type.Object(
  {
    email: Email,
    username: Username,
    password: Password,
    displayName: Type.Optional(DisplayName),
  },
  { additionalProperties: false },
);
export type RegisterRequest = Type.Static<typeof RegisterRequest>;

export const LoginRequest = Type.Object(
  {
    /** A username or an email address. */
    username: Type.String({ minLength: 1, maxLength: Limits.emailMax }),
    /** Not length-checked beyond the registration maximum: demo accounts predate the rules. */
    password: Type.String({ minLength: 1, maxLength: Limits.passwordMax }),
  },
  { additionalProperties: false },
);
export type LoginRequest = Type.Static<typeof LoginRequest>;

/** Refresh reads the cookie; API clients without cookies send the token in the body instead. */
export const RefreshRequest = Type.Object(
  { refreshToken: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) },
  { additionalProperties: false },
);
export type RefreshRequest = Type.Static<typeof RefreshRequest>;

/**
 * Logout ends the session of the access token and, so that an expired access token cannot leave
 * it alive, that of the refresh token too: the cookie's, or for API clients the one in the body.
 */
export const LogoutRequest = RefreshRequest;
export type LogoutRequest = RefreshRequest;

export const ChangePasswordRequest = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: Limits.passwordMax }), newPassword: Password },
  { additionalProperties: false },
);
export type ChangePasswordRequest = Type.Static<typeof ChangePasswordRequest>;

export const User = Type.Object({
  id: Type.String(),
  username: Type.String(),
  email: Type.String(),
  displayName: Type.String(),
  createdAt: Timestamp,
});
export type User = Type.Static<typeof User>;

export const AuthResponse = Type.Object({ user: User });
export type AuthResponse = Type.Static<typeof AuthResponse>;

/** For API clients that authenticate with `Authorization: Bearer` rather than cookies. */
export const TokenResponse = Type.Object({
  user: User,
  accessToken: Type.String(),
  accessTokenExpiresAt: Timestamp,
  refreshToken: Type.String(),
  refreshTokenExpiresAt: Timestamp,
});
export type TokenResponse = Type.Static<typeof TokenResponse>;

export const Session = Type.Object({
  id: Type.String(),
  createdAt: Timestamp,
  lastUsedAt: Timestamp,
  expiresAt: Timestamp,
  userAgent: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  current: Type.Boolean(),
});
export type Session = Type.Static<typeof Session>;

export const SessionList = Type.Object({ sessions: Type.Array(Session) });
export type SessionList = Type.Static<typeof SessionList>;

export const WsTicketResponse = Type.Object({
  ticket: Type.String(),
  expiresAt: Timestamp,
});
export type WsTicketResponse = Type.Static<typeof WsTicketResponse>;

export const IdParams = Type.Object({ id: Id });
export type IdParams = Type.Static<typeof IdParams>;
