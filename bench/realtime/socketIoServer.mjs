#!/usr/bin/env node
// Baseline 2 for bench/realtimeLoad.mjs: a minimal room-broadcast server on Socket.IO (4.x,
// WebSocket transport only, its defaults otherwise), in its own process. A socket joins the room
// named in its connect auth (`{ room, user }`); `send` (with an acknowledgement callback) answers
// the ack and emits one `event` to the room — the same payloads as RelayDesk and the plain-ws
// baseline. No auth, no storage. Reports its port over IPC.
import http from 'node:http';
import { Server } from 'socket.io';
import { makeEvent, makeMessage } from './message.mjs';

const roomSeqs = new Map();
const server = http.createServer();
const io = new Server(server, { transports: ['websocket'], serveClient: false, maxHttpBufferSize: 64 * 1024 });

io.on('connection', (socket) => {
  const room = String(socket.handshake.auth?.room ?? 'lobby');
  const user = String(socket.handshake.auth?.user ?? 'anonymous');
  socket.join(room);
  socket.on('send', (f, ack) => {
    if (typeof f?.body !== 'string') return;
    const seq = (roomSeqs.get(room) ?? 0) + 1;
    roomSeqs.set(room, seq);
    const message = makeMessage(seq, room, user, f);
    if (typeof ack === 'function') ack({ type: 'ack', ref: f.ref, message });
    io.to(room).emit('event', makeEvent(message));
  });
});

server.listen(0, '127.0.0.1', () => process.send?.({ type: 'listening', port: server.address().port }));
process.on('SIGTERM', () => process.exit(0));
