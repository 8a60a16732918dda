// Interop peer on Node's ws library: the same rules as ../peers/common.py.
//
//     node peer.mjs server {deflate,none} [--certfile PEM]
//     node peer.mjs client URI {deflate,none} SCENARIO [--cafile PEM]
//
// Servers echo messages and obey the text commands !extensions, !fragment,
// !ping and !close CODE REASON; they print "closed CODE REASON" when a
// connection ends. Clients play one scenario, print "closed CODE REASON" and
// "ok", and exit with status 1 on the first mismatch.

import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { WebSocket, WebSocketServer } = require("ws");
const wsVersion = require("ws/package.json").version;

const TEXT = "text é €";
const BINARY = Buffer.from([0x00, 0xff, 0x80, ...Buffer.from("binary")]);
const FRAGMENTS = ["frag", "mented é"];
const SERVER_PING = "server ping";
const CLIENT_PING = "client ping";
const CLIENT_CLOSE = [4001, "client bye é"];
const SERVER_CLOSE = [4002, "server bye é"];
const LARGE_SIZE = 16 * 2 ** 20;
const MAX_SIZE = 32 * 2 ** 20;

function report(line) {
  process.stdout.write(line + "\n");
}

function check(condition, what) {
  if (!condition) {
    process.stderr.write(`interop peer: unexpected ${what}\n`);
    process.exit(1);
  }
}

function option(args, name) {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
}

function largeBinary() {
  // Pseudo-random bytes (xorshift), which deflate can't shrink.
  const data = Buffer.alloc(LARGE_SIZE);
  let x = 2463534242;
  for (let i = 0; i < LARGE_SIZE; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data.writeUInt32LE(x >>> 0, i);
  }
  return data;
}

function largeText() {
  // 15 characters, 16 bytes in UTF-8: 16 MiB when encoded.
  return "abcdefghijklmné".repeat(LARGE_SIZE / 16);
}

