import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ClientFrame, RealtimeLimits, type ServerFrame } from '@relaydesk/protocol';
import { startTestServer, type TestServer } from '../testing/testServer.js';
import { TestClient, registerNewUser, type TestResponse } from '../testing/httpClient.js';
import { assertProductError, buildWorld, fill, pathParams, readOperations, StateSnapshot, type Actor, type Operation, type World } from '../testing/apiWorld.js';
import { TestSocket, sleep } from '../realtime/testSocket.js';

// Property-based fuzzing (fast-check) of every JSON body of the API document and of every client
// frame type of the WebSocket protocol, as the owner of the workspace (so that authorization passes
// and validation is what is exercised). Inputs: fc.jsonValue, raw non-JSON text, and values built
// from the schema then mutated (wrong type, missing required field, extra field, over-long string,
// huge / negative / fractional number, unicode junk, null).
// Counts (seed FUZZ_SEED, default below, printed at start):
//   - REST bodies: BODY_RUNS per operation with a JSON requestBody (18 today)
//   - REST path parameters: PARAM_RUNS per operation with path parameters
//   - REST query strings: QUERY_RUNS per GET operation with query parameters (the SSE stream apart:
//     2 × QUERY_RUNS random `resume` positions, a stream that starts is closed at once)
//   - WebSocket: FRAME_RUNS per client frame type (9 today), plus FRAME_RUNS of arbitrary JSON and
//     FRAME_RUNS binary frames, over a pool of 6 sockets paced below the per-connection token bucket
// Properties: never a 5xx, every 4xx is the product error, a refused request or frame changed no
// stored row (snapshot before, compared after; a success re-takes the snapshot), sockets never
// close with 1011 (1008 after repeated invalid frames is documented: a fresh socket is opened),
// and the server still answers /health after each batch.

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
/** FUZZ_SCALE multiplies every count, to hunt longer by hand (default 1). */
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const BODY_RUNS = 30 * SCALE;
const PARAM_RUNS = 15 * SCALE;
const QUERY_RUNS = 15 * SCALE;
const FRAME_RUNS = 30 * SCALE;
/** What came back, per operation or frame type: printed with FUZZ_STATS=1, to see that the inputs reach past validation. */
const stats = new Map<string, Map<string, number>>();
const count = (what: string, answer: string) => {
  const m = stats.get(what) ?? new Map<string, number>();
  m.set(answer, (m.get(answer) ?? 0) + 1);
  stats.set(what, m);
};

type Schema = Record<string, any>;

// --- values from a schema, and their mutations ---------------------------------------------------

/** Ids of the world a field name points at, so that a valid-looking value reaches the action. */
function hint(name: string, w: World): unknown {
  const ids: Record<string, unknown> = {
    channelId: w.publicChannel,
    messageId: w.publicMessage,
    threadRootId: w.publicMessage,
    userId: w.friend.id,
    userIds: [w.friend.id],
    attachmentIds: [w.publicFile],
    code: w.inviteCode,
  };
  return ids[name];
}

/** Ids that exist but that the owner may not use this way (another tenant's, a DM, a file, itself), or none at all. */
const otherIds = (w: World) =>
  fc.oneof(
    fc.constantFrom(w.workspaceB, w.privateChannel, w.dm, w.blockedDm, w.privateMessage, w.dmFile, w.owner.id, w.outsider.id, w.blocked.id, w.inviteId),
    fc.uuid(),
  );

/**
 * A value that the schema accepts, or nearly (patterns are not followed). `hostile`: still of the
 * schema's types and lengths, but with junk text and other ids, to get past the schema to the actions.
 */
