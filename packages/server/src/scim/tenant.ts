import type { AppContext } from '../context.js';
import type { Principal } from '../actions/accessVerifier.js';
import { isAdminRole } from '../policies/workspaceAccess.js';
import { ScimError } from './errors.js';

/** The workspace a SCIM request provisions into, and the admin acting for the identity provider. */
export interface ScimTenant {
  workspaceId: string;
  adminId: string;
  /** `https://host/scim/v2` (or `…/scim/v2/workspaces/{id}`), for `meta.location`. */
  baseUrl: string;
}

/**
 * The tenant is a workspace the token's user administers (admin or owner): the one named in the
 * path (`/scim/v2/workspaces/{workspaceId}/…`) or query (`?workspaceId=`), else the only one they
 * administer. A user administering several must name one (403 otherwise): provisioning into a
 * guessed workspace is worse than a configuration error. Only API tokens with the `scim` scope
 * qualify; a signed-in browser session does not (the plugin lets sessions through every scope).
 */
export async function resolveTenant(ctx: AppContext, principal: Principal, named: string | undefined, baseUrl: string): Promise<ScimTenant> {
  if (!principal.scopes || !principal.scopes.includes('scim')) throw new ScimError(403, 'SCIM needs an API token with the "scim" scope');
  const administered = (await ctx.storage.workspaces.listForUser(principal.user.id)).filter((w) => isAdminRole(w.role));
  if (named !== undefined) {
    // Not administered and not a member look alike: ids of other tenants reveal nothing.
    if (!administered.some((w) => w.id === named)) throw new ScimError(403, "The token's user does not administer that workspace");
    return { workspaceId: named, adminId: principal.user.id, baseUrl };
  }
  if (administered.length === 0) throw new ScimError(403, "The token's user administers no workspace");
  if (administered.length > 1) throw new ScimError(403, "The token's user administers several workspaces: use /scim/v2/workspaces/{workspaceId}");
  return { workspaceId: administered[0]!.id, adminId: principal.user.id, baseUrl };
}
