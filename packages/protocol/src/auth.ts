import Type from 'typebox';
import { Id, LineText, Timestamp } from './scalars.js';
import { Limits } from './limits.js';

export const Username = Type.String({
  minLength: Limits.usernameMin,
  maxLength: Limits.usernameMax,
  pattern: Limits.usernamePattern,
  description: '3–30 characters of a-z, 0-9 and _; case-insensitive, stored lower-case',
});

// RFC 5322 dot-atom text: letters, digits and these; dots only between them. No quoted local
// parts, no domain literals, no spaces, controls or markup (<>()[]\,;:").
const atext = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
// RFC 1035 labels: 1–63 letters, digits and inner hyphens.
const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';

/**
 * An address in the shape RFC 5321/5322 give it (docs/text.md): `local@domain`, ASCII only (an
 * internationalised domain in its xn-- form), the local part at most 64 octets, a dotted domain,
 * at most 254 octets in all. Stored as sent; compared case-insensitively. Deliverability is
 * proven by mail, not by a pattern.
 */
export const Email = Type.String({
  minLength: 3,
  maxLength: Limits.emailMax,
  pattern: `^(?=[^@]{1,${Limits.emailLocalMax}}@)${atext}(?:\\.${atext})*@${label}(?:\\.${label})+$`,
  description: 'local@domain.tld: ASCII, local part ≤ 64 octets, ≤ 254 octets in all; stored as sent, compared case-insensitively.',
});

/** Any characters (but U+0000), used exactly as sent: never normalised, trimmed or shown. */
export const Password = Type.String({ minLength: Limits.passwordMin, maxLength: Limits.passwordMax, description: '8–128 code points, used exactly as sent.' });

export const DisplayName = LineText(Limits.displayNameMax, { description: 'The name shown for the user' });

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
  /** Present (true) only for bot users, which post through API tokens and cannot log in. */
  isBot: Type.Optional(Type.Literal(true)),
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

/** An admin-issued link to set a password (a provisioned user has none). The token is in the URL's fragment: never sent to a server, never in a log. */
export const PasswordLink = Type.Object({ url: Type.String(), expiresAt: Timestamp });
export type PasswordLink = Type.Static<typeof PasswordLink>;

export const SetPasswordRequest = Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }), password: Password }, { additionalProperties: false });
export type SetPasswordRequest = Type.Static<typeof SetPasswordRequest>;
