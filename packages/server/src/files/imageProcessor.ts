import sharp, { type Metadata } from 'sharp';
import { FileLimits } from '@relaydesk/protocol';
import { AppError } from '../errors.js';

export interface ProcessedImage {
  /** The image re-encoded without metadata: what is served as "the original". */
  original: Buffer;
  thumbnail: Buffer;
  preview: Buffer;
  width: number;
  height: number;
}

/**
 * Images are never served as uploaded: the pixels are decoded and re-encoded, which drops EXIF
 * (GPS positions included) and anything smuggled around the pixels, and applies the EXIF
 * orientation so the result looks as the sender saw it. The pixel count is checked from the
 * header first, so a decompression bomb is refused before anything is decoded.
 */
export async function processImage(filePath: string, mime: string): Promise<ProcessedImage> {
  const animated = mime === 'image/gif' || mime === 'image/webp';
  let meta: Metadata;
  try {
    // Only the header is read here, so sharp's own pixel limit is lifted: with it, a bomb past
    // sharp's default (~268 Mpx) failed as unreadable (415) instead of too large (413).
    meta = await sharp(filePath, { animated, limitInputPixels: false }).metadata();
  } catch {
    throw new AppError('FILE_TYPE_NOT_ALLOWED', 'The image could not be read');
  }
  const width = meta.width ?? 0;
  const frameHeight = meta.pageHeight ?? meta.height ?? 0;
  const pixels = width * frameHeight * (meta.pages ?? 1);
  if (!width || !frameHeight) throw new AppError('FILE_TYPE_NOT_ALLOWED', 'The image could not be read');
  if (pixels > FileLimits.maxPixels) throw new AppError('IMAGE_TOO_LARGE', `Images may have at most ${FileLimits.maxPixels.toLocaleString('en')} pixels`);
  const input = () => sharp(filePath, { animated, limitInputPixels: FileLimits.maxPixels }).rotate();
  try {
    const encoded = input();
    const format = mime === 'image/png' ? encoded.png() : mime === 'image/gif' ? encoded.gif() : mime === 'image/webp' ? encoded.webp({ quality: 90 }) : encoded.jpeg({ quality: 90 });
    const { data: original, info } = await format.toBuffer({ resolveWithObject: true });
    const box = (size: number) => input().resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
    const [thumbnail, preview] = await Promise.all([box(FileLimits.thumbnailSize), box(FileLimits.previewSize)]);
    return { original, thumbnail, preview, width: info.width, height: info.pageHeight ?? info.height };
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('FILE_TYPE_NOT_ALLOWED', 'The image could not be decoded');
  }
}
