import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MessageLimits } from '@relaydesk/protocol';
import { startTestServer, type TestServer } from '../testing/testServer.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const run = promisify(execFile);

type Operation = { operationId?: string; summary?: string; description?: string; tags?: string[]; responses: Record<string, any>; requestBody?: any };
type Document = { tags: { name: string; description?: string }[]; paths: Record<string, Record<string, Operation>>; info: any; servers: unknown[] };

const operationsOf = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([url, ops]) => Object.entries(ops).map(([method, op]) => ({ key: `${method.toUpperCase()} ${url}`, op })));

describe('the API document (/api/openapi.json)', () => {
  let server: TestServer;
  let doc: Document;
  let file: string;

  before(async () => {
    server = await startTestServer();
    const res = await fetch(`${server.url}/api/openapi.json`);
    assert.equal(res.status, 200);
    doc = (await res.json()) as Document;
    file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-openapi-')), 'openapi.json');
    fs.writeFileSync(file, JSON.stringify(doc));
  });
  after(async () => {
    await server.close();
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('passes Spectral (spectral:oas, the committed .spectral.yaml) with no error, warning, info or hint', async () => {
    const spectral = path.join(root, 'node_modules/.bin/spectral');
    const report = path.join(path.dirname(file), 'spectral.json');
    // --fail-severity=hint: any finding at all makes the exit code non-zero; the report says which.
    const args = ['lint', '-r', path.join(root, '.spectral.yaml'), '-f', 'json', '-o', report, '--fail-severity=hint', file];
    const code = await run(spectral, args, { cwd: root }).then(
      () => 0,
      (err: { code: number; stderr: string }) => (fs.existsSync(report) ? err.code : assert.fail(`spectral did not run: ${err.stderr}`)),
    );
    const findings = JSON.parse(fs.readFileSync(report, 'utf8')) as { code: string; message: string; path: string[] }[];
    assert.deepEqual(
      findings.map((f) => `${f.code} at ${f.path.join('.')}: ${f.message}`),
      [],
    );
    assert.equal(code, 0);
  });

  it('gives every operation an id, a summary, a description and a tag defined (and described) at the top level', () => {
    const defined = new Map(doc.tags.map((t) => [t.name, t.description]));
    const ids = new Set<string>();
    const ops = operationsOf(doc);
    assert.ok(ops.length >= 60, `only ${ops.length} operations`);
    for (const { key, op } of ops) {
      assert.ok(op.operationId && !ids.has(op.operationId), `${key}: operationId`);
      ids.add(op.operationId);
      assert.ok(op.summary && op.description, `${key}: summary and description`);
      assert.ok(op.tags?.length && op.tags.every((t) => defined.get(t)), `${key}: defined, described tags`);
    }
    assert.ok(doc.info.description && doc.info.contact && doc.info.license, 'info has description, contact and license');
    assert.ok(doc.servers.length > 0);
  });

  it('documents the real success status: 204 for the no-content routes, 201 for creations, 206 for ranges', () => {
    const status = (key: string) => {
      const [method, url] = key.split(' ');
      const op = doc.paths[url!]?.[method!.toLowerCase()];
      assert.ok(op, `${key} is documented`);
      return Object.keys(op.responses).filter((s) => s.startsWith('2') || s.startsWith('3'));
    };
    for (const key of [
      'POST /api/v1/auth/logout',
      'DELETE /api/v1/auth/sessions/{id}',
      'POST /api/v1/auth/password',
      'PATCH /api/v1/workspaces/{workspaceId}/members/{userId}',
      'DELETE /api/v1/workspaces/{workspaceId}/members/{userId}',
      'DELETE /api/v1/workspaces/{workspaceId}/invites/{inviteId}',
      'POST /api/v1/channels/{channelId}/leave',
      'POST /api/v1/channels/{channelId}/members',
      'DELETE /api/v1/channels/{channelId}/members/{userId}',
      'POST /api/v1/channels/{channelId}/typing',
      'DELETE /api/v1/messages/{messageId}',
      'PUT /api/v1/messages/{messageId}/reactions/{emoji}',
      'DELETE /api/v1/messages/{messageId}/reactions/{emoji}',
      'PUT /api/v1/messages/{messageId}/pin',
      'DELETE /api/v1/messages/{messageId}/pin',
      'PUT /api/v1/me/blocks/{userId}',
      'DELETE /api/v1/me/blocks/{userId}',
    ]) {
      assert.deepEqual(status(key), ['204'], key);
    }
    assert.deepEqual(status('POST /api/v1/workspaces'), ['201']);
    assert.deepEqual(status('POST /api/v1/channels/{channelId}/messages'), ['200', '201']);
    assert.deepEqual(status('GET /api/v1/files/{fileId}/content'), ['200', '206', '304']);
  });

  it('documents the error responses of every operation as the shared ErrorBody', () => {
    for (const { key, op } of operationsOf(doc)) {
      for (const [code, response] of Object.entries(op.responses).filter(([s]) => Number(s) >= 400)) {
        assert.equal(response.content['application/json'].schema.$ref, '#/components/schemas/ErrorBody', `${key} ${code}`);
      }
      if (key.includes('/api/v1/')) assert.ok(op.responses['429'] && op.responses['503'], `${key}: 429 and 503`);
    }
    const me = doc.paths['/api/v1/auth/me']!.get!;
    assert.ok(me.responses['401'], 'an authenticated route documents 401');
    const send = doc.paths['/api/v1/channels/{channelId}/messages']!.post!;
    assert.deepEqual(Object.keys(send.responses), ['200', '201', '400', '401', '403', '404', '409', '413', '415', '429', '503']);
    assert.ok(send.responses['429'].headers['Retry-After']);
  });

  it('states the message body limit that counts (10,000 code points after normalisation), not the raw transport cap', () => {
    const bodyOf = (url: string, method: string) => doc.paths[url]![method]!.requestBody.content['application/json'].schema.properties.body;
    for (const body of [bodyOf('/api/v1/channels/{channelId}/messages', 'post'), bodyOf('/api/v1/messages/{messageId}', 'patch')]) {
      assert.equal(body.maxLength, MessageLimits.bodyMax);
      assert.equal(body.maxLength, 10_000);
      assert.equal(body['x-max-length-normalised'], undefined);
    }
  });

  it('marks bodies the client may omit as optional and documents the multipart upload', () => {
    for (const url of ['/api/v1/auth/refresh', '/api/v1/auth/logout', '/api/v1/channels/{channelId}/read', '/api/v1/workspaces/{workspaceId}/invites']) {
      assert.equal(doc.paths[url]!.post!.requestBody.required, false, url);
    }
    assert.equal(doc.paths['/api/v1/auth/login']!.post!.requestBody.required, true);
    const upload = doc.paths['/api/v1/channels/{channelId}/files']!.post!.requestBody.content['multipart/form-data'].schema;
    assert.deepEqual(upload.required, ['file']);
    assert.equal(upload.properties.file.format, 'binary');
  });
});
