"""A minimal raw WebSocket client for the integration tests: it sends exactly
the frames a test asks for (also malformed ones) and reads frames back."""

import base64
import hashlib
import os
import struct

from ukit import Reader

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE, PING, PONG, CONT = 1, 2, 8, 9, 10, 0


def upgrade_request(path="/ws/echo", key=None, version="13", extra=""):
    key = key or base64.b64encode(os.urandom(16)).decode()
    return key, (f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                 f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                 f"Sec-WebSocket-Version: {version}\r\n{extra}\r\n").encode()


def accept_for(key):
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def frame(opcode, payload=b"", fin=True, mask=True, rsv=0, length=None):
    """A frame as a client sends it (masked unless told otherwise)."""
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | rsv << 4 | opcode])
    m = 0x80 if mask else 0
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack(">H", n)
    else:
        head += bytes([m | 127]) + struct.pack(">Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def close_payload(code, reason=b""):
    return struct.pack(">H", code) + reason


class WS:
    """A connection upgraded on a ukit server."""

    def __init__(self, server, path="/ws/echo"):
        self.sock = server.connect()
        key, req = upgrade_request(path)
        self.sock.sendall(req)
        self.reader = Reader(self.sock)
        resp = self.reader.response(head_request=True)
        assert resp.status == 101, resp
        assert resp.header("sec-websocket-accept") == accept_for(key), resp
        self.response = resp

    def send(self, opcode, payload=b"", **kw):
        self.sock.sendall(frame(opcode, payload, **kw))

    def recv_frame(self):
        """(fin, opcode, payload) of the next server frame; servers do not mask."""
        b0, b1 = self.reader.read_exact(2)
        assert not b1 & 0x80, "the server masked a frame"
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", self.reader.read_exact(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self.reader.read_exact(8))[0]
        return bool(b0 & 0x80), b0 & 0x0F, self.reader.read_exact(n)

    def recv_message(self):
        """(opcode, payload) of the next data message, fragments joined."""
        fin, op, data = self.recv_frame()
        while not fin:
            fin, cont, more = self.recv_frame()
            assert cont == CONT
            data += more
        return op, data

    def expect_close(self, code):
        fin, op, data = self.recv_frame()
        assert op == CLOSE, (op, data)
        got = struct.unpack(">H", data[:2])[0] if data else None
        assert got == code, f"close code {got}, expected {code}"
        return self.reader.closed()

    def close(self):
        self.sock.close()
