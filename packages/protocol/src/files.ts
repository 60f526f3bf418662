import Type from 'typebox';
import { Id, Timestamp } from './scalars.js';

export const FileLimits = {
  /** Default upload limit (config UPLOAD_MAX_BYTES). */
  uploadMaxBytes: 50 * 1024 * 1024,
  /** Stored names are cut to this many code points, between graphemes, an extension of up to 16 kept (docs/text.md). */
  nameMax: 180,
  /** Images with more pixels than this are refused as decompression bombs. */
  maxPixels: 50_000_000,
  /** Thumbnail and preview bounding boxes (px). */
  thumbnailSize: 320,
  previewSize: 1280,
  /** Attachments per message. */
  perMessageMax: 10,
  /** An upload not attached to a message within this long is deleted. */
  unattachedTtlMs: 60 * 60 * 1000,
} as const;

export const FileKind = Type.Union([Type.Literal('image'), Type.Literal('audio'), Type.Literal('video'), Type.Literal('file')]);
export type FileKind = Type.Static<typeof FileKind>;

export const FileInfo = Type.Object({
  id: Type.String(),
  channelId: Type.String(),
  uploaderId: Type.String(),
  /** Null until a message carries it. */
  messageId: Type.Union([Type.String(), Type.Null()]),
  /** The sanitized original name, for display and for the download's Content-Disposition. */
  name: Type.String(),
  /** Detected from the content, never taken from the client. */
  mime: Type.String(),
  size: Type.Integer(),
  kind: FileKind,
  width: Type.Union([Type.Integer(), Type.Null()]),
  height: Type.Union([Type.Integer(), Type.Null()]),
  durationMs: Type.Union([Type.Integer(), Type.Null()]),
  /** Relative URLs; the thumbnail and preview exist for images only. */
  url: Type.String(),
  thumbnailUrl: Type.Union([Type.String(), Type.Null()]),
  previewUrl: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
});
export type FileInfo = Type.Static<typeof FileInfo>;

export const FileParams = Type.Object({ fileId: Id });