function validOf(schema: Schema, w: World, name = '', hostile = false): fc.Arbitrary<unknown> {
  const hinted = hint(name, w);
  if (name === 'clientMessageId') return fc.stringMatching(/^[A-Za-z0-9_:.-]{1,64}$/);
  if (hinted !== undefined && hostile) return fc.oneof(fc.constant(hinted), Array.isArray(hinted) ? fc.array(otherIds(w), { minLength: 1, maxLength: 3 }) : otherIds(w));
  if (hinted !== undefined) return fc.constant(hinted);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if (hostile && schema.type === 'string') {
    const max = Math.min(schema.maxLength ?? 64, 20_000);
    return fc.oneof(junk, fc.string({ unit: 'grapheme', maxLength: 30 }), fc.constant('x'.repeat(max)), fc.constant('é'.repeat(max)), fc.constant(' \t\n')).map((v) => [...v].slice(0, max).join('').padEnd(schema.minLength ?? 0, '\u200b'));
  }
  if (hostile && schema.type === 'integer') return fc.integer({ min: schema.minimum ?? -(2 ** 31), max: schema.maximum ?? 2 ** 53 - 1 });
  if (Array.isArray(schema.anyOf)) return fc.oneof(...(schema.anyOf as Schema[]).map((s) => validOf(s, w, name, hostile)));
  switch (schema.type) {
    case 'string':
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 24, 24) }).map((s) => s.padEnd(schema.minLength ?? 0, 'x'));
    case 'integer':
      return fc.integer({ min: schema.minimum ?? 0, max: Math.min(schema.maximum ?? 1000, 1000) });
    case 'number':
      return fc.double({ min: schema.minimum ?? 0, max: schema.maximum ?? 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(validOf(schema.items ?? {}, w, '', hostile), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 3, 3) });
    case 'object': {
      const props = Object.entries((schema.properties ?? {}) as Record<string, Schema>);
      const record = Object.fromEntries(props.map(([k, s]) => [k, validOf(s, w, k, hostile)]));
      const required = (schema.required ?? []) as string[];
      if (schema.patternProperties || schema.additionalProperties === true || typeof schema.additionalProperties === 'object') {
        return fc.dictionary(fc.string({ maxLength: 8 }), fc.nat(), { maxKeys: 3 });
      }
      return fc.record(record, { requiredKeys: required });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

const junk = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', '\u202e evil', '\ud800', '\uffff', '𝕳𝖊𝖑𝖑𝖔', 'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇', '\u200b', ' ', '', '../../etc/passwd', "'; drop table users; --", '%00', '{{7*7}}'),
);
const wrongValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(1e308, -1e308, Infinity, 2 ** 53 + 1, -(2 ** 53) - 1, -1, -0.5, 0.5, 1.5, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER),
  fc.integer({ min: -(2 ** 31), max: -1 }),
  junk,
  fc.nat({ max: 40_000 }).map((n) => 'x'.repeat(n)),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 12 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  fc.constantFrom('__proto__', 'constructor', 'toString'),
);

type Mutation = { kind: 'wrong'; key: number; value: unknown } | { kind: 'drop'; key: number } | { kind: 'extra'; name: string; value: unknown } | { kind: 'none' };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('wrong' as const), key: fc.nat(), value: wrongValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), key: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('extra' as const), name: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('__proto__', 'id', 'role', 'constructor')), value: wrongValue }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
);

/** Applies up to three mutations to a schema-built object (keys picked among the schema's). */
function mutate(value: unknown, schema: Schema, ms: Mutation[]): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return ms.length > 0 && ms[0]!.kind === 'wrong' ? ms[0]!.value : value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const keys = Object.keys((schema.properties ?? {}) as object);
  const required = (schema.required ?? []) as string[];
  for (const m of ms) {
    if (m.kind === 'wrong' && keys.length > 0) out[keys[m.key % keys.length]!] = m.value;
    if (m.kind === 'drop' && required.length > 0) delete out[required[m.key % required.length]!];
    if (m.kind === 'extra') Object.defineProperty(out, m.name, { value: m.value, enumerable: true, configurable: true, writable: true });
  }
  return out;
}

/** What is sent: raw text or a JSON value (arbitrary, or from the schema and mutated). */
type Input = { raw: string } | { json: unknown };
function inputsOf(schema: Schema, w: World): fc.Arbitrary<Input> {
  const mutated = fc.tuple(validOf(schema, w), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([v, ms]) => ({ json: mutate(v, schema, ms) }));
  const hostile = validOf(schema, w, '', true).map((json) => ({ json }));
  return fc.oneof(
    { weight: 5, arbitrary: mutated },
    { weight: 3, arbitrary: hostile },
    { weight: 3, arbitrary: fc.jsonValue().map((json) => ({ json })) },
    { weight: 1, arbitrary: fc.oneof(junk, fc.constantFrom('{', '{"a":', '[1,2', 'nul', '{"__proto__":{"x":1}}', '1e99999')).map((raw) => ({ raw })) },
  );
}

// --- checks ----------------------------------------------------------------------------------------

/**
 * The full-text index (its keys and FTS tables) is brought up to date in the background after a
 * message changes, whenever that is: it is derived from `messages`, which is compared.
 */
