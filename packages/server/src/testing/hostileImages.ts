import sharp from 'sharp';

/**
 * Hostile images for the upload-cost tests, built in milliseconds where an encoder would take
 * seconds (it quantises or compresses every pixel of what the server must then decode).
 */

/**
 * An animated GIF written byte by byte: `frames` identical frames (a red top row, blue below),
 * LZW-compressed (78 frames of 800x800, 50 Mpx decoded, in ~100 KB). The LZW coder follows omggif's.
 */
export function solidAnimatedGif(frames: number, width: number, height: number): Buffer {
  const out: number[] = [];
  const u16 = (n: number) => out.push(n & 0xff, n >> 8);
  out.push(...Buffer.from('GIF89a', 'latin1'));
  u16(width);
  u16(height);
  out.push(0xf1, 0, 0); // a global colour table of 4 entries
  out.push(0, 0, 0, 255, 255, 255, 200, 40, 40, 30, 90, 200);
  out.push(0x21, 0xff, 11, ...Buffer.from('NETSCAPE2.0', 'latin1'), 3, 1, 0, 0, 0); // loop forever
  const pixels = lzw(2, width * height, (i) => (i < width ? 2 : 3)); // a red top row, blue below
  for (let f = 0; f < frames; f++) {
    out.push(0x21, 0xf9, 4, 0x04, 5, 0, 0, 0); // graphic control: 50 ms, keep the frame
    out.push(0x2c);
    u16(0);
    u16(0);
    u16(width);
    u16(height);
    out.push(0);
    for (const b of pixels) out.push(b);
  }
  out.push(0x3b);
  return Buffer.from(out);
}

/** The image data of one frame: minimum code size, then LZW codes in sub-blocks of at most 255 bytes. */
function lzw(minCodeSize: number, count: number, pixel: (i: number) => number): Uint8Array {
  const buf = new Uint8Array(count + 1024);
  let p = 0;
  buf[p++] = minCodeSize;
  let subblock = p++;
  const clearCode = 1 << minCodeSize;
  const eoiCode = clearCode + 1;
  let nextCode = eoiCode + 1;
  let codeSize = minCodeSize + 1;
  let cur = 0;
  let shift = 0;
  const flush = (bits: number) => {
    while (shift >= bits) {
      buf[p++] = cur & 0xff;
      cur >>= 8;
      shift -= 8;
      if (p === subblock + 256) {
        buf[subblock] = 255;
        subblock = p++;
      }
    }
  };
  const emit = (code: number) => {
    cur |= code << shift;
    shift += codeSize;
    flush(8);
  };
  let table = new Map<number, number>();
  emit(clearCode);
  let prefix = pixel(0);
  for (let i = 1; i < count; i++) {
    const k = pixel(i);
    const key = (prefix << 8) | k;
    const code = table.get(key);
    if (code !== undefined) {
      prefix = code;
      continue;
    }
    emit(prefix);
    if (nextCode === 4096) {
      emit(clearCode);
      nextCode = eoiCode + 1;
      codeSize = minCodeSize + 1;
      table = new Map();
    } else {
      if (nextCode >= 1 << codeSize) codeSize++;
      table.set(key, nextCode++);
    }
    prefix = k;
  }
  emit(prefix);
  emit(eoiCode);
  flush(1);
  if (subblock + 1 === p) buf[subblock] = 0;
  else {
    buf[subblock] = p - subblock - 1;
    buf[p++] = 0;
  }
  return buf.subarray(0, p);
}

/**
 * A lossless WebP (VP8L) whose header claims `width` x `height` around the bitstream of a 16x16
 * picture: what the header check sees, without building (or the server decoding) the pixels.
 */
export async function webpWithClaimedSize(width: number, height: number): Promise<Buffer> {
  const bytes = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 10, g: 120, b: 200 } } }).webp({ lossless: true }).toBuffer();
  if (bytes.subarray(12, 16).toString('latin1') !== 'VP8L' || bytes[20] !== 0x2f) throw new Error('expected a simple VP8L file');
  // After the 0x2f signature: 14 bits width - 1, 14 bits height - 1, then alpha and version bits.
  const bits = bytes.readUInt32LE(21);
  bytes.writeUInt32LE(((bits & ~0x0fffffff) | ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14)) >>> 0, 21);
  return bytes;
}
