// Node's `ws` as a client of ukit's /ws/echo: echoes of text, binary and
// fragmented messages, a ping, and the close handshake. Prints one JSON line.
'use strict';
const WebSocket = require('ws');

const url = process.argv[2];
const ws = new WebSocket(url);
const got = [];
const result = { echoes: got, pong: null, close: null };
const timer = setTimeout(() => { result.error = 'timeout'; done(); }, 10000);

function done() {
  clearTimeout(timer);
  console.log(JSON.stringify(result));
  process.exit(0);
}

ws.on('open', () => {
  ws.send('hello from node');
  ws.send(Buffer.from([0, 1, 2, 255]));
  ws.send('frag', { fin: false });
  ws.send('mented', { fin: true });
  ws.send('x'.repeat(70000));
  ws.ping(Buffer.from('are you there'));
});
ws.on('message', (data, isBinary) => {
  got.push({ binary: isBinary, length: data.length,
             text: isBinary ? data.toString('hex') : data.toString().slice(0, 40) });
  if (got.length === 4) ws.close(4001, 'bye');
});
ws.on('pong', (data) => { result.pong = data.toString(); });
ws.on('close', (code, reason) => { result.close = { code, reason: reason.toString() }; done(); });
ws.on('error', (err) => { result.error = String(err); done(); });
