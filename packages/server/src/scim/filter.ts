import { ScimError } from './errors.js';

/** One `attribute eq "value"` comparison: the only filter form this server evaluates. */
export interface EqFilter {
  /** As written, without a schema URN prefix. */
  attribute: string;
  value: string;
}

const invalid = (detail: string) => new ScimError(400, detail, 'invalidFilter');

/**
 * `urn:ietf:params:scim:schemas:core:2.0:User:userName` → `userName`;
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department` → `department`.
 */
export function stripUrn(path: string): string {
  const match = /^urn:ietf:params:scim:schemas:[\w:.-]+?:\d\.\d:(?:[A-Za-z]+:)?(.+)$/i.exec(path);
  return match ? match[1]! : path;
}

/**
 * Parses a filter (RFC 7644 §3.4.2.2) of the one form supported here, `attrPath eq "string"`
 * (the operator in any case, the string a JSON string with its escapes). Everything else — other
 * operators, `and`/`or`/`not`, grouping, non-string values — is a 400 `invalidFilter`, never
 * silently read as something else. `allowed` lists the attributes that may be filtered on,
 * compared case-insensitively; the answer names the allowed spelling.
 */
export function parseEqFilter(text: string, allowed: readonly string[]): EqFilter {
  const match = /^\s*([A-Za-z][\w.:-]*)\s+([A-Za-z]+)\s+("(?:[^"\\]|\\.)*")\s*$/.exec(text);
  if (!match) throw invalid('Only filters of the form attribute eq "value" are supported');
  const [, path, operator, literal] = match as unknown as [string, string, string, string];
  if (operator.toLowerCase() !== 'eq') throw invalid(`The operator "${operator.slice(0, 10)}" is not supported; use eq`);
  const attribute = allowed.find((a) => a.toLowerCase() === stripUrn(path).toLowerCase());
  if (!attribute) throw invalid(`Filtering is supported on ${allowed.join(', ')} only`);
  let value: unknown;
  try {
    value = JSON.parse(literal);
  } catch {
    throw invalid('The filter value is not a valid string');
  }
  return { attribute, value: value as string };
}
