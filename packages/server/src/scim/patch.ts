import { ScimError } from './errors.js';
import { parseEqFilter, stripUrn, type EqFilter } from './filter.js';

export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  /** Parsed; absent when the operation has no path (its value is then an object of attributes). */
  path?: PatchPath;
  value?: unknown;
}

/** `attr`, `attr.sub`, `attr[filter]`, `attr[filter].sub` (RFC 7644 §3.5.2), the schema URN prefix stripped. */
export interface PatchPath {
  attribute: string;
  filter?: EqFilter;
  sub?: string;
}

const invalidPath = (detail: string) => new ScimError(400, detail, 'invalidPath');

export function parsePath(raw: string, filterable: readonly string[] = ['value', 'type']): PatchPath {
  const path = stripUrn(raw.trim());
  const match = /^([A-Za-z][\w-]*)(?:\[(.+)\])?(?:\.([A-Za-z][\w-]*))?$/.exec(path);
  if (!match) throw invalidPath('The path is not valid');
  const [, attribute, filterText, sub] = match as unknown as [string, string, string | undefined, string | undefined];
  let filter: EqFilter | undefined;
  if (filterText !== undefined) {
    try {
      filter = parseEqFilter(filterText, filterable);
    } catch {
      throw invalidPath('The path filter must be of the form value eq "…"');
    }
  }
  return { attribute, ...(filter ? { filter } : {}), ...(sub ? { sub } : {}) };
}

/**
 * Reads a PatchOp body as Okta and Entra send them: `op` in any case (`Replace`), with or without
 * `path`. Anything else is a 400 `invalidSyntax`.
 */
export function readPatch(body: unknown): PatchOperation[] {
  const operations = isObject(body) ? attr(body, 'Operations') : undefined;
  if (!Array.isArray(operations) || operations.length === 0) throw new ScimError(400, 'A PatchOp needs a non-empty "Operations" array', 'invalidSyntax');
  if (operations.length > 1000) throw new ScimError(400, 'At most 1000 operations per request', 'tooMany');
  return operations.map((raw): PatchOperation => {
    if (!isObject(raw)) throw new ScimError(400, 'Each operation must be an object', 'invalidSyntax');
    const op = typeof raw.op === 'string' ? raw.op.toLowerCase() : undefined;
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw new ScimError(400, 'op must be add, replace or remove', 'invalidSyntax');
    const path = raw.path;
    if (path !== undefined && (typeof path !== 'string' || path.length > 500)) throw invalidPath('path must be a string');
    if (op === 'remove' && (path === undefined || path === '')) throw new ScimError(400, 'remove needs a path', 'noTarget');
    if (op !== 'remove' && raw.value === undefined) throw new ScimError(400, `${op} needs a value`, 'invalidValue');
    return { op, ...(path ? { path: parsePath(path) } : {}), ...(raw.value !== undefined ? { value: raw.value } : {}) };
  });
}

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** SCIM attribute names are case-insensitive (RFC 7643 §2.1). */
export function attr(object: Record<string, unknown>, name: string): unknown {
  if (name in object) return object[name];
  const lower = name.toLowerCase();
  const key = Object.keys(object).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : object[key];
}

/** A boolean as JSON or as Entra's strings "True" / "False". */
export function readBoolean(value: unknown, name: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  throw new ScimError(400, `${name} must be a boolean`, 'invalidValue');
}
