"""HTTP/1.1 behaviour of the real server over raw sockets: keep-alive,
pipelining, split writes, HEAD, HTTP/1.0, bodies, 100-continue and every
bad input answered with its precise status and a close."""

import socket
import time
import unittest

from ukit import Reader, Server, get, main

BOTH_BACKENDS = True  # tests/run runs this file against ukit-server-epoll too

TEXT = None  # the server's text, learnt from the longest answer


class Http(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("--header-timeout", 5).start()
        global TEXT
        s = cls.server.connect()
        s.sendall(get("/?length=10240"))
        TEXT = Reader(s).response().body
        s.close()

    @classmethod
    def tearDownClass(cls):
        cls.server.check_clean_exit(cls)

    def exchange(self, data, head_request=False):
        s = self.server.connect()
        s.sendall(data)
        r = Reader(s)
        return s, r, r.response(head_request)

    def assert_text(self, resp, n):
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.header("content-type"), "text/plain")
        self.assertEqual(int(resp.header("content-length")), n)
        self.assertEqual(resp.body, TEXT[:n])

    def test_length_parameter(self):
        for query, n in [("", 1024), ("?length=10", 10), ("?length=1", 1), ("?length=0", 1),
                         ("?length=4096", 4096), ("?length=10240", 10240),
                         ("?length=10241", 10240), ("?length=99999999999999999999", 10240),
                         ("?a=1&length=7&b=2", 7), ("?%6cength=%31%32", 12)]:
            with self.subTest(query=query):
                s, _, resp = self.exchange(get("/" + query))
                self.assert_text(resp, n)
                self.assertIn("ukit", resp.header("server"))
                self.assertTrue(resp.header("date").endswith(" GMT"))
                s.close()
        self.assertEqual(len(TEXT), 10240)

    def test_bad_length_is_400(self):
        for query in ["?length=", "?length=-1", "?length=abc", "?length=1x", "?length",
                      "?length=+5"]:
            with self.subTest(query=query):
                s, r, resp = self.exchange(get("/" + query))
                self.assertEqual(resp.status, 400)
                self.assertEqual(resp.header("connection"), "close")
                self.assertTrue(r.closed())
                s.close()

    def test_any_path_and_absolute_form(self):
        for target in ["/some/where?length=5", "http://example.com/x?length=5",
                       "http://example.com:8000?length=5"]:
            with self.subTest(target=target):
                s, _, resp = self.exchange(get(target))
                self.assert_text(resp, 5)
                s.close()

    def test_keep_alive_100_requests(self):
        s = self.server.connect()
        r = Reader(s)
        for i in range(1, 101):
            s.sendall(get(f"/?length={i * 37}"))
            self.assert_text(r.response(), i * 37)
        s.close()

    def test_50_pipelined_in_one_write(self):
        s = self.server.connect()
        s.sendall(b"".join(get(f"/?length={i}") for i in range(1, 51)))
        r = Reader(s)
        for i in range(1, 51):
            self.assert_text(r.response(), i)
        s.close()

    def test_one_byte_writes(self):
        s = self.server.connect()
        data = b"GET /?length=33 HTTP/1.1\r\nHost: x\r\nUser-Agent: bytewise\r\n\r\n"
        for b in data:
            s.send(bytes([b]))
            time.sleep(0.001)
        self.assert_text(Reader(s).response(), 33)
        s.close()

    def test_head(self):
        s = self.server.connect()
        s.sendall(b"HEAD /?length=77 HTTP/1.1\r\nHost: x\r\n\r\n" + get("/?length=3"))
        r = Reader(s)
        head = r.response(head_request=True)
        self.assertEqual(head.status, 200)
        self.assertEqual(head.header("content-length"), "77")
        self.assert_text(r.response(), 3)  # no body bytes came between them
        s.close()

    def test_http10(self):
        s, r, resp = self.exchange(b"GET /?length=5 HTTP/1.0\r\n\r\n")
        self.assert_text(resp, 5)
        self.assertEqual(resp.header("connection"), "close")
        self.assertTrue(r.closed())
        s.close()
        s, r, resp = self.exchange(b"GET /?length=6 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        self.assert_text(resp, 6)
        self.assertEqual(resp.header("connection"), "keep-alive")
        s.sendall(b"GET /?length=7 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        self.assert_text(r.response(), 7)
        s.close()

    def test_connection_close_stops_the_pipeline(self):
        s = self.server.connect()
        s.sendall(get("/?length=1") + get("/?length=2", extra="Connection: close\r\n") +
                  get("/?length=3"))
        r = Reader(s)
        self.assert_text(r.response(), 1)
        last = r.response()
        self.assert_text(last, 2)
        self.assertEqual(last.header("connection"), "close")
        self.assertTrue(r.closed())
        self.assertEqual(r.buf, b"")
        s.close()

    def test_bodies_are_read_and_discarded(self):
        s = self.server.connect()
        r = Reader(s)
        s.sendall(b"POST /?length=4 HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world")
        self.assert_text(r.response(), 4)
        s.sendall(b"PUT /?length=5 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: t\r\n\r\n")
        self.assert_text(r.response(), 5)
        big = b"x" * 300000
        s.sendall(b"POST /?length=6 HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(big))
        s.sendall(big)
        self.assert_text(r.response(), 6)
        s.sendall(get("/?length=8"))
        self.assert_text(r.response(), 8)
        s.close()

    def test_expect_100_continue(self):
        s = self.server.connect()
        r = Reader(s)
        s.sendall(b"POST /?length=9 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                  b"Expect: 100-continue\r\n\r\n")
        interim = r.response()
        self.assertEqual(interim.status, 100)
        s.sendall(b"data")
        self.assert_text(r.response(), 9)
        s.close()
        s, r, resp = self.exchange(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                                   b"Expect: something-else\r\n\r\n")
        self.assertEqual(resp.status, 417)
        s.close()

    def test_methods(self):
        for method, status in [("DELETE", 405), ("OPTIONS", 405), ("PATCH", 405),
                               ("TRACE", 405), ("PROPFIND", 501), ("FOO", 501), ("get", 501)]:
            with self.subTest(method=method):
                s, r, resp = self.exchange(f"{method} / HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                self.assertEqual(resp.status, status)
                if status == 405:
                    self.assertEqual(resp.header("allow"), "GET, HEAD, POST, PUT")
                self.assertTrue(r.closed())
                s.close()

    def test_bad_input_precise_status_then_close(self):
        long_header = b"X-Long: " + b"a" * 9000 + b"\r\n"
        many_headers = b"".join(b"X-%d: 1\r\n" % i for i in range(150))
        cases = [
            ("malformed request line", b"GET\r\n\r\n", 400),
            ("garbage", b"\x01\x02\x03 / HTTP/1.1\r\n\r\n", 400),
            ("missing host", b"GET / HTTP/1.1\r\n\r\n", 400),
            ("two hosts", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
            ("space before colon", b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
            ("obs-fold", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  2\r\n\r\n", 400),
            ("NUL in value", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400),
            ("control char", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x07b\r\n\r\n", 400),
            ("CL and TE", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
            ("differing CL", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                             b"Content-Length: 4\r\n\r\nabcd", 400),
            ("signed CL", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -3\r\n\r\n", 400),
            ("non-numeric CL", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3a\r\n\r\n", 400),
            ("bad chunk size", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                               b"\r\nzz\r\n", 400),
            ("TE not chunked last", b"POST / HTTP/1.1\r\nHost: x\r\n"
                                    b"Transfer-Encoding: chunked, gzip\r\n\r\n", 400),
            ("header too large", b"GET / HTTP/1.1\r\nHost: x\r\n" + long_header + b"\r\n", 431),
            ("too many headers", b"GET / HTTP/1.1\r\nHost: x\r\n" + many_headers + b"\r\n", 431),
            ("target too long", b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
            ("body too large", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n",
             413),
            ("HTTP/2.0", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
            ("HTTP/3.0", b"GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505),
            ("h2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
        ]
        for name, data, status in cases:
            with self.subTest(name):
                s, r, resp = self.exchange(data)
                self.assertEqual(resp.status, status, resp)
                self.assertEqual(resp.header("connection"), "close")
                self.assertTrue(r.closed(), "the connection stays open")
                s.close()
        # and the server still serves everyone else
        s, _, resp = self.exchange(get("/?length=3"))
        self.assert_text(resp, 3)
        s.close()

    def test_error_answer_survives_unread_input(self):
        """A client still sending after a 413 gets its answer, not a reset:
        the server closes lingering, reading until the client is done."""
        s = self.server.connect()
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n")
        s.sendall(b"y" * 200000)
        r = Reader(s)
        self.assertEqual(r.response().status, 413)
        s.close()

    def test_1000_short_connections(self):
        for i in range(1000):
            s = socket.create_connection(("127.0.0.1", self.server.port))
            s.sendall(get("/?length=2", extra="Connection: close\r\n"))
            r = Reader(s)
            self.assertEqual(r.response().body, TEXT[:2])
            s.close()


if __name__ == "__main__":
    main()
