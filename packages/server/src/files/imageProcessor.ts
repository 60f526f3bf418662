import sharp, { type Metadata } from 'sharp';
import { FileLimits } from '@relaydesk/protocol';
import { AppError } from '../errors.js';
import { WorkQueue } from './workQueue.js';

export interface ProcessedImage {
  /** The image re-encoded without metadata: what is served as "the original". */
  original: Buffer;
  thumbnail: Buffer;
  preview: Buffer;
  width: number;
  height: number;
}

/** What the header says an image will cost, checked against FileLimits before any decoding. */
export interface ImagePlan {
  filePath: string;
  mime: string;
  animated: boolean;
  /** Pixels of all frames together: what decoding produces. */
  pixels: number;
}

// libvips would use a thread per core for each image, and sharp runs each pipeline on libuv's
// pool — the pool argon2 (logins) and fs share. Eight hostile uploads took every core and every
// pool thread, and logins waited up to 13.6 s. One libvips thread per image, one image at a
// time (the queue below), leaves the other core and the other pool threads to everything else.
sharp.concurrency(1);

/**
 * Image work is process-wide (sharp's threads, libuv's pool), so its queue is too: one image is
 * processed at a time, eight more may wait up to 10 s (waiting and processing stay within the 30 s
 * request limit), a user may have three in flight; more is refused at once (503 SERVER_BUSY, 429
 * RATE_LIMITED) with Retry-After.
 */
export const imageQueue = new WorkQueue({ concurrency: 1, maxWaiting: 8, maxWaitMs: 10_000, perKey: 3 });

const tooLarge = (message: string) => new AppError('IMAGE_TOO_LARGE', message);
const unreadable = (message: string) => new AppError('FILE_TYPE_NOT_ALLOWED', message);

/**
 * Reads the header only (dimensions, frame count) and refuses an image whose decoding would cost
 * more than FileLimits allow: a decompression bomb, or a small file with many big frames.
 */
export async function inspectImage(filePath: string, mime: string): Promise<ImagePlan> {
  const slowFormat = mime === 'image/gif' || mime === 'image/webp';
  let meta: Metadata;
  try {
    // sharp's own pixel limit is lifted for the header: with it, a bomb past sharp's default
    // (~268 Mpx) failed as unreadable (415) instead of too large (413).
    meta = await sharp(filePath, { animated: slowFormat, limitInputPixels: false }).metadata();
  } catch {
    throw unreadable('The image could not be read');
  }
  const width = meta.width ?? 0;
  const frameHeight = meta.pageHeight ?? meta.height ?? 0;
  const frames = meta.pages ?? 1;
  if (!width || !frameHeight) throw unreadable('The image could not be read');
  const pixels = width * frameHeight * frames;
  const maxPixels = slowFormat ? FileLimits.maxGifWebpPixels : FileLimits.maxPixels;
  if (frames > FileLimits.maxFrames) throw tooLarge(`Animations may have at most ${FileLimits.maxFrames} frames`);
  if (pixels > maxPixels) throw tooLarge(`${slowFormat ? 'GIF and WebP images' : 'Images'} may have at most ${maxPixels.toLocaleString('en')} pixels, all frames together`);
  return { filePath, mime, animated: slowFormat && frames > 1, pixels };
}

/**
 * Images are never served as uploaded: the pixels are decoded and re-encoded, which drops EXIF
 * (GPS positions included) and anything smuggled around the pixels, and applies the EXIF
 * orientation so the result looks as the sender saw it. The three encodings run one after the
 * other, sharing one time budget; libvips stops a pipeline that runs past it.
 */
export async function transcodeImage(plan: ImagePlan, timeoutSeconds: number = FileLimits.imageProcessingSeconds): Promise<ProcessedImage> {
  const { filePath, mime, animated } = plan;
  const deadline = performance.now() + timeoutSeconds * 1000;
  const input = () => {
    const seconds = Math.ceil((deadline - performance.now()) / 1000);
    if (seconds <= 0) throw tooLarge(`The image took more than ${timeoutSeconds} s to process`);
    // The decoder is held to what the header promised: a file that lies about its size fails.
    return sharp(filePath, { animated, limitInputPixels: plan.pixels }).timeout({ seconds }).rotate();
  };
  try {
    const encoded = input();
    // The encoders' default efforts cost 1.5-2.5x the CPU for a few percent of size.
    const format = mime === 'image/png' ? encoded.png() : mime === 'image/gif' ? encoded.gif({ effort: 3 }) : mime === 'image/webp' ? encoded.webp({ quality: 90, effort: 2 }) : encoded.jpeg({ quality: 90 });
    const { data: original, info } = await format.toBuffer({ resolveWithObject: true });
    const box = (size: number) => input().resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true }).webp({ quality: 80, effort: 2 }).toBuffer();
    const thumbnail = await box(FileLimits.thumbnailSize);
    const preview = await box(FileLimits.previewSize);
    if (performance.now() > deadline) throw tooLarge(`The image took more than ${timeoutSeconds} s to process`);
    return { original, thumbnail, preview, width: info.width, height: info.pageHeight ?? info.height };
  } catch (e) {
    if (e instanceof AppError) throw e;
    if (e instanceof Error && e.message.startsWith('timeout')) throw tooLarge(`The image took more than ${timeoutSeconds} s to process`);
    throw unreadable('The image could not be decoded');
  }
}

/** Header check, then the work in the image queue under the uploader's share. */
export async function processImage(filePath: string, mime: string, uploaderId: string): Promise<ProcessedImage> {
  const plan = await inspectImage(filePath, mime);
  return imageQueue.run(uploaderId, () => transcodeImage(plan));
}
