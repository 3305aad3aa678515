"""A deliberately bad HTTP server for ukit-client's fault tests.

    client_bad_server.py MODE PORT

Every connection is served in MODE: good, wrong_length, bad_body, status_500,
early_close, stall, garbage, reset, idle_close, announced_close. Bodies are
prefixes of ukit's text and responses say Server: ukit, so the client checks
them strictly. Runs until SIGTERM."""

import asyncio
import signal
import socket
import struct
import sys

SENTENCE = (b"ukit is an io_uring HTTP server and load client written in C, "
            b"holding huge numbers of keep-alive connections on a small machine. ")
TEXT = (SENTENCE * (10240 // len(SENTENCE) + 1))[:10240]


def asked_length(head):
    target = head.split(b" ", 2)[1]
    for part in target.split(b"?", 1)[-1].split(b"&"):
        if part.startswith(b"length="):
            return int(part[7:])
    return 1024


def response(n, body=None, status=b"200 OK", extra=b""):
    body = TEXT[:n] if body is None else body
    return (b"HTTP/1.1 " + status + b"\r\nServer: ukit\r\nContent-Length: " +
            str(len(body)).encode() + b"\r\n" + extra + b"\r\n" + body)


async def serve(mode, reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            n = asked_length(head)
            if mode == "good":
                writer.write(response(n))
            elif mode == "wrong_length":
                writer.write(response(n, TEXT[:n + 1]))
            elif mode == "bad_body":
                writer.write(response(n, b"x" * n))
            elif mode == "status_500":
                writer.write(response(n, status=b"500 Internal Server Error"))
            elif mode == "early_close":
                writer.write(response(n)[:-max(1, n // 2)])
                await writer.drain()
                break
            elif mode == "stall":
                await asyncio.sleep(3600)
            elif mode == "garbage":
                writer.write(b"garbage, not HTTP\r\n\r\n")
            elif mode == "reset":
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                break
            elif mode == "idle_close":
                writer.write(response(n))
                await writer.drain()
                break
            elif mode == "announced_close":
                writer.write(response(n, extra=b"Connection: close\r\n"))
                await writer.drain()
                break
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
        pass
    finally:
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
