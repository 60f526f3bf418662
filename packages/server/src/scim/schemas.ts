import { invalidValue } from './errors.js';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

/** `filter.maxResults`: a page holds at most this many resources, whatever `count` asks. */
export const MAX_RESULTS = 200;

/** RFC 7644 §3.4.2.4: 1-based `startIndex`, `count` resources per page. */
export interface Page {
  startIndex: number;
  count: number;
}

function integer(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d{1,9}$/.test(raw)) throw invalidValue(`${name} must be an integer`);
  return Number(raw);
}

/** Out-of-range values are clamped, as §3.4.2.4 says: a startIndex below 1 is 1, a negative count 0. */
export function readPage(query: { startIndex?: string; count?: string }): Page {
  const startIndex = Math.max(1, integer(query.startIndex, 'startIndex') ?? 1);
  const count = Math.min(MAX_RESULTS, Math.max(0, integer(query.count, 'count') ?? MAX_RESULTS));
  return { startIndex, count };
}

export const listResponse = <T>(total: number, page: Page, resources: T[]) => ({
  schemas: [LIST_SCHEMA],
  totalResults: total,
  startIndex: page.startIndex,
  itemsPerPage: resources.length,
  Resources: resources,
});

const meta = (baseUrl: string, resourceType: string, path: string) => ({ resourceType, location: `${baseUrl}${path}` });

/** RFC 7643 §5. */
export const serviceProviderConfig = (baseUrl: string) => ({
  schemas: [CONFIG_SCHEMA],
  documentationUri: 'https://github.com/relaydesk/relaydesk/blob/main/docs/integrations.md#scim-20-provisioning',
  patch: { supported: true },
  bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
  filter: { supported: true, maxResults: MAX_RESULTS },
  changePassword: { supported: false },
  sort: { supported: false },
  etag: { supported: false },
  authenticationSchemes: [
    {
      type: 'oauthbearertoken',
      name: 'OAuth Bearer Token',
      description: 'A RelayDesk personal access token (rdp_…) with the "scim" scope, of a workspace admin: Authorization: Bearer <token>',
      primary: true,
    },
  ],
  meta: meta(baseUrl, 'ServiceProviderConfig', '/ServiceProviderConfig'),
});

const attribute = (name: string, type: string, extra: Record<string, unknown> = {}) => ({
  name,
  type,
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...extra,
});

const userSchema = {
  id: USER_SCHEMA,
  name: 'User',
  description: 'A RelayDesk user provisioned by an identity provider',
  attributes: [
    attribute('userName', 'string', { required: true, uniqueness: 'server' }),
    attribute('name', 'complex', { subAttributes: [attribute('formatted', 'string'), attribute('givenName', 'string'), attribute('familyName', 'string')] }),
    attribute('displayName', 'string'),
    attribute('active', 'boolean'),
    attribute('emails', 'complex', {
      multiValued: true,
      subAttributes: [attribute('value', 'string'), attribute('type', 'string'), attribute('primary', 'boolean')],
    }),
    attribute('externalId', 'string', { caseExact: true }),
  ],
};

const groupSchema = {
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'A private channel of the workspace; its members are the channel members',
  attributes: [
    attribute('displayName', 'string', { required: true }),
    attribute('externalId', 'string', { caseExact: true }),
    attribute('members', 'complex', {
      multiValued: true,
      subAttributes: [
        attribute('value', 'string', { mutability: 'immutable' }),
        attribute('display', 'string', { mutability: 'readOnly' }),
        attribute('$ref', 'reference', { mutability: 'immutable', referenceTypes: ['User'] }),
      ],
    }),
  ],
};

/** RFC 7643 §7. */
export const schemas = (baseUrl: string) =>
  [userSchema, groupSchema].map((s) => ({ schemas: [SCHEMA_SCHEMA], ...s, meta: meta(baseUrl, 'Schema', `/Schemas/${s.id}`) }));

/** RFC 7643 §6. */
export const resourceTypes = (baseUrl: string) => [
  { schemas: [RESOURCE_TYPE_SCHEMA], id: 'User', name: 'User', endpoint: '/Users', schema: USER_SCHEMA, meta: meta(baseUrl, 'ResourceType', '/ResourceTypes/User') },
  { schemas: [RESOURCE_TYPE_SCHEMA], id: 'Group', name: 'Group', endpoint: '/Groups', schema: GROUP_SCHEMA, meta: meta(baseUrl, 'ResourceType', '/ResourceTypes/Group') },
];
