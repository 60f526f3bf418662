import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform, finished, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AppContext } from '../context.js';
import type { FileRecord } from '../storage/port.js';
import { AppError } from '../errors.js';
import { accessChannel, assertCanPost } from '../policies/channelAccess.js';
import { sanitizeFilename } from '../files/filename.js';
import { detectType } from '../files/typePolicy.js';
import { processImage } from '../files/imageProcessor.js';

export interface IncomingFile {
  filename: string | undefined;
  /** The part's declared Content-Type: a hint, never trusted for the type. */
  mimetype: string | undefined;
  stream: Readable;
  /** Voice messages: the length the recorder measured. */
  durationMs?: number;
}

const MAX_DURATION_MS = 24 * 3600 * 1000;

/**
 * Stores an upload for a channel: the caller must be able to post there (checked before a byte
 * is read). The bytes go to a temporary file — never all in memory — with the size limit
 * enforced while streaming; the type is then decided from the content, images are re-encoded,
 * and the blob moves into the store under a server-generated key. The file is unattached until a
 * message carries it.
 */
export async function uploadFile(ctx: AppContext, userId: string, channelId: string, incoming: IncomingFile): Promise<FileRecord> {
  const access = await accessChannel(ctx, userId, channelId);
  await assertCanPost(ctx, access);
  const name = sanitizeFilename(incoming.filename);
  const tmpDir = path.join(ctx.config.dataDir, 'tmp');
  await fsp.mkdir(tmpDir, { recursive: true });
  const tmp = path.join(tmpDir, `${randomUUID()}.upload`);
  try {
    const size = await writeLimited(incoming.stream, tmp, ctx.config.uploadMaxBytes);
    if (size === 0) throw new AppError('VALIDATION_FAILED', 'The file is empty', [{ field: 'file', message: 'is empty' }]);
    const type = await detectType(tmp, name, incoming.mimetype, ctx.config.uploadAllowedTypes);
    const id = randomUUID();
    const record: FileRecord = {
      id,
      channelId,
      uploaderId: userId,
      messageId: null,
      name,
      mime: type.mime,
      size,
      kind: type.kind,
      width: null,
      height: null,
      durationMs: type.kind === 'audio' || type.kind === 'video' ? validDuration(incoming.durationMs) : null,
      blobKey: id,
      thumbnailKey: null,
      previewKey: null,
      createdAt: ctx.clock.now(),
      deletedAt: null,
    };
    if (type.kind === 'image') {
      const image = await processImage(tmp, type.mime, userId);
      await ctx.blobs.putBuffer(id, image.original);
      await ctx.blobs.putBuffer(`${id}-thumb`, image.thumbnail);
      await ctx.blobs.putBuffer(`${id}-preview`, image.preview);
      Object.assign(record, { size: image.original.length, width: image.width, height: image.height, thumbnailKey: `${id}-thumb`, previewKey: `${id}-preview` });
    } else {
      await ctx.blobs.putFile(id, tmp);
    }
    await ctx.storage.files.insert(record);
    return record;
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

/**
 * Streams to disk, failing with FILE_TOO_LARGE the moment the limit is passed (the partial file is
 * removed by the caller). The source is piped, not handed to `pipeline`: a failure must not
 * destroy it, or the multipart parser — waiting for it to drain — would stall with the rest of
 * the request body unread, holding the connection open until a timeout. On failure it is only
 * unpiped; the caller resumes it so the remainder is read and discarded.
 */
async function writeLimited(source: Readable, target: string, max: number): Promise<number> {
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > max) return done(new AppError('FILE_TOO_LARGE', `Files may be at most ${max} bytes`));
      done(null, chunk);
    },
  });
  // The file is created before anything can fail: a write stream destroyed while its open is
  // still pending creates the file afterwards, behind the caller's clean-up.
  const out = fs.createWriteStream(target, { flags: 'wx', mode: 0o600 });
  await once(out, 'open');
  // A source that fails or stops short — even before this call, as a multipart body cut off
  // mid-part is destroyed by the parser before the handler reads it — fails the write instead of
  // leaving it waiting for an end that never comes. (The watcher reports on a later tick, by
  // which time the pipeline below listens for the counter's error.)
  const unwatch = finished(source, (err) => {
    if (err) counter.destroy(new AppError('BAD_REQUEST', 'The upload ended early or is not valid multipart data'));
  });
  source.pipe(counter);
  try {
    await pipeline(counter, out);
  } finally {
    unwatch();
    source.unpipe(counter);
    if (!out.closed) await once(out.destroy(), 'close');
  }
  // The multipart parser truncates at its own limit (max + 1) without an error of its own.
  if ((source as Readable & { truncated?: boolean }).truncated) throw new AppError('FILE_TOO_LARGE', `Files may be at most ${max} bytes`);
  return size;
}

function validDuration(ms: number | undefined): number | null {
  return ms !== undefined && Number.isInteger(ms) && ms >= 0 && ms <= MAX_DURATION_MS ? ms : null;
}

/** Blobs of files whose rows were marked deleted: removed after the commit, best effort. */
export async function removeBlobs(ctx: AppContext, files: FileRecord[]): Promise<void> {
  for (const f of files) {
    for (const key of [f.blobKey, f.thumbnailKey, f.previewKey]) {
      if (key) await ctx.blobs.delete(key).catch((err) => ctx.logger.warn({ err, key }, 'could not delete blob'));
    }
  }
}

/**
 * Uploads never attached to a message are deleted after FileLimits.unattachedTtlMs. The store
 * selects candidates and then marks those still unattached, so a send may attach one in between:
 * only blobs whose row is really gone are removed (a deleted row never comes back).
 */
export async function sweepUnattached(ctx: AppContext, ttlMs: number): Promise<number> {
  const now = ctx.clock.now();
  const candidates = await ctx.storage.files.deleteUnattached(now - ttlMs, now);
  const deleted: FileRecord[] = [];
  for (const f of candidates) if (!(await ctx.storage.files.findById(f.id))) deleted.push(f);
  await removeBlobs(ctx, deleted);
  return deleted.length;
}