const DERIVED = /^message_(fts|search)/;
const differs = (a: Record<string, unknown[]>, b: Record<string, unknown[]>) =>
  Object.keys({ ...a, ...b }).filter((t) => !DERIVED.test(t) && JSON.stringify(a[t]) !== JSON.stringify(b[t]));

/** Holds the stored rows between requests: a refusal must leave them as they were; a success moves the baseline. */
class Baseline {
  private rows: Record<string, unknown[]>;
  constructor(private readonly state: StateSnapshot) {
    this.rows = state.take();
  }
  after(refused: boolean, label: string): void {
    const now = this.state.take();
    if (refused) {
      const changed = differs(this.rows, now);
      const rows = changed.map((t) => `${t}: ${show(now[t]!.filter((r) => !this.rows[t]!.includes(r)))}`);
      assert.deepEqual(changed, [], `${label}: a refused request changed stored rows: ${rows.join('; ')}`);
    }
    this.rows = now;
  }

  /** After a step that changes rows by design (a socket's ticket), before the next request. */
  reset(): void {
    this.rows = this.state.take();
  }
}

function checkAnswer(res: TestResponse, label: string): void {
  assert.ok(res.status < 500, `${label}: ${res.status} ${res.text.slice(0, 300)}`);
  if (res.status >= 400) assertProductError(res, label);
}

async function assertAlive(server: TestServer): Promise<void> {
  const res = await fetch(`${server.url}/health`);
  assert.equal(res.status, 200, 'the server no longer answers /health');
}

const show = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 200 ? `${s.slice(0, 200)}…(${s.length})` : s;
};

// --- the suite ---------------------------------------------------------------------------------------

/** Operations that end or change the caller's own session run as a scratch user, replaced after a success. */
const SESSION_ENDING = new Set(['logout', 'changePassword', 'refreshSession']);
/** A stream: a valid request never ends. */
const NOT_FETCHED = new Set(['openEventStream']);

