#!/usr/bin/env node
// One load-generator process of bench/realtimeLoad.mjs, driven over IPC. It opens its share of
// the connections at a bounded rate (retrying a 1013 "busy" refusal after a randomized backoff),
// sends messages open-loop at the rate it is given, and records for every `event` it receives the
// time from the send to the receipt. The send time travels in the message body as microseconds of
// CLOCK_MONOTONIC (process.hrtime), which every process on the machine shares, so a sender in one
// worker and a receiver in another are timed on the same clock.
//
// The three servers are driven by the same code over the same client — `leanSocket.mjs` by
// default, or `ws` (`--client ws`) — speaking RelayDesk's protocol
// v1 (docs/protocol.md), the plain-ws baseline (the same frames, no auth), and Socket.IO, spoken
// directly as Engine.IO v4 / Socket.IO v5 packets over the WebSocket transport (what
// socket.io-client sends with `transports: ['websocket']`), so that client-side cost is the same
// for all three and the comparison is between servers.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { LeanSocket } from './leanSocket.mjs';
import { Histogram } from './histogram.mjs';

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const MARK = Buffer.from('~t:');
/** About 100 characters of body in all, like a typical chat line. */
const PAD = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor';
const MAX_ATTEMPTS = 10;

let proto = 'relaydesk';
/** The WebSocket client class: LeanSocket, or ws's WebSocket (same events and methods used here). */
let Client = LeanSocket;
let workerId = 0;
const conns = [];
/** room → { members: ready connections of this worker, next: rotating sender index } */
const rooms = new Map();
let roomList = [];
let nextRoom = 0;
let sendSeq = 0;
const steps = new Map();
let stray = 0;
const lost = {};
const errors = {};

const newStep = () => ({ hist: new Histogram(), ackHist: new Histogram(), delivered: 0, acks: 0, frameBytes: 0 });

// --- receiving ---------------------------------------------------------------------------------

let stampT = 0;
let stampStep = 0;
/** Reads "~t:<µs>:<step>~" from a frame without decoding it. */
function readStamp(data) {
  const i = data.indexOf(MARK);
  if (i < 0) return false;
  let j = i + 3;
  let t = 0;
  let s = 0;
  let c;
  while ((c = data[j++]) >= 48 && c <= 57) t = t * 10 + (c - 48);
  while ((c = data[j++]) >= 48 && c <= 57) s = s * 10 + (c - 48);
  stampT = t;
  stampStep = s;
  return true;
}

function onEvent(data) {
  const now = nowUs();
  if (!readStamp(data)) return;
  const step = steps.get(stampStep);
  if (!step) {
    stray++;
    return;
  }
  step.hist.record(now - stampT);
  step.delivered++;
  step.frameBytes += data.length;
}

function onAck(data) {
  const now = nowUs();
  if (!readStamp(data)) return;
  const step = steps.get(stampStep);
  if (!step) return;
  step.ackHist.record(now - stampT);
  step.acks++;
}

function onError(data) {
  let code = 'unparsable';
  try {
    code = JSON.parse(data.toString()).code ?? code;
  } catch {
    // counted as unparsable
  }
  errors[code] = (errors[code] ?? 0) + 1;
}

/** Frames after set-up. RelayDesk and plain-ws frames start with {"type":"…", Socket.IO's with a packet type. */
function onFrame(c, data) {
  if (proto === 'socketio') {
    // 42[...] event, 43<id>[...] ack, 2 ping.
    if (data[0] === 0x34 && data[1] === 0x32) onEvent(data);
    else if (data[0] === 0x34 && data[1] === 0x33) onAck(data);
    else if (data[0] === 0x32 && data.length === 1) c.ws.send('3');
    return;
  }
  // data[9] is the first letter of the type: e(vent|rror), a(ck), p(ong), t(yping), r(ead|eset|esumed).
  const a = data[9];
  if (a === 0x65) {
    if (data[10] === 0x76) onEvent(data);
    else onError(data);
  } else if (a === 0x61) onAck(data);
}

/** Set-up frames until the connection is live; calls `live()` then. */
function onSetupFrame(c, data, live, fail) {
  const text = data.toString();
  if (proto === 'socketio') {
    if (text.startsWith('0{')) c.ws.send(`40${JSON.stringify(c.auth)}`);
    else if (text.startsWith('40')) live();
    else if (text.startsWith('44')) fail(`connect_error ${text.slice(2, 120)}`);
    else if (text === '2') c.ws.send('3');
    return;
  }
  if (text.startsWith('{"type":"ready"')) {
    if (proto === 'relaydesk') {
      // Live delivery starts with the first operation; the pong says the resume is done.
      c.ws.send('{"type":"resume","channels":{}}');
      c.ws.send('{"type":"ping","ref":"live"}');
    } else live();
  } else if (text.startsWith('{"type":"pong"')) live();
  else if (text.startsWith('{"type":"error"')) fail(`error frame ${text.slice(0, 160)}`);
}

// --- connecting --------------------------------------------------------------------------------

