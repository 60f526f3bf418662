import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../../testing/testServer.js';
import * as sample from '../../../testing/fileSamples.js';
import { assertError, setUpTeam, type Person, type Team } from '../messages/fixtures.js';
import { assertNoTemporaryFiles, download, filesUnder, upload, uploaded, uploadsDir, startUploaderTeam } from './fixtures.js';

const OOXML = 'application/vnd.openxmlformats-officedocument';

/** The type is decided from the bytes: the policy needs no second database. */
describe('POST /api/v1/channels/:id/files — the type policy, decided by content (sqlite)', () => {
  let server: TestServer;
  let team: Team;
  let alice: Person;

  before(async () => {
    ({ server, team, alice } = await startUploaderTeam({}));
  });
  after(() => server.close());

  /** Uploads, expects the refusal, and checks nothing was kept (no blob, no temporary file). */
  async function refused(name: string, bytes: Buffer, code: string, status = 415, type?: string): Promise<void> {
    const blobsBefore = filesUnder(uploadsDir(server));
    const res = await upload(alice, team.channelId, name, bytes, type ? { type } : {});
    assertError(res, status, code);
    assert.deepEqual(filesUnder(uploadsDir(server)), blobsBefore, `${name}: nothing is stored`);
    assertNoTemporaryFiles(server);
  }

  it('accepts each allowed type, with the MIME type and kind detected from the content', async () => {
    const cases: Array<{ name: string; bytes: Buffer; mime: string; kind: string; type?: string }> = [
      { name: 'photo.png', bytes: await sample.png(), mime: 'image/png', kind: 'image' },
      { name: 'photo.jpg', bytes: await sample.jpeg(), mime: 'image/jpeg', kind: 'image' },
      { name: 'photo.jpeg', bytes: await sample.jpeg(), mime: 'image/jpeg', kind: 'image' },
      { name: 'anim.gif', bytes: await sample.animatedGif(), mime: 'image/gif', kind: 'image' },
      { name: 'photo.webp', bytes: await sample.webp(), mime: 'image/webp', kind: 'image' },
      { name: 'report.pdf', bytes: sample.pdf(), mime: 'application/pdf', kind: 'file' },
      { name: 'notes.txt', bytes: sample.text(), mime: 'text/plain', kind: 'file' },
      { name: 'README.md', bytes: sample.text('# Title\n\nSome *markdown*.\n'), mime: 'text/plain', kind: 'file' },
      { name: 'table.csv', bytes: sample.csv(), mime: 'text/csv', kind: 'file' },
      { name: 'letter.docx', bytes: sample.docx(), mime: `${OOXML}.wordprocessingml.document`, kind: 'file' },
      { name: 'budget.xlsx', bytes: sample.xlsx(), mime: `${OOXML}.spreadsheetml.sheet`, kind: 'file' },
      { name: 'archive.zip', bytes: sample.plainZip(), mime: 'application/zip', kind: 'file' },
      { name: 'voice.webm', bytes: sample.webm(), mime: 'audio/webm', kind: 'audio', type: 'audio/webm;codecs=opus' },
      { name: 'voice.ogg', bytes: sample.oggVorbis(), mime: 'audio/ogg', kind: 'audio', type: 'audio/ogg' },
      { name: 'voice.mp3', bytes: sample.mp3(), mime: 'audio/mpeg', kind: 'audio', type: 'audio/mpeg' },
      { name: 'voice.m4a', bytes: sample.m4a(), mime: 'audio/x-m4a', kind: 'audio', type: 'audio/mp4' },
      { name: 'voice.wav', bytes: sample.wav(), mime: 'audio/wav', kind: 'audio', type: 'audio/wav' },
      { name: 'clip.mp4', bytes: sample.mp4(), mime: 'video/mp4', kind: 'video', type: 'video/mp4' },
      { name: 'clip.webm', bytes: sample.webm(), mime: 'video/webm', kind: 'video', type: 'video/webm' },
    ];
    for (const c of cases) {
      // The declared type is a hint at most: most are sent as application/octet-stream.
      const file = await uploaded(alice, team.channelId, c.name, c.bytes, c.type ? { type: c.type } : {});
      assert.equal(file.mime, c.mime, c.name);
      assert.equal(file.kind, c.kind, c.name);
      assert.equal(file.name, c.name);
      assert.equal(file.messageId, null);
      if (c.kind !== 'image') {
        assert.equal(file.size, c.bytes.length, c.name);
        const served = await download(alice, file.id);
        assert.equal(served.status, 200, c.name);
        assert.ok(served.bytes.equals(c.bytes), `${c.name}: served as uploaded`);
        assert.equal(served.headers.get('content-type')?.split(';')[0], c.mime, c.name);
      }
    }
    assertNoTemporaryFiles(server);
  });

  it('accepts an Ogg Opus voice message (what Firefox records) as audio/ogg', async () => {
    const file = await uploaded(alice, team.channelId, 'voice.ogg', sample.oggOpus(), { type: 'audio/ogg;codecs=opus', durationMs: 3100 });
    assert.equal(file.mime, 'audio/ogg');
    assert.equal(file.kind, 'audio');
    assert.equal(file.durationMs, 3100);
    const served = await download(alice, file.id);
    assert.equal(served.headers.get('content-type'), 'audio/ogg');
  });

  it('ignores the declared type: a PDF declared image/png is a PDF, a PNG declared text/html is a PNG', async () => {
    assert.equal((await uploaded(alice, team.channelId, 'doc.pdf', sample.pdf(), { type: 'image/png' })).mime, 'application/pdf');
    assert.equal((await uploaded(alice, team.channelId, 'pic.png', await sample.png(), { type: 'text/html' })).mime, 'image/png');
    assert.equal((await uploaded(alice, team.channelId, 'noextension', await sample.png())).mime, 'image/png');
  });

  it('refuses executables whatever their name: PE as .png, ELF as .jpg, Mach-O as .txt (415 FILE_EXECUTABLE)', async () => {
    for (const [name, bytes] of [
      ['cat.png', sample.peExecutable()],
      ['cat.jpg', sample.elfExecutable()],
      ['readme.txt', sample.machOExecutable()],
      ['setup.exe', sample.peExecutable()],
      ['no-extension', sample.elfExecutable()],
      ['tool.pdf', sample.machOExecutable()],
    ] as const) {
      await refused(name, bytes, 'FILE_EXECUTABLE', 415, 'image/png');
    }
  });

  it('refuses a Java archive even when named .zip', async () => {
    await refused('library.zip', sample.jar(), 'FILE_EXECUTABLE');
  });

  it('refuses scripts whatever their name: a shebang script as .txt, PHP as .jpg and .txt (415 FILE_EXECUTABLE)', async () => {
    await refused('notes.txt', sample.shebangScript(), 'FILE_EXECUTABLE');
    await refused('notes.txt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('\n  #!/usr/bin/env python3\nprint(1)\n')]), 'FILE_EXECUTABLE');
    await refused('avatar.jpg', sample.phpScript(), 'FILE_EXECUTABLE');
    await refused('avatar.txt', sample.phpScript(), 'FILE_EXECUTABLE');
    await refused('page.txt', Buffer.from('<%@ Page Language="C#" %>\n<% Response.Write("x"); %>\n'), 'FILE_EXECUTABLE');
    await refused('short.txt', Buffer.from('<?= `id` ?>\n'), 'FILE_EXECUTABLE');
  });

  it('refuses executable and script names whatever the content (.exe .bat .sh .php .js .html .svg …)', async () => {
    for (const name of ['run.exe', 'run.bat', 'run.cmd', 'run.sh', 'index.php', 'shell.phtml', 'app.js', 'page.html', 'page.HTM', 'image.svg', 'macro.vbs', 'run.ps1', 'x.jar']) {
      await refused(name, sample.text('just words\n'), 'FILE_EXECUTABLE');
    }
    // A trailing dot or space does not hide the extension (both are stripped before judging).
    await refused('index.php.', sample.text('just words\n'), 'FILE_EXECUTABLE');
    await refused('index.php ', sample.text('just words\n'), 'FILE_EXECUTABLE');
  });

  it('refuses SVG: with a script (also as .png and .txt), and without one (415)', async () => {
    await refused('logo.svg', sample.svg(), 'FILE_EXECUTABLE');
    // The XML prolog makes it XML to file-type: a .png or .txt that is XML contradicts its name.
    await refused('logo.png', sample.svg(), 'FILE_TYPE_MISMATCH');
    await refused('logo.txt', sample.svg(false), 'FILE_TYPE_MISMATCH');
    await refused('logo', sample.svg(false), 'FILE_TYPE_NOT_ALLOWED');
    // Without a prolog it is only text to file-type: the sniffer refuses it.
    const bare = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><rect width="5" height="5"/></svg>\n');
    await refused('logo.png', bare, 'FILE_TYPE_NOT_ALLOWED');
    await refused('logo.txt', bare, 'FILE_TYPE_NOT_ALLOWED');
    await refused('logo.txt', Buffer.from('<svg onload="alert(1)"><script>alert(2)</script></svg>'), 'FILE_EXECUTABLE');
    await refused('logo.txt', Buffer.from('<!-- made by hand -->\n<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>\n'), 'FILE_TYPE_NOT_ALLOWED');
  });

  it('refuses HTML named .txt (with or without a doctype, after a comment), and script in text', async () => {
    await refused('page.txt', sample.html(), 'FILE_TYPE_NOT_ALLOWED');
    await refused('page.txt', Buffer.from('  <html><body>hi</body></html>'), 'FILE_TYPE_NOT_ALLOWED');
    await refused('page.txt', Buffer.from('<!-- saved from a browser -->\n<html><body><h1>hi</h1></body></html>\n'), 'FILE_TYPE_NOT_ALLOWED');
    await refused('page.txt', Buffer.from('<body onload="alert(1)">hello</body>\n'), 'FILE_TYPE_NOT_ALLOWED');
    await refused('xss.txt', Buffer.from('hello\n<script>alert(1)</script>\n'), 'FILE_EXECUTABLE');
  });

  it('reads a whole text file, not only its head: script after 64 KiB of prose is still refused', async () => {
    const prose = 'All work and no play makes Jack a dull boy.\n'.repeat(2000); // ~88 KB
    await refused('long.txt', Buffer.from(`${prose}<?php system($_GET['c']); ?>\n`), 'FILE_EXECUTABLE');
    await refused('long.txt', Buffer.concat([Buffer.from(prose), Buffer.from([0, 1, 2, 0xff, 0xfe])]), 'FILE_TYPE_NOT_ALLOWED');
    const ok = await uploaded(alice, team.channelId, 'long.txt', Buffer.from(`${prose}€ and more text\n`));
    assert.equal(ok.mime, 'text/plain');
  });

  it('refuses a polyglot: a valid GIF or JPEG that also carries <script> or <?php (415 FILE_CONTENT_SUSPICIOUS)', async () => {
    await refused('cat.gif', await sample.gifWithComment('<script>alert(document.domain)</script>'), 'FILE_CONTENT_SUSPICIOUS');
    await refused('cat.jpg', await sample.jpegWithComment('<?php system($_GET["c"]); ?>'), 'FILE_CONTENT_SUSPICIOUS');
    await refused('cat.gif', sample.withTrailer(await sample.gif(), '<?php echo "x"; ?>'), 'FILE_CONTENT_SUSPICIOUS');
    await refused('cat.jpg', sample.withTrailer(await sample.jpeg(), '<html><script>alert(1)</script></html>'), 'FILE_CONTENT_SUSPICIOUS');
    await refused('voice.mp3', Buffer.concat([sample.mp3(), Buffer.from('<script>alert(1)</script>')]), 'FILE_CONTENT_SUSPICIOUS');
    await refused('report.pdf', sample.pdfWithJavaScript(), 'FILE_CONTENT_SUSPICIOUS');
    // The same GIF and JPEG without the payload are fine.
    await uploaded(alice, team.channelId, 'cat.gif', await sample.gif());
    await uploaded(alice, team.channelId, 'cat.jpg', await sample.jpeg());
  });

  it('does not mistake binary media for script: a WAV whose samples happen to spell "<%@" is accepted', async () => {
    // Compressed media is close to random bytes: a three-byte marker would turn up in about one
    // file in three of 5 MB. Only markers too long to occur by chance may refuse media.
    const samples = Buffer.alloc(4000, 0x11);
    Buffer.from('<%@ <%=').copy(samples, 1000);
    Buffer.from('<?xml').copy(samples, 2000);
    const file = await uploaded(alice, team.channelId, 'tone.wav', sample.wav(samples));
    assert.equal(file.mime, 'audio/wav');
  });

  it('refuses a macro-enabled Office document, also when named .docx', async () => {
    await refused('invoice.docx', sample.docm(), 'FILE_TYPE_MISMATCH');
    await refused('invoice.docm', sample.docm(), 'FILE_TYPE_NOT_ALLOWED');
  });

  it('refuses a name that contradicts the content (415 FILE_TYPE_MISMATCH)', async () => {
    await refused('photo.jpg', await sample.png(), 'FILE_TYPE_MISMATCH');
    await refused('photo.png', await sample.jpeg(), 'FILE_TYPE_MISMATCH');
    await refused('letter.docx', sample.pdf(), 'FILE_TYPE_MISMATCH');
    await refused('letter.docx', sample.plainZip(), 'FILE_TYPE_MISMATCH');
    await refused('archive.zip', sample.docx(), 'FILE_TYPE_MISMATCH');
    await refused('song.mp3', sample.wav(), 'FILE_TYPE_MISMATCH');
    await refused('report.pdf', sample.text(), 'FILE_TYPE_MISMATCH');
    await refused('notes.txt', await sample.png(), 'FILE_TYPE_MISMATCH');
  });

  it('refuses types that are not on the list and unrecognised binary (415 FILE_TYPE_NOT_ALLOWED)', async () => {
    const tiff = await (await import('sharp')).default({ create: { width: 4, height: 4, channels: 3, background: 'red' } }).tiff().toBuffer();
    await refused('scan.tiff', tiff, 'FILE_TYPE_NOT_ALLOWED');
    await refused('data.dat', Buffer.from([0x00, 0x01, 0x02, 0x03, 0xde, 0xad, 0xbe, 0xef]), 'FILE_TYPE_NOT_ALLOWED');
  });

  it('refuses a corrupt image that only looks like one (the header alone) with 415', async () => {
    const header = (await sample.png()).subarray(0, 40);
    await refused('broken.png', header, 'FILE_TYPE_NOT_ALLOWED');
  });

  it('refuses an empty file (400) and keeps nothing', async () => {
    await refused('empty.txt', Buffer.alloc(0), 'VALIDATION_FAILED', 400);
  });
});

describe('UPLOAD_ALLOWED_TYPES narrows the list (sqlite)', () => {
  let server: TestServer;
  let team: Team;

  before(async () => {
    server = await startTestServer({ env: { UPLOAD_ALLOWED_TYPES: 'image/png, text/plain' } });
    team = await setUpTeam(server, 1);
  });
  after(() => server.close());

  it('accepts only the configured types; executables stay refused as executables', async () => {
    const alice = team.members[0]!;
    assert.equal((await uploaded(alice, team.channelId, 'a.png', await sample.png())).mime, 'image/png');
    assert.equal((await uploaded(alice, team.channelId, 'a.txt', sample.text())).mime, 'text/plain');
    assertError(await upload(alice, team.channelId, 'a.pdf', sample.pdf()), 415, 'FILE_TYPE_NOT_ALLOWED');
    assertError(await upload(alice, team.channelId, 'a.jpg', await sample.jpeg()), 415, 'FILE_TYPE_NOT_ALLOWED');
    assertError(await upload(alice, team.channelId, 'a.csv', sample.csv()), 415, 'FILE_TYPE_NOT_ALLOWED');
    assertError(await upload(alice, team.channelId, 'a.png', sample.peExecutable()), 415, 'FILE_EXECUTABLE');
    assertNoTemporaryFiles(server);
  });
});