describe('property fuzz over the API document and the socket protocol (sqlite)', () => {
  let server: TestServer;
  let world: World;
  let operations: Operation[];
  let state: StateSnapshot;

  before(async () => {
    console.warn(`propertyFuzz: fast-check seed ${SEED} (set FUZZ_SEED to replay)`);
    server = await startTestServer();
    world = await buildWorld(server);
    operations = await readOperations(server);
    state = new StateSnapshot(server);
  });
  after(async () => {
    if (process.env.FUZZ_STATS) for (const [what, m] of stats) console.warn(what, Object.fromEntries(m));
    state.close();
    await server.close();
  });

  const target = (w: World) => ({ workspaceId: w.workspaceA, channelId: w.publicChannel, messageId: w.publicMessage, fileId: w.publicFile, userId: w.friend.id, inviteId: w.inviteId, id: w.ownerSessionId, botId: w.botId, tokenId: w.botTokenId, hookId: w.hookId, deliveryId: 'msg_no_such_delivery', secret: w.hookSecret, emoji: '👍' });

  it('answers every mutated JSON body with a 2xx or a product 4xx, and a refusal changes nothing', async () => {
    const withBody = operations.filter((o) => o.op.requestBody?.content['application/json']);
    assert.ok(withBody.length >= 15, `only ${withBody.length} operations with a JSON body`);
    let scratch: Actor | undefined;
    let baseline: Baseline;
    const scratchActor = async () => {
      if (scratch) return scratch;
      const client = new TestClient(server.url);
      scratch = { client, id: (await registerNewUser(client)).user.id };
      baseline.reset();
      return scratch;
    };
    for (const o of withBody) {
      const schema = o.op.requestBody!.content['application/json']!.schema;
      baseline = new Baseline(state);
      await fc.assert(
        fc.asyncProperty(inputsOf(schema, world), async (input) => {
          const caller = SESSION_ENDING.has(o.operationId) ? await scratchActor() : world.owner;
          const label = `${o.method} ${o.path} (${o.operationId}) with ${show('raw' in input ? input.raw : input.json)}`;
          const body = 'raw' in input ? { raw: input.raw, headers: { 'content-type': 'application/json' } } : { raw: JSON.stringify(input.json), headers: { 'content-type': 'application/json' } };
          const res = await caller.client.request(o.method, fill(o, target(world)), body);
          checkAnswer(res, label);
          count(o.operationId, res.status >= 400 ? `${res.status} ${res.body.error.code}` : String(res.status));
          baseline.after(res.status >= 400, `${label} → ${res.status}`);
          if (res.status < 300 && SESSION_ENDING.has(o.operationId)) scratch = undefined;
        }),
        { numRuns: BODY_RUNS, seed: SEED, endOnFailure: true },
      );
      await assertAlive(server);
    }
  });

  it('answers random path parameters and query strings with a product error, never a 5xx, and a refusal changes nothing', async () => {
    // Every method: one parameter is random at a time and the others are the world's, so a random
    // id reaches nothing real; the emoji of a reaction is free text and may succeed (then the baseline moves).
    const withParams = operations.filter((o) => pathParams(o).length > 0 && !NOT_FETCHED.has(o.operationId));
    const withQuery = operations.filter((o) => o.method === 'GET' && !NOT_FETCHED.has(o.operationId) && (o.op.parameters ?? []).some((p) => p.in === 'query'));
    const baseline = new Baseline(state);
    const pathValue = fc.oneof(
      junk,
      fc.string({ maxLength: 300 }),
      fc.constantFrom('0', '-1', '1e999', 'null', '%', '..', '.', ' ', 'a'.repeat(5000)),
      fc.constantFrom('%', '%ff', '%c3%28', '%2F', '%2e%2e', '%%', '%u0041', '%ed%a0%80', '%F0%9F%91').map((raw) => ({ raw })),
    );
    for (const o of withParams) {
      const param = fc.constantFrom(...pathParams(o));
      await fc.assert(
        fc.asyncProperty(param, pathValue, async (name, value) => {
          const label = `${o.method} ${o.path} (${o.operationId}) with {${name}}=${show(value)}`;
          // A raw value goes in as is (bad percent-encoding); the others are encoded, lone surrogates made well-formed first.
          const path = typeof value === 'string' ? fill(o, { ...target(world), [name]: Buffer.from(value).toString() }) : fill(o, { ...target(world), [name]: '\u0000' }).replace('%00', value.raw);
          const res = await world.owner.client.request(o.method, path);
          checkAnswer(res, label);
          count(`${o.operationId} {${name}}`, String(res.status));
          baseline.after(res.status >= 400, label);
        }),
        { numRuns: PARAM_RUNS, seed: SEED, endOnFailure: true },
      );
    }
    for (const o of withQuery) {
      const names = (o.op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      const value = fc.oneof(junk, fc.integer().map(String), fc.constantFrom(...OUT_OF_RANGE, '-1', '1e308', 'true', '', '[]', '{}', 'NaN'));
      const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 6 })), value), { maxLength: 5 });
      await fc.assert(
        fc.asyncProperty(query, async (pairs) => {
          const qs = new URLSearchParams(pairs).toString();
          const label = `GET ${o.path} (${o.operationId})?${qs.slice(0, 200)}`;
          const res = await world.owner.client.get(`${fill(o, target(world))}?${qs}`);
          checkAnswer(res, label);
          baseline.after(res.status >= 400, label);
        }),
        { numRuns: QUERY_RUNS, seed: SEED, endOnFailure: true },
      );
    }
    await assertAlive(server);
  });

  it('answers random `resume` positions of the SSE stream with the stream or a product error, never a 5xx', async () => {
    const channels = fc.dictionary(fc.oneof(fc.constantFrom(world.publicChannel, world.privateChannel, world.dm), fc.string({ maxLength: 70 })), fc.oneof(fc.nat(), wrongValue), { maxKeys: 4 });
    const resume = fc.oneof(
      channels.map((c) => JSON.stringify(c)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      junk,
      fc.constantFrom('{"__proto__":{"a":1}}', '{"constructor":1}', '{', 'x'.repeat(9000), `{"${world.publicChannel}":1e999}`),
    );
    const baseline = new Baseline(state);
    await fc.assert(
      fc.asyncProperty(resume, async (value) => {
        const label = `GET /api/v1/realtime/stream?resume=${show(value)}`;
        const res = await openStream(world.owner.client, `/api/v1/realtime/stream?resume=${encodeURIComponent(Buffer.from(value).toString())}`);
        count('openEventStream ?resume', String(res.status));
        if (res.status === 200) return void baseline.after(false, label);
        checkAnswer(res, label);
        baseline.after(true, label);
      }),
      { numRuns: QUERY_RUNS * 2, seed: SEED, endOnFailure: true },
    );
    await assertAlive(server);
  });

  it('answers every mutated client frame with an error of a stable code (or ack), never 1011, and a refusal changes nothing', async () => {
    const variants = (ClientFrame as unknown as { anyOf: Schema[] }).anyOf;
    assert.ok(variants.length >= 9, 'the client frame union');
    const baseline = new Baseline(state);
    const pool = new SocketPool(world.owner, 6, () => baseline.reset());
    // `delete` last: once it succeeds, the message the others aim at is gone.
    const ordered = [...variants].sort((a, b) => Number(a.properties.type.const === 'delete') - Number(b.properties.type.const === 'delete'));
    type Frame = Input | { binary: Uint8Array };
    const kinds: { name: string; arb: fc.Arbitrary<Frame> }[] = [
      ...ordered.map((s) => ({ name: String(s.properties.type.const), arb: inputsOf(s, world) })),
      { name: 'arbitrary JSON', arb: fc.jsonValue().map((json): Frame => ({ json })) },
      // A binary frame, even of a valid JSON text, is not a frame of the protocol.
      { name: 'binary', arb: fc.oneof(fc.uint8Array({ maxLength: 256 }), fc.constant(new TextEncoder().encode('{"type":"ping","ref":"b"}'))).map((binary): Frame => ({ binary })) },
    ];
    try {
      for (const { name, arb } of kinds) {
        await fc.assert(
          fc.asyncProperty(arb, async (input) => {
            const text = 'raw' in input ? input.raw : 'binary' in input ? Buffer.from(input.binary) : JSON.stringify(input.json);
            const label = `${name} frame ${show(text)}`;
            const answers = await pool.exchange(text, label);
            for (const a of answers) {
              if (a.type === 'error') assert.ok(/^[A-Z_]+$/.test(a.code) && a.code !== 'INTERNAL' && a.message.length > 0, `${label}: error ${show(a)}`);
            }
            const refused = answers.some((a) => a.type === 'error') && !answers.some((a) => a.type === 'ack');
            count(`frame ${name}`, answers.map((a) => (a.type === 'error' ? a.code : a.type)).join(',') || 'no answer');
            baseline.after(refused, label);
          }),
          { numRuns: FRAME_RUNS, seed: SEED, endOnFailure: true },
        );
        await assertAlive(server);
      }
      pool.assertNoMalformed();
    } finally {
      await pool.close();
    }
  });
});

