import fs from 'node:fs';
import { fileTypeFromFile } from 'file-type';
import type { FileKind } from '@relaydesk/protocol';
import { AppError } from '../errors.js';
import { extensionOf } from './filename.js';

/** What may be uploaded unless UPLOAD_ALLOWED_TYPES says otherwise: detected MIME types. */
export const DEFAULT_ALLOWED_TYPES = [
  'image/png', 'image/jpeg', 'image/gif', 'image/webp',
  'application/pdf', 'text/plain', 'text/csv',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation', 'application/x-cfb', 'application/zip',
  'audio/webm', 'audio/ogg', 'audio/opus', 'audio/mpeg', 'audio/x-m4a', 'audio/mp4', 'audio/wav', 'audio/vnd.wave', 'audio/x-wav',
  'video/mp4', 'video/webm',
];

/** Executables whatever their content says, and content that is one whatever its name says. */
const EXECUTABLE_EXTENSIONS = new Set([
  'exe', 'dll', 'com', 'scr', 'msi', 'msp', 'bat', 'cmd', 'ps1', 'psm1', 'vbs', 'vbe', 'js', 'mjs', 'cjs', 'jse', 'wsf', 'wsh', 'hta',
  'sh', 'bash', 'zsh', 'csh', 'ksh', 'command', 'app', 'elf', 'bin', 'run', 'out', 'so', 'dylib', 'jar', 'class', 'apk', 'deb', 'rpm',
  'php', 'php3', 'php4', 'php5', 'php7', 'phtml', 'phar', 'asp', 'aspx', 'ashx', 'asmx', 'cer', 'jsp', 'jspx', 'cgi', 'pl', 'py', 'rb',
  'html', 'htm', 'xhtml', 'shtml', 'svg', 'svgz', 'xml', 'swf', 'lnk', 'reg', 'cpl', 'inf', 'gadget', 'msc', 'pif',
]);
const EXECUTABLE_MIME =
  /^application\/(x-msdownload|x-elf|x-mach-binary|x-executable|x-sharedlib|java-vm|java-archive|x-java-archive|vnd\.android\.package-archive|x-apple-diskimage|x-msi|x-deb|x-rpm|wasm|x-shockwave-flash|x\.ms\.shortcut|x-ms-regedit)$/;

