"""GET /metrics on the server: Prometheus text whose counters, summed over
threads, match what the test did."""

import re
import time
import unittest

from ukit import EPOLL, Reader, Server, get, main

BOTH_BACKENDS = True  # tests/run runs this file against ukit-server-epoll too


def scrape(server):
    s = server.connect()
    s.sendall(get("/metrics"))
    resp = Reader(s).response()
    s.close()
    return resp


def totals(text):
    """{(name, frozenset(labels except thread)): sum over threads}"""
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        m = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\d+)", line)
        assert m, f"not exposition format: {line!r}"
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        labels.pop("thread", None)
        key = (m.group(1), frozenset(labels.items()))
        out[key] = out.get(key, 0) + int(m.group(3))
    return out


class Metrics(unittest.TestCase):
    def setUp(self):
        self.server = Server().start()

    def tearDown(self):
        self.server.check_clean_exit()

    def test_counters_match_what_clients_did(self):
        time.sleep(0.2)  # let every worker account for the start-up probe connection
        before = totals(scrape(self.server).body.decode())
        s = self.server.connect()
        r = Reader(s)
        for i in range(1, 11):
            s.sendall(get(f"/?length={i * 100}"))
            r.response()
        s.sendall(get("/?length=x"))  # 400, then the server closes
        self.assertEqual(r.response().status, 400)
        self.assertTrue(r.closed())
        s.close()
        resp = scrape(self.server)
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.header("content-type"), "text/plain; version=0.0.4")
        after = totals(resp.body.decode())

        def delta(name, **labels):
            key = (name, frozenset(labels.items()))
            return after.get(key, 0) - before.get(key, 0)

        self.assertEqual(delta("ukit_requests_total"), 11 + 1)  # and the scrape
        self.assertEqual(delta("ukit_responses_total", code="200"), 10 + 1)
        self.assertEqual(delta("ukit_responses_total", code="400"), 1)
        self.assertEqual(delta("ukit_connections_accepted_total"), 2)
        self.assertEqual(delta("ukit_connections_closed_total", reason="server"), 1)
        self.assertGreaterEqual(delta("ukit_sent_bytes_total"), sum(i * 100 for i in range(1, 11)))
        self.assertEqual(after[("ukit_info", frozenset({
            ("version", "0.1.0"), ("loop", "epoll" if EPOLL else "io_uring"),
            ("threads", "2"), ("rings", "2")}))], 1)

    def test_methods_and_head(self):
        s = self.server.connect()
        s.sendall(b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        head = Reader(s).response(head_request=True)
        self.assertEqual(head.status, 200)
        self.assertGreater(int(head.header("content-length")), 100)
        s.sendall(b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        resp = Reader(s).response()
        self.assertEqual(resp.status, 405)
        self.assertEqual(resp.header("allow"), "GET, HEAD")
        s.close()

    def test_pipelined_scrapes(self):
        s = self.server.connect()
        s.sendall(get("/metrics") * 3)
        r = Reader(s)
        pages = [r.response() for _ in range(3)]
        self.assertEqual([p.status for p in pages], [200, 200, 200])
        for p in pages:
            totals(p.body.decode())
        s.close()


if __name__ == "__main__":
    main()
