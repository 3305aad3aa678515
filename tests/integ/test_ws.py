"""/ws/echo (RFC 6455) against the real server over raw sockets: the
handshake and its refusals, echo of every message shape, ping/pong, the
close handshake, and each protocol error closing with its code while other
connections are served."""

import signal
import time
import unittest

from ukit import Reader, Server, get, main
from wsclient import (BINARY, CLOSE, CONT, PING, PONG, TEXT, WS, close_payload, frame,
                      upgrade_request)

BOTH_BACKENDS = True  # tests/run runs this file against ukit-server-epoll too


class WebSocket(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("--max-ws-message", 100000).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.check_clean_exit()

    def ws(self):
        return WS(self.server)

    def test_handshake(self):
        ws = self.ws()
        self.assertEqual(ws.response.header("upgrade").lower(), "websocket")
        self.assertEqual(ws.response.header("connection").lower(), "upgrade")
        self.assertIsNone(ws.response.header("content-length"))
        ws.close()

    def test_refused_handshakes(self):
        key = "dGhlIHNhbXBsZSBub25jZQ=="
        cases = [
            ("version 8", upgrade_request(key=key, version="8")[1], 426),
            ("no version", upgrade_request(key=key)[1].replace(b"Sec-WebSocket-Version: 13\r\n",
                                                               b""), 426),
            ("bad key", upgrade_request(key="short")[1], 400),
            ("no key", upgrade_request(key=key)[1].replace(b"Sec-WebSocket-Key: " +
                                                           key.encode() + b"\r\n", b""), 400),
            ("two keys", upgrade_request(key=key, extra=f"Sec-WebSocket-Key: {key}\r\n")[1], 400),
            ("no Connection: upgrade",
             upgrade_request(key=key)[1].replace(b"Connection: Upgrade", b"Connection: x"), 400),
            ("POST", upgrade_request(key=key)[1].replace(b"GET", b"POST", 1), 400),
            ("HTTP/1.0", upgrade_request(key=key)[1].replace(b"HTTP/1.1", b"HTTP/1.0", 1), 400),
            ("plain GET", get("/ws/echo"), 426),
        ]
        for name, req, status in cases:
            with self.subTest(name):
                s = self.server.connect()
                s.sendall(req)
                r = Reader(s)
                resp = r.response()
                self.assertEqual(resp.status, status, resp)
                if status == 426:
                    self.assertEqual(resp.header("sec-websocket-version"), "13")
                self.assertTrue(r.closed())
                s.close()

    def test_other_paths_ignore_upgrade(self):
        s = self.server.connect()
        s.sendall(upgrade_request(path="/?length=5")[1])
        r = Reader(s)
        resp = r.response()
        self.assertEqual((resp.status, len(resp.body)), (200, 5))
        s.sendall(get("/?length=6"))  # still HTTP
        self.assertEqual(len(r.response().body), 6)
        s.close()

    def test_echo_shapes(self):
        ws = self.ws()
        for op, payload in [(TEXT, b"hello"), (BINARY, bytes(range(256))), (TEXT, b""),
                            (TEXT, "h\u00e9llo \u2603 \U0001F600".encode()),
                            (BINARY, b"x" * 125), (BINARY, b"y" * 126), (BINARY, b"z" * 65535),
                            (BINARY, b"w" * 65536), (TEXT, b"a" * 99999)]:
            with self.subTest(op=op, n=len(payload)):
                ws.send(op, payload)
                self.assertEqual(ws.recv_message(), (op, payload))
        ws.close()

    def test_fragmented_with_interleaved_ping(self):
        ws = self.ws()
        ws.send(TEXT, b"frag", fin=False)
        ws.send(PING, b"in the middle")
        ws.send(CONT, "m\u00e9".encode()[:2], fin=False)  # a code point split over fragments
        ws.send(CONT, "m\u00e9".encode()[2:] + b"nt")
        frames = [ws.recv_frame() for _ in range(4)]
        pong = [f for f in frames if f[1] == PONG]
        self.assertEqual(pong, [(True, PONG, b"in the middle")])
        data = b"".join(f[2] for f in frames if f[1] != PONG)
        self.assertEqual(data, "fragm\u00e9nt".encode())
        ws.close()

    def test_one_byte_writes(self):
        ws = self.ws()
        for b in frame(TEXT, b"slowly"):
            ws.sock.send(bytes([b]))
        self.assertEqual(ws.recv_message(), (TEXT, b"slowly"))
        ws.close()

    def test_pipelined_after_handshake(self):
        s = self.server.connect()
        key, req = upgrade_request()
        s.sendall(req + frame(TEXT, b"right behind") + frame(BINARY, b"\x00\x01"))
        r = Reader(s)
        self.assertEqual(r.response(head_request=True).status, 101)
        ws = WS.__new__(WS)
        ws.sock, ws.reader = s, r
        self.assertEqual(ws.recv_message(), (TEXT, b"right behind"))
        self.assertEqual(ws.recv_message(), (BINARY, b"\x00\x01"))
        s.close()

    def test_ping_pong_and_pong_ignored(self):
        ws = self.ws()
        ws.send(PONG, b"unsolicited")
        ws.send(PING, b"p" * 125)
        self.assertEqual(ws.recv_frame(), (True, PONG, b"p" * 125))
        ws.close()

    def test_close_handshake_echoes_the_code(self):
        for payload, code in [(close_payload(1000), 1000), (close_payload(4000, b"bye"), 4000),
                              (b"", None)]:
            with self.subTest(code=code):
                ws = self.ws()
                ws.send(CLOSE, payload)
                fin, op, data = ws.recv_frame()
                self.assertEqual(op, CLOSE)
                self.assertEqual(data[:2], payload[:2])
                self.assertTrue(ws.reader.closed())
                ws.close()

    def test_protocol_errors_close_with_their_code(self):
        cases = [
            ("unmasked", frame(TEXT, b"hi", mask=False), 1002),
            ("rsv bit", frame(TEXT, b"hi", rsv=4), 1002),
            ("reserved opcode", frame(3, b"hi"), 1002),
            ("reserved control opcode", frame(0xB, b""), 1002),
            ("control > 125", frame(PING, b"x" * 126), 1002),
            ("fragmented control", frame(PING, b"x", fin=False), 1002),
            ("continuation first", frame(CONT, b"x"), 1002),
            ("new message mid-fragments", frame(TEXT, b"a", fin=False) + frame(TEXT, b"b"), 1002),
            ("close of one byte", frame(CLOSE, b"\x03"), 1002),
            ("close code 1005", frame(CLOSE, close_payload(1005)), 1002),
            ("invalid UTF-8", frame(TEXT, b"\xff\xfe"), 1007),
            ("UTF-8 cut at message end", frame(TEXT, "\u00e9".encode()[:1]), 1007),
            ("invalid UTF-8 close reason", frame(CLOSE, close_payload(1000, b"\xc3")), 1007),
            ("too big", frame(BINARY, b"x" * 100001), 1009),
            ("too big in fragments", frame(BINARY, b"x" * 60000, fin=False) +
             frame(CONT, b"x" * 60000), 1009),
        ]
        for name, data, code in cases:
            with self.subTest(name):
                ws = self.ws()
                ws.sock.sendall(data)
                # data frames before the failure may be echoed first
                while True:
                    fin, op, payload = ws.recv_frame()
                    if op == CLOSE:
                        break
                self.assertEqual(int.from_bytes(payload[:2], "big"), code, name)
                self.assertTrue(ws.reader.closed())
                ws.close()
        ws = self.ws()  # the server still serves others
        ws.send(TEXT, b"still here")
        self.assertEqual(ws.recv_message(), (TEXT, b"still here"))
        ws.close()

    def test_metrics_count_websocket_traffic(self):
        srv = Server().start()
        try:
            ws = WS(srv)
            for i in range(3):
                ws.send(TEXT, b"m%d" % i)
                ws.recv_message()
            ws.send(PING, b"p")
            ws.recv_frame()
            ws.send(TEXT, b"\xff")  # 1007
            self.assertTrue(ws.expect_close(1007))
            ws.close()
            s = srv.connect()
            s.sendall(get("/metrics"))
            text = Reader(s).response().body.decode()
            s.close()

            def total(metric, label=""):
                return sum(int(l.rsplit(" ", 1)[1]) for l in text.splitlines()
                           if l.startswith(metric + "{") and label in l)
            self.assertEqual(total("ukit_ws_upgrades_total"), 1)
            self.assertEqual(total("ukit_ws_messages_total"), 3)
            self.assertEqual(total("ukit_ws_pings_received_total"), 1)
            self.assertEqual(total("ukit_ws_closes_sent_total", 'code="1007"'), 1)
            self.assertEqual(total("ukit_ws_open"), 0)
        finally:
            srv.check_clean_exit()

    def test_http_idle_timeout_does_not_apply(self):
        srv = Server("--idle-timeout", 1, "--ws-idle-timeout", 60).start()
        try:
            ws = WS(srv)
            time.sleep(2.5)
            ws.send(TEXT, b"alive")
            self.assertEqual(ws.recv_message(), (TEXT, b"alive"))
            ws.close()
        finally:
            srv.check_clean_exit()

    def test_silent_peer_is_pinged_then_closed(self):
        srv = Server("--ws-idle-timeout", 4).start()
        try:
            ws = WS(srv)
            t0 = time.monotonic()
            self.assertEqual(ws.recv_frame(), (True, PING, b""))
            self.assertGreater(time.monotonic() - t0, 1)
            ws.send(PONG)  # a sign of life: the next ping comes later again
            self.assertEqual(ws.recv_frame(), (True, PING, b""))
            self.assertTrue(ws.expect_close(1001))  # and now silence: closed
            self.assertLess(time.monotonic() - t0, 12)
            ws.close()
        finally:
            srv.check_clean_exit()

    def test_shutdown_sends_going_away(self):
        srv = Server().start()
        ws = WS(srv)
        ws.send(TEXT, b"x")
        ws.recv_message()
        srv.proc.send_signal(signal.SIGTERM)
        self.assertTrue(ws.expect_close(1001))
        ws.close()
        self.assertEqual(srv.stop(sig=None), 0, srv.stderr)


if __name__ == "__main__":
    main()