/** Which detected types each well-known extension may carry; other extensions are not judged. */
const EXTENSION_TYPES: Record<string, string[]> = {
  png: ['image/png'], jpg: ['image/jpeg'], jpeg: ['image/jpeg'], gif: ['image/gif'], webp: ['image/webp'],
  pdf: ['application/pdf'], txt: ['text/plain'], csv: ['text/csv', 'text/plain'], md: ['text/plain'], log: ['text/plain'],
  docx: ['application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  xlsx: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  pptx: ['application/vnd.openxmlformats-officedocument.presentationml.presentation'],
  doc: ['application/x-cfb'], xls: ['application/x-cfb'], ppt: ['application/x-cfb'],
  zip: ['application/zip'], webm: ['video/webm', 'audio/webm'], weba: ['video/webm', 'audio/webm'],
  ogg: ['audio/ogg', 'audio/opus'], oga: ['audio/ogg', 'audio/opus'], opus: ['audio/ogg', 'audio/opus'],
  mp3: ['audio/mpeg'], m4a: ['audio/x-m4a', 'audio/mp4', 'video/mp4'], wav: ['audio/wav', 'audio/vnd.wave', 'audio/x-wav'],
  mp4: ['video/mp4', 'audio/x-m4a', 'audio/mp4'],
};

export interface DetectedType {
  mime: string;
  kind: FileKind;
}

const refuse = (code: 'FILE_EXECUTABLE' | 'FILE_TYPE_NOT_ALLOWED' | 'FILE_TYPE_MISMATCH' | 'FILE_CONTENT_SUSPICIOUS', message: string) => new AppError(code, message);

/**
 * Decides an upload's type from its bytes (file-type's magic numbers, then a text sniff) and
 * applies the policy: executables and scripts are refused whatever their name, a name that
 * contradicts the content is refused, and only allowed types pass. `declaredMime` (the part's
 * Content-Type) is a hint only, used to tell a voice message from a video in the same container.
 */
export async function detectType(filePath: string, name: string, declaredMime: string | undefined, allowed: string[]): Promise<DetectedType> {
  const ext = extensionOf(name);
  if (EXECUTABLE_EXTENSIONS.has(ext)) throw refuse('FILE_EXECUTABLE', `.${ext} files are not accepted`);
  const found = await fileTypeFromFile(filePath);
  let mime: string;
  if (found) {
    // file-type may add parameters ('audio/ogg; codecs=opus'): the policy judges the bare type.
    const detected = found.mime.split(';')[0]!.trim().toLowerCase();
    if (EXECUTABLE_MIME.test(detected)) throw refuse('FILE_EXECUTABLE', 'Executable files are not accepted, whatever their name');
    mime = detected === 'video/webm' && declaredMime?.startsWith('audio/') ? 'audio/webm' : detected;
  } else {
    mime = await sniffText(filePath, ext);
  }
  const expected = EXTENSION_TYPES[ext];
  if (expected && !expected.includes(mime)) throw refuse('FILE_TYPE_MISMATCH', `The file is named .${ext} but its content is ${mime}`);
  if (!(allowed.length > 0 ? allowed : DEFAULT_ALLOWED_TYPES).includes(mime)) throw refuse('FILE_TYPE_NOT_ALLOWED', `Files of type ${mime} are not accepted`);
  const kind: FileKind = mime.startsWith('image/') ? 'image' : mime.startsWith('audio/') ? 'audio' : mime.startsWith('video/') ? 'video' : 'file';
  if (kind !== 'file' || mime === 'application/pdf') await assertNoEmbeddedCode(filePath, mime);
  return { mime, kind };
}

/** Scripts for a server or a browser, anywhere in a text file. */
const TEXT_SCRIPT = /<\?php|<\?=|<%[@=\s]|<script[\s>]/i;

/**
 * Content without magic numbers: accepted only as UTF-8 text that is not a script or markup. The
 * start decides what the document is (a shebang, HTML or SVG — after any XML declaration,
 * comments or non-HTML doctype); the whole file is then read to check that it is text throughout
 * and carries no script further down.
 */
async function sniffText(filePath: string, ext: string): Promise<string> {
  const fd = fs.openSync(filePath, 'r');
  const head = Buffer.alloc(64 * 1024);
  const n = fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  const bytes = head.subarray(0, n);
  if (bytes.includes(0)) throw refuse('FILE_TYPE_NOT_ALLOWED', 'Unrecognised binary files are not accepted');
  const text = bytes.toString('latin1').replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart();
  if (text.startsWith('#!')) throw refuse('FILE_EXECUTABLE', 'Scripts are not accepted, whatever their name');
  if (TEXT_SCRIPT.test(text)) throw refuse('FILE_EXECUTABLE', 'Server or browser scripts are not accepted');
  const body = afterProlog(text);
  if (/^<svg[\s>/]/i.test(body)) throw refuse('FILE_TYPE_NOT_ALLOWED', 'SVG images are not accepted (they can carry scripts)');
  if (/^(<!doctype\s+html|<(html|head|body)[\s>/])/i.test(body)) throw refuse('FILE_TYPE_NOT_ALLOWED', 'HTML documents are not accepted');
  await assertTextThroughout(filePath);
  return ext === 'csv' ? 'text/csv' : 'text/plain';
}

/** What follows an XML declaration or processing instructions, comments and a doctype other than HTML's. */
function afterProlog(text: string): string {
  let rest = text;
  for (;;) {
    const m = /^(<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!doctype(?!\s+html\b)[^>]*>)\s*/i.exec(rest);
    if (!m) return rest;
    rest = rest.slice(m[0].length);
  }
}

/** Valid UTF-8 with no NUL from the first byte to the last, and no script anywhere. */
async function assertTextThroughout(filePath: string): Promise<void> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const binary = () => refuse('FILE_TYPE_NOT_ALLOWED', 'Unrecognised binary files are not accepted');
  let tail = '';
  for await (const chunk of fs.createReadStream(filePath, { highWaterMark: 1024 * 1024 })) {
    const buffer = chunk as Buffer;
    if (buffer.includes(0)) throw binary();
    try {
      decoder.decode(buffer, { stream: true });
    } catch {
      throw binary();
    }
    const text = tail + buffer.toString('latin1');
    if (TEXT_SCRIPT.test(text)) throw refuse('FILE_EXECUTABLE', 'Server or browser scripts are not accepted');
    tail = text.slice(-32);
  }
  try {
    decoder.decode();
  } catch {
    throw binary();
  }
}

/**
 * Markers of script or markup inside media. Each must be long enough not to turn up by chance in
 * compressed data, which is close to random: a three-byte marker such as `<%@` would be found in
 * about half of all 10 MB photos and most long videos.
 */
const EMBEDDED_CODE = /<\?php|<script[\s>]|<%@\s*(page|language|import|control|master|assembly|webhandler|webservice)\b|<html[\s>]|<!doctype html|<svg[\s>]/i;
const PDF_ACTIVE = /\/JavaScript|\/JS\s*[(<]|\/Launch|\/EmbeddedFile/;

/**
 * Media and PDFs carry no markup: finding script or HTML inside one means a polyglot built to be
 * read as something else (by a browser sniffing it, or a server including it). Scanned in
 * overlapping chunks so a marker split across a boundary is still seen.
 */
async function assertNoEmbeddedCode(filePath: string, mime: string): Promise<void> {
  const pattern = mime === 'application/pdf' ? PDF_ACTIVE : EMBEDDED_CODE;
  let tail = '';
  for await (const chunk of fs.createReadStream(filePath, { highWaterMark: 1024 * 1024 })) {
    const text = tail + (chunk as Buffer).toString('latin1');
    if (pattern.test(text)) throw refuse('FILE_CONTENT_SUSPICIOUS', 'The file contains embedded script or markup');
    tail = text.slice(-32);
  }
}