/** Numbers a client can spell that no 64-bit column holds; PostgreSQL once answered them with a 500 (seq query parameters, `markRead`). */
const OUT_OF_RANGE = ['1e999', 'Infinity', '99999999999999999999', '9007199254740992', '1e20'];

describe('property fuzz of query strings and numbers on PostgreSQL', () => {
  let server: TestServer;
  let world: World;
  let operations: Operation[];

  before(async () => {
    server = await startTestServer({ database: 'postgres' });
    world = await buildWorld(server);
    operations = await readOperations(server);
  });
  after(async () => {
    await server.close();
  });

  it('answers out-of-range numbers and random query strings with a product 4xx, never a 5xx', async () => {
    const o = world.owner.client;
    const ids = { workspaceId: world.workspaceA, channelId: world.publicChannel, messageId: world.publicMessage };
    const withQuery = operations.filter((op) => op.method === 'GET' && !NOT_FETCHED.has(op.operationId) && (op.op.parameters ?? []).some((p) => p.in === 'query'));
    // Every numeric query parameter × every out-of-range spelling, then random query strings.
    for (const op of withQuery) {
      const numeric = (op.op.parameters ?? []).filter((p) => p.in === 'query' && (p.schema.type === 'integer' || p.schema.type === 'number'));
      for (const p of numeric) {
        for (const v of OUT_OF_RANGE) {
          const extra = op.operationId === 'searchMessages' ? 'q=hello&' : '';
          const res = await o.get(`${fill(op, ids)}?${extra}${p.name}=${v}`);
          checkAnswer(res, `postgres GET ${op.path}?${p.name}=${v}`);
        }
      }
    }
    for (const v of OUT_OF_RANGE) {
      const res = await o.request('POST', `/api/v1/channels/${world.publicChannel}/read`, { raw: `{"seq":${v === 'Infinity' ? '1e999' : v}}`, headers: { 'content-type': 'application/json' } });
      checkAnswer(res, `postgres markRead seq ${v}`);
    }
    const value = fc.oneof(junk, fc.integer().map(String), fc.constantFrom(...OUT_OF_RANGE, '-1', ''));
    for (const op of withQuery) {
      const names = (op.op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...names), value), { minLength: 1, maxLength: 4 }), async (pairs) => {
          const qs = new URLSearchParams(pairs).toString();
          checkAnswer(await o.get(`${fill(op, ids)}?${qs}`), `postgres GET ${op.path}?${qs.slice(0, 200)}`);
        }),
        { numRuns: QUERY_RUNS, seed: SEED, endOnFailure: true },
      );
    }
    await assertAlive(server);
  });
});

