import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.js';
import type { FileRecord } from '../../../storage/port.js';
import { AppError } from '../../../errors.js';

export type Variant = 'content' | 'thumbnail' | 'preview';

/** Types a browser may show in the page: the re-encoded images and media. Everything else downloads. */
const INLINE = /^(image\/(png|jpeg|gif|webp)|audio\/[a-z0-9.+-]+|video\/(mp4|webm))$/;

/** A single `bytes=` range within `size`: [start, end] inclusive; null when absent; 'invalid' when unsatisfiable. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'invalid' {
  if (!header) return null;
  const value = header.trim();
  // Another unit must be ignored (RFC 9110 §14.2); several ranges may be, and are: the whole file is sent.
  if (!/^bytes=/i.test(value) || value.includes(',')) return null;
  const m = /^bytes=(\d*)-(\d*)$/i.exec(value);
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'invalid';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start > end || start >= size ? 'invalid' : { start, end };
}

function disposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  // RFC 5987 attr-chars exclude ' ( ) *, which encodeURIComponent leaves alone.
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * Sends a file's bytes with headers that keep it inert: nosniff (set globally), the detected type,
 * a sandboxing CSP, inline only for media, private caching, and byte ranges for seeking in media.
 */
export async function sendFile(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, file: FileRecord, variant: Variant) {
  const key = variant === 'content' ? file.blobKey : variant === 'thumbnail' ? file.thumbnailKey : file.previewKey;
  if (!key) throw new AppError('NOT_FOUND', `This file has no ${variant}`);
  const mime = variant === 'content' ? file.mime : 'image/webp';
  const size = variant === 'content' ? file.size : await ctx.blobs.size(key);
  reply
    .header('Content-Type', mime.startsWith('text/') ? `${mime}; charset=utf-8` : mime)
    .header('Content-Disposition', disposition(INLINE.test(mime) ? 'inline' : 'attachment', variant === 'content' ? file.name : `${variant}.webp`))
    .header('Content-Security-Policy', "default-src 'none'; sandbox")
    // A file's bytes never change, but it can be deleted: browsers keep it (never shared caches)
    // and revalidate each use, which costs a 304 while it lives and stops it the moment it is gone.
    .header('Cache-Control', 'private, no-cache')
    .header('ETag', `"${file.id}-${variant}"`)
    .header('Vary', 'Cookie, Authorization')
    .header('Accept-Ranges', 'bytes');
  if (request.headers['if-none-match'] === `"${file.id}-${variant}"`) return reply.code(304).send();
  const range = parseRange(request.headers.range, size);
  if (range === 'invalid') {
    reply.header('Content-Range', `bytes */${size}`);
    throw new AppError('RANGE_NOT_SATISFIABLE', `The range is outside the file's ${size} bytes`);
  }
  if (range === null) return reply.header('Content-Length', size).send(ctx.blobs.read(key));
  return reply
    .code(206)
    .header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
    .header('Content-Length', range.end - range.start + 1)
    .send(ctx.blobs.read(key, range));
}