// Messages as [data, isBinary], in arrival order.
function inbox(ws) {
  const queue = [];
  const waiters = [];
  ws.on("message", (data, isBinary) => {
    const message = [isBinary ? data : data.toString("utf8"), isBinary];
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  return () =>
    queue.length > 0
      ? Promise.resolve(queue.shift())
      : new Promise((resolve) => waiters.push(resolve));
}

function same(actual, expected) {
  return Buffer.isBuffer(expected)
    ? Buffer.isBuffer(actual) && actual.equals(expected)
    : actual === expected;
}

function runServer(args) {
  const compression = args[1];
  const certfile = option(args, "--certfile");
  const options = { perMessageDeflate: compression === "deflate", maxPayload: MAX_SIZE };
  let server;
  let wss;
  if (certfile) {
    const pem = readFileSync(certfile);
    server = createServer({ key: pem, cert: pem });
    wss = new WebSocketServer({ server, ...options });
    server.listen(0, "127.0.0.1");
  } else {
    wss = new WebSocketServer({ host: "127.0.0.1", port: 0, ...options });
    server = wss;
  }
  server.on("listening", () => {
    report(`ready ${server.address().port} ws ${wsVersion} node ${process.version}`);
  });
  wss.on("connection", (ws) => {
    ws.on("close", (code, reason) => report(`closed ${code} ${reason.toString()}`));
    ws.on("message", (data, isBinary) => {
      const text = isBinary ? null : data.toString("utf8");
      if (text === "!extensions") {
        ws.send(ws.extensions);
      } else if (text === "!fragment") {
        ws.send(FRAGMENTS[0], { fin: false });
        ws.send(FRAGMENTS[1], { fin: true });
      } else if (text === "!ping") {
        ws.once("pong", (payload) => {
          ws.send(payload.toString() === SERVER_PING ? "!pong received" : "!pong mismatch");
        });
        ws.ping(SERVER_PING);
      } else if (text !== null && text.startsWith("!close ")) {
        const [, code, ...reason] = text.split(" ");
        ws.close(Number(code), reason.join(" "));
      } else {
        ws.send(isBinary ? data : text, { binary: isBinary });
      }
    });
  });
  // Serve until the test closes our standard input.
  process.stdin.resume();
  process.stdin.on("end", () => {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    if (server !== wss) server.close();
  });
}

async function play(ws, recv, compression, scenario) {
  if (scenario === "messages") {
    const expected = compression === "deflate" ? "permessage-deflate" : "";
    check(ws.extensions === expected, `extensions ${ws.extensions}`);
    ws.send("!extensions");
    const [theirs] = await recv();
    check(theirs === expected, `server extensions ${theirs}`);
    for (const message of [TEXT, BINARY, "", Buffer.alloc(0)]) {
      const isBinary = Buffer.isBuffer(message);
      ws.send(message, { binary: isBinary });
      const [echo, echoIsBinary] = await recv();
      check(echoIsBinary === isBinary && same(echo, message), `echo of ${message}: ${echo}`);
    }
  } else if (scenario === "fragmented") {
    ws.send(FRAGMENTS[0], { fin: false });
    ws.send(FRAGMENTS[1], { fin: true });
    let [echo, isBinary] = await recv();
    check(!isBinary && echo === FRAGMENTS.join(""), `echo of text fragments: ${echo}`);
    ws.send(Buffer.from(FRAGMENTS[0]), { binary: true, fin: false });
    ws.send(Buffer.from(FRAGMENTS[1]), { binary: true, fin: true });
    [echo, isBinary] = await recv();
    check(isBinary && same(echo, Buffer.from(FRAGMENTS.join(""))), `echo of binary fragments: ${echo}`);
    ws.send("!fragment");
    [echo, isBinary] = await recv();
    check(!isBinary && echo === FRAGMENTS.join(""), `fragmented message ${echo}`);
  } else if (scenario === "large") {
    for (const message of [largeBinary(), largeText()]) {
      const isBinary = Buffer.isBuffer(message);
      ws.send(message, { binary: isBinary });
      const [echo, echoIsBinary] = await recv();
      check(echoIsBinary === isBinary && same(echo, message), `echo of ${message.length} bytes`);
    }
  } else if (scenario === "ping") {
    const serverPing = once(ws, "ping");
    const pong = once(ws, "pong");
    ws.ping(CLIENT_PING);
    const [payload] = await pong;
    check(payload.toString() === CLIENT_PING, `pong payload ${payload}`);
    ws.send("!ping");
    const [[ping]] = await Promise.all([serverPing]);
    check(ping.toString() === SERVER_PING, `ping payload ${ping}`);
    const [reply] = await recv();
    check(reply === "!pong received", `reply to !ping: ${reply}`);
  } else if (scenario === "close-by-client") {
    ws.close(...CLIENT_CLOSE);
  } else if (scenario === "close-by-server") {
    // The server closes the connection.
    ws.send(`!close ${SERVER_CLOSE[0]} ${SERVER_CLOSE[1]}`);
    return;
  }
  if (ws.readyState === WebSocket.OPEN) ws.close(1000);
}

async function runClient(args) {
  const [, uri, compression, scenario] = args;
  const cafile = option(args, "--cafile");
  report(`library ws ${wsVersion} node ${process.version}`);
  const ws = new WebSocket(uri, {
    perMessageDeflate: compression === "deflate",
    maxPayload: MAX_SIZE,
    ...(cafile ? { ca: readFileSync(cafile) } : {}),
  });
  const recv = inbox(ws);
  const closed = once(ws, "close");
  ws.on("error", (error) => check(false, `error ${error}`));
  await once(ws, "open");
  await play(ws, recv, compression, scenario);
  const [code, reason] = await closed;
  report(`closed ${code} ${reason.toString()}`);
  report("ok");
}

const args = process.argv.slice(2);
if (args[0] === "server") runServer(args);
else if (args[0] === "client") await runClient(args);
else check(false, `command ${args[0]}`);
