import Type from 'typebox';
import { Id, Timestamp } from './scalars.js';

export const FileLimits = {
  /** Default upload limit (config UPLOAD_MAX_BYTES). */
  uploadMaxBytes: 50 * 1024 * 1024,
  /** Stored names are cut to this many code points, between graphemes, an extension of up to 16 kept (docs/text.md). */
  nameMax: 180,
  /**
   * The work an image may cost, bounded before anything is decoded (from the header): pixels of
   * all frames together. More is refused with 413 IMAGE_TOO_LARGE. JPEG and PNG: 50 megapixels.
   */
  maxPixels: 50_000_000,
  /**
   * GIF and WebP, still or animated: 16 megapixels over all frames (25 frames of 800x800). Their
   * encoders cost several times more per pixel, and WebP's cannot be interrupted once started.
   */
  maxGifWebpPixels: 16_000_000,
  /** Frames of an animation: each costs a fixed overhead, however small. */
  maxFrames: 1000,
  /** Processing time per image (re-encoding, thumbnail and preview together); past it 413 IMAGE_TOO_LARGE. */
  imageProcessingSeconds: 15,
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
