// A minimal WebSocket client (RFC 6455) for the load generators, with the surface of `ws` that
// loadWorker.mjs uses: events 'message' (a Buffer), 'error', 'close' (code), `send(text)`,
// `terminate()`, `readyState`. It exists because the generators share the two cores with the
// server they measure: in scenario (c) every message is read by 2,000 sockets, and the cost of each
// read in the generators is added to the delivery latency of every server alike.
//
// What it does differently from `ws`: every socket reads into one shared buffer through
// `net.connect({ onread })` (no Readable stream, no allocation per read, no Writable parser
// stream), frames are parsed in place and handed to the 'message' listener, which must use the
// Buffer before it returns (loadWorker reads a stamp from it or decodes it at once). A frame split
// across reads is copied out until it is whole. Outgoing frames are masked with a zero key (any
// key is valid; `ws` offers the same through its `generateMask` option). No extensions, no
// subprotocols; Sec-WebSocket-Accept is not checked (the peers are our own local servers).
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import net from 'node:net';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;
/** Every socket reads into this; a read is handled before the next one starts. */
const shared = Buffer.allocUnsafe(256 * 1024);
const MAX_FRAME = 16 * 1024 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');

export class LeanSocket extends EventEmitter {
  static OPEN = OPEN;
  readyState = CONNECTING;
  /** Bytes of an incomplete frame (or of the handshake response) carried to the next read. */
  #pending = null;
  /** Payload pieces of a fragmented message, until its final frame. */
  #fragments = null;
  #socket;
  #timer;

  constructor(url, { handshakeTimeout = 30_000 } = {}) {
    super();
    const { hostname, port, pathname, search } = new URL(url);
    // `void`: a `false` returned from the onread callback would pause the socket.
    this.#socket = net.connect({ host: hostname, port: Number(port), onread: { buffer: shared, callback: (n) => void this.#onRead(n) } });
    this.#socket.setNoDelay(true);
    this.#socket.on('connect', () => {
      this.#socket.write(
        `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.#socket.on('error', (err) => this.emit('error', err));
    this.#socket.on('close', () => this.#closed(1006));
    this.#timer = setTimeout(() => this.#fail(new Error('handshake timed out')), handshakeTimeout);
  }

  send(text) {
    if (this.readyState !== OPEN) return;
    const length = Buffer.byteLength(text);
    const head = length < 126 ? 2 : length < 65536 ? 4 : 10;
    const frame = Buffer.allocUnsafe(head + 4 + length);
    frame[0] = 0x81; // FIN, text
    if (head === 2) frame[1] = 0x80 | length;
    else if (head === 4) {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(length, 2);
    } else {
      frame[1] = 0x80 | 127;
      frame.writeUInt32BE(0, 2);
      frame.writeUInt32BE(length, 6);
    }
    frame.writeUInt32BE(0, head); // the zero mask: the payload goes out as it is
    frame.write(text, head + 4);
    this.#socket.write(frame);
  }

  terminate() {
    this.#socket.destroy();
  }

  #onRead(n) {
    let data = shared.subarray(0, n);
    if (this.#pending) {
      data = Buffer.concat([this.#pending, data]);
      this.#pending = null;
    }
    if (this.readyState === CONNECTING) {
      const end = data.indexOf(HEADER_END);
      if (end < 0) {
        this.#pending = Buffer.from(data);
        return;
      }
      const status = Number(data.toString('latin1', 9, 12));
      if (status !== 101) return this.#fail(new Error(`Unexpected server response: ${status}`));
      clearTimeout(this.#timer);
      this.readyState = OPEN;
      this.emit('open');
      data = data.subarray(end + 4);
    }
    this.#frames(data);
  }

  /** Handles every whole frame in `data`; keeps a copy of a trailing partial one. */
  #frames(data) {
    let at = 0;
    while (at + 2 <= data.length && this.readyState === OPEN) {
      const b0 = data[at];
      if (data[at + 1] & 0x80) return this.#fail(new Error('masked frame from the server'));
      let length = data[at + 1] & 0x7f;
      let start = at + 2;
      if (length === 126) {
        if (start + 2 > data.length) break;
        length = data.readUInt16BE(start);
        start += 2;
      } else if (length === 127) {
        if (start + 8 > data.length) break;
        length = data.readUInt32BE(start) * 2 ** 32 + data.readUInt32BE(start + 4);
        start += 8;
      }
      if (length > MAX_FRAME) return this.#fail(new Error(`frame of ${length} bytes`));
      if (start + length > data.length) break;
      this.#frame(b0 & 0x80, b0 & 0x0f, data.subarray(start, start + length));
      at = start + length;
    }
    if (at < data.length && this.readyState === OPEN) this.#pending = Buffer.from(data.subarray(at));
  }

  #frame(fin, opcode, payload) {
    if (opcode === 0x9) return this.#control(0xa, payload); // ping → pong
    if (opcode === 0x8) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.#control(0x8, payload.subarray(0, 2));
      this.#socket.end();
      setTimeout(() => this.#socket.destroy(), 5_000).unref(); // a peer that never closes its side
      return this.#closed(code);
    }
    if (opcode === 0xa) return;
    if (!fin || opcode === 0x0) {
      (this.#fragments ??= []).push(Buffer.from(payload));
      if (!fin) return;
      payload = Buffer.concat(this.#fragments);
      this.#fragments = null;
    }
    this.emit('message', payload);
  }

  #control(opcode, payload) {
    const frame = Buffer.alloc(6 + payload.length);
    frame[0] = 0x80 | opcode;
    frame[1] = 0x80 | payload.length;
    payload.copy(frame, 6);
    this.#socket.write(frame);
  }

  #fail(err) {
    this.emit('error', err);
    this.#socket.destroy();
  }

  #closed(code) {
    if (this.readyState === CLOSED) return;
    clearTimeout(this.#timer);
    this.readyState = CLOSED;
    this.emit('close', code);
  }
}