/** Opens the SSE stream: a 200 is the stream starting (then closed at once); anything else is read whole. */
async function openStream(client: TestClient, path: string): Promise<TestResponse> {
  const cookie = [...client.jar.entries()].map(([n, c]) => `${n}=${c.value}`).join('; ');
  const abort = new AbortController();
  const res = await fetch(client.baseUrl + path, { headers: { cookie, origin: client.origin }, signal: abort.signal });
  if (res.status === 200) {
    abort.abort();
    return { status: 200, headers: res.headers, body: undefined, text: '' };
  }
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: res.headers.get('content-type')?.includes('json') && text ? JSON.parse(text) : text, text };
}

/**
 * Sockets of one user, used in turn, each paced below the per-connection token bucket (so that
 * RATE_LIMITED stays rare and no socket is closed as flooding). A socket closed after repeated
 * invalid frames must have been closed with 1008; a fresh one takes its place.
 */
class SocketPool {
  private sockets: (TestSocket | undefined)[];
  private readonly sent: number[][];
  private next = 0;
  private refs = 0;
  private readonly all: TestSocket[] = [];

  constructor(
    private readonly owner: Actor,
    size: number,
    /** Opening a socket stores (and consumes) a ticket: the caller re-takes its snapshot. */
    private readonly onOpen: () => void,
  ) {
    this.sockets = Array.from({ length: size }, () => undefined);
    this.sent = Array.from({ length: size }, () => []);
  }

  private async socket(i: number): Promise<TestSocket> {
    const s = this.sockets[i];
    if (s?.isOpen) return s;
    if (s) {
      const { code } = await s.waitForClose();
      assert.equal(code, 1008, `a socket closed with ${code}, not 1008 (frames: ${JSON.stringify(s.frames.slice(-5))})`);
      count('sockets', 'closed with 1008, replaced');
    }
    const fresh = await TestSocket.live(this.owner.client);
    this.all.push(fresh);
    this.sockets[i] = fresh;
    this.onOpen();
    return fresh;
  }

  /** Waits until the socket has sent fewer than 70 % of the bucket's rate in the last second. */
  private async pace(i: number): Promise<void> {
    const budget = Math.floor(RealtimeLimits.opsPerSecond * 0.7);
    for (;;) {
      const now = performance.now();
      this.sent[i] = this.sent[i]!.filter((t) => now - t < 1000);
      if (this.sent[i]!.length < budget) return;
      await sleep(1000 - (now - this.sent[i]![0]!) + 5);
    }
  }

  /** Sends `text`, then a ping: the ack and error frames in between are the answer to `text`. */
  async exchange(text: string | Buffer, label: string): Promise<(ServerFrame & { type: 'ack' | 'error' })[]> {
    const i = this.next++ % this.sockets.length;
    await this.pace(i);
    const s = await this.socket(i);
    const from = s.frames.length;
    const ref = `fuzz-${++this.refs}`;
    this.sent[i]!.push(performance.now(), performance.now());
    s.sendRaw(text, { binary: typeof text !== 'string' });
    s.sendRaw(JSON.stringify({ type: 'ping', ref }));
    let end: number;
    try {
      await s.waitFor((f) => (f.type === 'pong' || f.type === 'error') && f.ref === ref, { from, timeoutMs: 5000 });
      end = s.frames.findIndex((f, k) => k >= from && (f.type === 'pong' || f.type === 'error') && f.ref === ref);
    } catch (err) {
      // Closed on an invalid frame: documented (1008) and checked when the socket is next needed.
      if (!s.closeInfo) throw new Error(`${label}: no answer: ${(err as Error).message}`);
      assert.notEqual(s.closeInfo.code, 1011, `${label}: closed with 1011`);
      assert.equal(s.closeInfo.code, 1008, `${label}: closed with ${s.closeInfo.code}`);
      end = s.frames.length;
    }
    return s.frames.slice(from, end).filter((f): f is ServerFrame & { type: 'ack' | 'error' } => f.type === 'ack' || f.type === 'error');
  }

  assertNoMalformed(): void {
    for (const s of this.all) assert.deepEqual(s.malformed, [], 'frames outside the protocol');
  }

  async close(): Promise<void> {
    for (const s of this.all) {
      if (s.closeInfo) assert.ok(s.closeInfo.code !== 1011, 'closed with 1011');
      await s.close();
    }
  }
}
