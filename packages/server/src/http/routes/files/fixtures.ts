import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FileInfo } from '@relaydesk/protocol';
import { startTestServer, type TestServer } from '../../../testing/testServer.js';
import type { TestResponse } from '../../../testing/httpClient.js';
import { setUpTeam, type Person, type Team } from '../messages/fixtures.js';

export interface UploadOptions {
  /** The part's declared Content-Type (a hint the server must not trust). */
  type?: string;
  /** Sent as ?durationMs= */
  durationMs?: number | string;
  /** Sent as a form field before the file part. */
  durationField?: string;
  /** The part's name (the server wants `file`). */
  field?: string;
}

/** Uploads through the API as a browser would: multipart/form-data built by FormData and fetch. */
export function upload(person: Person, channelId: string, name: string, bytes: Buffer, options: UploadOptions = {}): Promise<TestResponse<FileInfo>> {
  const form = new FormData();
  if (options.durationField !== undefined) form.append('durationMs', options.durationField);
  form.append(options.field ?? 'file', new Blob([bytes], { type: options.type ?? 'application/octet-stream' }), name);
  const query = options.durationMs === undefined ? '' : `?durationMs=${encodeURIComponent(String(options.durationMs))}`;
  return person.client.request<FileInfo>('POST', `/api/v1/channels/${channelId}/files${query}`, { form });
}

/** Uploads and expects 201 Created. */
export async function uploaded(person: Person, channelId: string, name: string, bytes: Buffer, options: UploadOptions = {}): Promise<FileInfo> {
  const res = await upload(person, channelId, name, bytes, options);
  assert.equal(res.status, 201, `${name}: ${res.text}`);
  return res.body;
}

/**
 * A multipart body written byte by byte, for file names FormData would rewrite (it escapes
 * quotes and line breaks): the name goes into the part header exactly as given (UTF-8).
 */
export function rawMultipart(filename: string, bytes: Buffer, contentType = 'application/octet-stream'): { body: Buffer; contentType: string } {
  const boundary = `----relaydesk${Math.random().toString(16).slice(2)}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename.replace(/"/g, '\\"')}"\r\nContent-Type: ${contentType}\r\n\r\n`;
  return { body: Buffer.concat([Buffer.from(head, 'utf8'), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]), contentType: `multipart/form-data; boundary=${boundary}` };
}

export function uploadRaw(person: Person, channelId: string, filename: string, bytes: Buffer): Promise<TestResponse<FileInfo>> {
  const { body, contentType } = rawMultipart(filename, bytes);
  return person.client.request<FileInfo>('POST', `/api/v1/channels/${channelId}/files`, { raw: body, headers: { 'content-type': contentType } });
}

export function download(person: Person, fileId: string, variant: 'content' | 'thumbnail' | 'preview' = 'content', headers: Record<string, string> = {}) {
  return person.client.download(`/api/v1/files/${fileId}/${variant}`, { headers });
}

/** Every regular file under `root`, as paths relative to it ([] when it does not exist). */
export function filesUnder(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((p) => fs.statSync(path.join(root, p)).isFile()).sort();
}

export const uploadsDir = (server: TestServer) => path.join(server.dataDir, 'uploads');
export const tmpDir = (server: TestServer) => path.join(server.dataDir, 'tmp');

/** The on-disk paths of a file's blobs (original, thumbnail, preview), from its stored record. */
export async function blobPathsOf(server: TestServer, fileId: string): Promise<string[]> {
  const record = await server.storage.files.findById(fileId);
  assert.ok(record, `file ${fileId} is stored`);
  return [record.blobKey, record.thumbnailKey, record.previewKey].filter((k): k is string => k !== null).map((k) => path.join(uploadsDir(server), k.slice(0, 2), k));
}

/** Nothing is left half-written: the temporary directory holds no upload. */
export function assertNoTemporaryFiles(server: TestServer): void {
  assert.deepEqual(filesUnder(tmpDir(server)), [], 'no partial upload is left in DATA_DIR/tmp');
}

/** A server and a team whose one member, alice, does the uploading: the setting of most file suites. */
export async function startUploaderTeam(options: Parameters<typeof startTestServer>[0]): Promise<{ server: TestServer; team: Team; alice: Person }> {
  const server = await startTestServer(options);
  const team = await setUpTeam(server, 1);
  return { server, team, alice: team.members[0]! };
}
