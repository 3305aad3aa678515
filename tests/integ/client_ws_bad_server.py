"""A deliberately bad WebSocket server for ukit-client's WebSocket fault tests.

    client_ws_bad_server.py MODE PORT

Every connection is served in MODE:

  good             a correct echo server (pings answered, messages echoed)
  refuse           answers the upgrade with 400
  bad_accept       101 with a wrong Sec-WebSocket-Accept
  no_upgrade       101 without Upgrade: websocket
  extension        101 with a Sec-WebSocket-Extensions nobody asked for
  garbage          not HTTP at all
  close_1002       upgrades, then sends a close frame with 1002 (in the same write)
  close_1007       upgrades, waits a little, then sends a close frame with 1007
  masked           upgrades, then sends a masked frame (a protocol error)
  bad_utf8         upgrades, then sends a text message that is not UTF-8
  corrupt_echo     echoes messages with one byte changed, and pongs correctly
  no_pong          upgrades, then ignores everything
  server_ping      pings the client every 0.2 s and checks each pong's payload
                   (a wrong one is closed with 4001); echoes otherwise
  unsolicited      echoes, and sends an unasked pong every 0.2 s

Runs until SIGTERM."""

import asyncio
import base64
import hashlib
import os
import signal
import struct
import sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE, PING, PONG, CONT = 1, 2, 8, 9, 10, 0


def accept_for(key):
    return base64.b64encode(hashlib.sha1(key + GUID).digest())


def frame(opcode, payload=b"", fin=True, mask=None):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack(">H", n)
    else:
        head += bytes([m | 127]) + struct.pack(">Q", n)
    if mask:
        return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + payload


def close_frame(code):
    return frame(CLOSE, struct.pack(">H", code))


async def read_frame(reader):
    """(fin, opcode, payload) of a client frame, unmasked."""
    b0, b1 = await reader.readexactly(2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack(">H", await reader.readexactly(2))[0]
    elif n == 127:
        n = struct.unpack(">Q", await reader.readexactly(8))[0]
    key = await reader.readexactly(4) if b1 & 0x80 else b"\0\0\0\0"
    data = await reader.readexactly(n)
    return bool(b0 & 0x80), b0 & 0x0F, bytes(b ^ key[i % 4] for i, b in enumerate(data))


def head_101(key, extra=b"", upgrade=True, accept=None):
    return (b"HTTP/1.1 101 Switching Protocols\r\n" +
            (b"Upgrade: websocket\r\n" if upgrade else b"") +
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + (accept or accept_for(key)) +
            b"\r\n" + extra + b"\r\n")


async def echo_loop(mode, reader, writer, state):
    """Answers pings and echoes messages (as one frame each) until a close."""
    message, op = b"", None
    while True:
        fin, opcode, data = await read_frame(reader)
        if opcode == PING:
            writer.write(frame(PONG, data))
        elif opcode == PONG:
            if state.get("expect") is not None:
                if data != state["expect"]:
                    writer.write(close_frame(4001))
                    await writer.drain()
                    return
                state["expect"] = None
        elif opcode == CLOSE:
            writer.write(frame(CLOSE, data))
            await writer.drain()
            return
        else:
            if opcode != CONT:
                op = opcode
            message += data
            if fin:
                if mode == "corrupt_echo":
                    message = message[:-1] + bytes([message[-1] ^ 1])
                writer.write(frame(op, message))
                message = b""
        await writer.drain()


async def ticker(mode, writer, state):
    """server_ping: a ping every 0.2 s; unsolicited: a pong every 0.2 s."""
    n = 0
    while True:
        await asyncio.sleep(0.2)
        n += 1
        if mode == "server_ping":
            payload = b"srv-%d" % n
            state["expect"] = payload
            writer.write(frame(PING, payload))
        else:
            writer.write(frame(PONG, b"nobody asked %d" % n))
        await writer.drain()


async def serve(mode, reader, writer):
    tick = None
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        key = b""
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"sec-websocket-key:"):
                key = line.split(b":", 1)[1].strip()
        if mode == "refuse":
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")
            await writer.drain()
            return
        if mode == "garbage":
            writer.write(b"garbage, not HTTP\r\n\r\n")
            await writer.drain()
            return
        if mode == "bad_accept":
            writer.write(head_101(key, accept=accept_for(key + b"x")))
        elif mode == "no_upgrade":
            writer.write(head_101(key, upgrade=False))
        elif mode == "extension":
            writer.write(head_101(key, extra=b"Sec-WebSocket-Extensions: permessage-deflate\r\n"))
        elif mode == "close_1002":
            writer.write(head_101(key) + close_frame(1002))  # one write: one segment
        else:
            writer.write(head_101(key))
        await writer.drain()
        if mode in ("bad_accept", "no_upgrade", "extension"):
            await asyncio.sleep(5)  # the client must close, not wait
            return
        if mode == "close_1007":
            await asyncio.sleep(0.1)
            writer.write(close_frame(1007))
        elif mode == "masked":
            writer.write(frame(BINARY, b"masked", mask=os.urandom(4)))
        elif mode == "bad_utf8":
            writer.write(frame(TEXT, b"ok \xc3\x28 not utf-8"))
        elif mode == "no_pong":
            await asyncio.sleep(3600)
        if mode in ("close_1002", "close_1007", "masked", "bad_utf8"):
            await writer.drain()
            # the client answers with a close frame, then closes
            while True:
                fin, opcode, data = await read_frame(reader)
                if opcode == CLOSE:
                    return
        state = {"expect": None}
        if mode in ("server_ping", "unsolicited"):
            tick = asyncio.ensure_future(ticker(mode, writer, state))
        await echo_loop(mode, reader, writer, state)
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError,
            asyncio.LimitOverrunError):
        pass
    finally:
        if tick:
            tick.cancel()
        writer.close()


async def main(mode, port):
    server = await asyncio.start_server(lambda r, w: serve(mode, r, w), "127.0.0.1", port,
                                        backlog=4096)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
