#!/usr/bin/env node
// Baseline 1 for bench/realtimeLoad.mjs: a minimal room-broadcast server on plain `ws`, in its own
// process. It speaks the part of RelayDesk's protocol the benchmark uses — `ready` on connect,
// `send` → `ack` to the sender and one `event` (serialized once) to every socket in the room,
// `ping` → `pong` — with a 30 s heartbeat like RelayDesk's, and no auth, no storage, no checks.
// The room comes from the URL: /?room=<id>&user=<id>. Reports its port over IPC.
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { makeEvent, makeMessage } from './message.mjs';

const rooms = new Map(); // room → Set<WebSocket>
const roomSeqs = new Map();
const server = http.createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server, maxPayload: 64 * 1024 });

wss.on('connection', (ws, req) => {
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const room = query.get('room') ?? 'lobby';
  const user = query.get('user') ?? 'anonymous';
  let members = rooms.get(room);
  if (!members) rooms.set(room, (members = new Set()));
  members.add(ws);
  ws.alive = true;
  ws.on('pong', () => (ws.alive = true));
  ws.on('error', () => undefined);
  ws.on('close', () => {
    members.delete(ws);
    if (members.size === 0) rooms.delete(room);
  });
  ws.on('message', (data) => {
    let f;
    try {
      f = JSON.parse(data);
    } catch {
      return;
    }
    if (f?.type === 'ping') {
      ws.send(JSON.stringify({ type: 'pong', ref: f.ref }));
      return;
    }
    if (f?.type !== 'send' || typeof f.body !== 'string') return;
    const seq = (roomSeqs.get(room) ?? 0) + 1;
    roomSeqs.set(room, seq);
    const message = makeMessage(seq, room, user, f);
    ws.send(JSON.stringify({ type: 'ack', ref: f.ref, message }));
    const text = JSON.stringify(makeEvent(message));
    for (const peer of members) peer.send(text);
  });
  ws.send(JSON.stringify({ type: 'ready', v: 1, userId: user, heartbeatMs: 30_000 }));
});

const heartbeat = setInterval(() => {
  for (const ws of wss.clients) {
    if (!ws.alive) {
      ws.terminate();
      continue;
    }
    ws.alive = false;
    ws.ping();
  }
}, 30_000);
heartbeat.unref();

server.listen(0, '127.0.0.1', () => process.send?.({ type: 'listening', port: server.address().port }));
process.on('SIGTERM', () => process.exit(0));