function open(spec) {
  return new Promise((resolve) => {
    const ws = new Client(spec.url, { perMessageDeflate: false, skipUTF8Validation: true, handshakeTimeout: 30_000 });
    const c = { ws, room: spec.room, key: spec.key, auth: spec.auth, ready: false, nextAck: 0 };
    let settled = false;
    const done = (result) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const live = () => {
      c.ready = true;
      conns.push(c);
      let room = rooms.get(c.room);
      if (!room) rooms.set(c.room, (room = { members: [], next: 0 }));
      room.members.push(c);
      done({ ok: true });
    };
    const fail = (reason) => {
      ws.terminate();
      done({ fail: reason });
    };
    ws.on('message', (data) => (c.ready ? onFrame(c, data) : onSetupFrame(c, data, live, fail)));
    ws.on('error', (err) => done({ retry: true, reason: err.code ?? err.message }));
    ws.on('close', (code) => {
      if (c.ready) {
        c.ready = false;
        lost[code] = (lost[code] ?? 0) + 1;
      } else if (code === 1013) done({ retry: true, reason: 'close 1013' });
      else done({ fail: `close ${code}` });
    });
  });
}

/** Opens every spec at `rate` per second with at most `concurrency` handshakes in flight. */
function connectAll({ specs, rate, concurrency }) {
  const queue = specs.map((spec) => ({ spec, attempts: 0 }));
  const failed = {};
  let retries = 0;
  let inFlight = 0;
  let started = 0;
  let connected = 0;
  let finished = 0;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const pump = () => {
      const allowed = Math.floor((rate * (performance.now() - t0)) / 1000) - started;
      for (let n = 0; n < allowed && inFlight < concurrency && queue.length > 0; n++) {
        const item = queue.shift();
        item.attempts++;
        started++;
        inFlight++;
        open(item.spec).then((r) => {
          inFlight--;
          if (r.ok) connected++;
          else if (r.retry && item.attempts < MAX_ATTEMPTS) {
            retries++;
            // Randomized backoff, as docs/protocol.md asks of clients refused with 1013.
            setTimeout(() => queue.push(item), 100 + Math.random() * 900);
            return;
          } else failed[r.fail ?? r.reason] = (failed[r.fail ?? r.reason] ?? 0) + 1;
          if (++finished === specs.length) {
            clearInterval(timer);
            roomList = [...rooms.values()];
            resolve({ connected, failed, retries, ms: performance.now() - t0 });
          }
        });
      }
    };
    const timer = setInterval(pump, 5);
    if (specs.length === 0) {
      clearInterval(timer);
      resolve({ connected: 0, failed, retries, ms: 0 });
    }
  });
}

// --- sending -----------------------------------------------------------------------------------

/** One message from the next sender of the next room (senders rotate, rooms take turns). */
function sendOne(stepId) {
  for (let tries = 0; tries < roomList.length; tries++) {
    const room = roomList[nextRoom++ % roomList.length];
    const c = room.members[room.next++ % room.members.length];
    if (!c.ready) continue;
    const id = `w${workerId}-${++sendSeq}`;
    const body = `load ~t:${nowUs()}:${stepId}~ ${PAD}`;
    if (proto === 'socketio') c.ws.send(`42${c.nextAck++}["send",{"ref":"${id}","channelId":"${c.key}","body":"${body}","clientMessageId":"${id}"}]`);
    else c.ws.send(`{"type":"send","ref":"${id}","channelId":"${c.key}","body":"${body}","clientMessageId":"${id}"}`);
    return true;
  }
  return false;
}

/** Open-loop: sends `rate` messages per second for `durationMs`, whatever the answers. */
function runStep({ id, rate, durationMs }) {
  steps.set(id, newStep());
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let sent = 0;
  let unsent = 0;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - t0;
      const due = Math.floor((rate * Math.min(elapsed, durationMs)) / 1000);
      while (sent + unsent < due) {
        if (sendOne(id)) sent++;
        else unsent++;
      }
      if (elapsed >= durationMs) {
        clearInterval(timer);
        delay.disable();
        const cpu = process.cpuUsage(cpu0);
        resolve({ sent, unsent, elapsedMs: elapsed, cpuMs: (cpu.user + cpu.system) / 1000, loopDelayP99Ms: delay.percentile(99) / 1e6 });
      }
    }, 2);
  });
}

function collect(id) {
  const step = steps.get(id) ?? newStep();
  steps.delete(id);
  return {
    delivered: step.delivered,
    hist: step.hist.toJSON(),
    acks: step.acks,
    ackHist: step.ackHist.toJSON(),
    frameBytes: step.frameBytes,
  };
}

// --- IPC ---------------------------------------------------------------------------------------

process.on('message', async (m) => {
  let answer;
  switch (m.cmd) {
    case 'init':
      proto = m.proto;
      Client = m.client === 'ws' ? WebSocket : LeanSocket;
      workerId = m.workerId;
      answer = {};
      break;
    case 'connect':
      answer = await connectAll(m);
      break;
    case 'step':
      answer = await runStep(m);
      break;
    case 'count':
      answer = { delivered: steps.get(m.id)?.delivered ?? 0 };
      break;
    case 'collect':
      answer = collect(m.id);
      break;
    case 'status':
      answer = { open: conns.filter((c) => c.ready && c.ws.readyState === Client.OPEN).length, lost, errors, stray };
      break;
    case 'exit':
      for (const c of conns) c.ws.terminate();
      process.send({ reqId: m.reqId }, () => process.exit(0));
      return;
  }
  process.send({ reqId: m.reqId, ...answer });
});
process.on('disconnect', () => process.exit(0));
