"""ukit-client in WebSocket mode against ukit-server on loopback: 2,000
WebSockets pinged every second (every ping answered, zero errors, pong
latencies present), messages whose echoes are verified (binary, text, and
larger than the server's frames), SIGINT, CSV rows and bad command lines."""

import os
import tempfile
import unittest

import client_run
import ukit
from client_run import check_clean


def check_ws_accounting(testcase, j):
    """Every ping is answered or counted lost; every message is echoed intact,
    counted as a mismatch, or lost; every WebSocket opened is open or closed."""
    ws = j["ws"]
    testcase.assertEqual(ws["pings"], ws["pongs"] + ws["pings_unanswered"], j)
    testcase.assertEqual(ws["messages"], ws["echoes"] + j["errors_by_kind"]["echo_mismatch"] +
                         ws["messages_unanswered"], j)
    testcase.assertEqual(j["connects"], j["open_at_end"] + sum(j["closes_by_reason"].values()), j)
    testcase.assertEqual(j["connects"], ws["handshakes"], j)
    testcase.assertEqual(j["latency_ms"]["count"], ws["pongs"], j)
    testcase.assertEqual(ws["echo_latency_ms"]["count"], ws["echoes"], j)


class WebSocketAgainstUkit(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ukit.Server("--quiet", "--max-conns", 10000).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.check_clean_exit()

    def url(self):
        return f"ws://127.0.0.1:{self.server.port}/ws/echo"

    def test_2000_websockets_pinged(self):
        res = client_run.run("-c", 2000, "--ping", 1, "--duration", 4, "--json", self.url())
        check_clean(self, res)
        j = res.json
        self.assertEqual(j["mode"], "websocket", res)
        self.assertEqual(j["errors"], 0, res)
        self.assertEqual(j["connects"], 2000, res)
        self.assertEqual(j["peak_concurrency"], 2000, res)
        self.assertEqual(j["open_at_end"], 2000, res)
        ws = j["ws"]
        # each connection pings about once a second, from a random first offset
        # rates are not what this checks: floors hold for ASan on a busy machine
        self.assertGreater(ws["pings"], 2000, res)
        self.assertLessEqual(ws["pings"], 2000 * 4 + 100, res)
        # every ping answered: no pong timed out (errors: 0), and the run
        # ends by awaiting the pongs of the last pings (0 unanswered unless
        # the machine stalls the end for seconds: at most one per connection)
        self.assertLessEqual(ws["pings_unanswered"], 2000, res)
        self.assertEqual(ws["pongs"], ws["pings"] - ws["pings_unanswered"], res)
        self.assertEqual(ws["pongs_unsolicited"], 0, res)
        lat = j["latency_ms"]
        self.assertEqual(lat["count"], ws["pongs"], res)
        self.assertGreater(lat["p50"], 0, res)
        self.assertLessEqual(lat["p50"], lat["p99"], res)
        self.assertEqual(ws["closes_received"], {k: 0 for k in ws["closes_received"]}, res)
        check_ws_accounting(self, j)
        lines = [l for l in res.err.splitlines() if l.startswith("time ")]
        self.assertGreaterEqual(len(lines), 3, res)
        self.assertRegex(lines[-1], r"^time \d+s, connections: 2000, connecting: 0, new "
                         r"connections: \d+/s, pings: \d+/s, messages: 0/s, errors: 0, pong "
                         r"latency p50 [\d.]+ms p99 [\d.]+ms p99.9 [\d.]+ms, sources: 1$")

    def test_binary_messages_echoed(self):
        res = client_run.run("-c", 200, "--ping", 1, "--message-size", 3000, "--message-every",
                             0.3, "--duration", 3, "--json", self.url())
        check_clean(self, res)
        j = res.json
        self.assertEqual(j["errors"], 0, res)
        ws = j["ws"]
        self.assertGreater(ws["messages"], 200, res)  # ~2,000 when the machine is idle
        self.assertEqual(ws["echoes"], ws["messages"] - ws["messages_unanswered"], res)
        self.assertLessEqual(ws["messages_unanswered"], 200, res)  # in flight at the end
        self.assertGreater(ws["echo_latency_ms"]["p50"], 0, res)
        # both directions carried the messages
        self.assertGreater(j["bytes_out"], ws["messages"] * 3000, res)
        self.assertGreater(j["bytes_in"], ws["echoes"] * 3000, res)
        check_ws_accounting(self, j)
        self.assertRegex(res.err, r"messages: \d+/s, errors: 0, pong latency p50 [\d.]+ms p99 "
                         r"[\d.]+ms p99.9 [\d.]+ms, echo latency p50 [\d.]+ms")

    def test_large_text_messages_echoed_in_other_frames(self):
        # the server echoes each piece as it arrives: the echo comes back in
        # frames of other sizes than the message's, and is checked across them
        res = client_run.run("-c", 10, "--ping", 1, "--message-size", 300000, "--text",
                             "--message-every", 0.2, "--duration", 3, "--json", self.url())
        check_clean(self, res)
        j = res.json
        self.assertEqual(j["errors"], 0, res)
        self.assertGreater(j["ws"]["echoes"], 10, res)  # ~150 when the machine is idle
        check_ws_accounting(self, j)

    def test_rate_ramps(self):
        res = client_run.run("-c", 300, "--rate", 200, "--ping", 1, "--duration", 3, "--json",
                             self.url())
        check_clean(self, res)
        j = res.json
        self.assertEqual(j["errors"], 0, res)
        self.assertEqual(j["open_at_end"], 300, res)
        self.assertLessEqual(j["peak_connects_per_s"], 260, res)

    def test_sigint_prints_the_summary(self):
        res = client_run.run_interrupted("-c", 50, "--ping", 1, "--duration", 60, self.url(),
                                         after=2.5)
        check_clean(self, res)
        self.assertIn("(interrupted)", res.out)
        self.assertIn("errors: 0", res.out)
        self.assertIn("websockets: 50 opened", res.out)

    def test_csv_rows(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "run.csv")
            res = client_run.run("-c", 20, "--ping", 1, "--duration", 3, "--quiet", "--out",
                                 path, self.url())
            check_clean(self, res)
            with open(path) as f:
                rows = [r.split(",") for r in f.read().splitlines()]
        self.assertEqual(len(rows), 4, rows)
        row = dict(zip(rows[0], rows[-1]))
        # all 20 open, or (a SYN dropped by a loaded machine waits 1 s, 3 s
        # to be resent) still connecting: none lost
        self.assertEqual(int(row["concurrency"]) + int(row["connecting"]), 20, row)
        self.assertEqual(row["wanted"], "20", row)
        self.assertGreater(int(row["pongs_total"]), 10, row)
        self.assertEqual(row["err_ws_status"], "0", row)

    def test_http_url_with_mode_ws(self):
        res = client_run.run("--mode", "ws", "-c", 5, "--ping", 0.5, "--duration", 2, "--json",
                             f"http://127.0.0.1:{self.server.port}/ws/echo")
        check_clean(self, res)
        self.assertEqual(res.json["errors"], 0, res)
        self.assertEqual(res.json["ws"]["handshakes"], 5, res)

    def test_wrong_path_is_refused(self):
        # a plain path is HTTP on ukit: the upgrade gets 200, not 101
        res = client_run.run("-c", 3, "--duration", 2, "--json",
                             f"ws://127.0.0.1:{self.server.port}/")
        check_clean(self, res)
        j = res.json
        self.assertGreaterEqual(j["errors_by_kind"]["ws_status"], 3, res)
        self.assertEqual(j["connects"], 0, res)
        self.assertLessEqual(j["errors_by_kind"]["ws_status"], 9, res)  # backed off


class BadCommandLines(unittest.TestCase):
    def test_one_line_and_exit_2(self):
        port = ukit.free_port()
        ws = f"ws://127.0.0.1:{port}/ws/echo"
        http = f"http://127.0.0.1:{port}/"
        for args in (["wss://127.0.0.1/"], ["--ping", "1", http], ["--text", http],
                     ["--idle", "0-1", ws], ["--closed-loop", ws], ["--mode", "http", ws],
                     ["--mode", "gopher", ws], ["--ping", "0", ws], ["--ping", "1.0001", ws],
                     ["--ping", "x", ws], ["--message-size", "0", ws],
                     ["--message-size", str(2 << 20), ws], ["--message-every", "1", ws],
                     ["-c", "0", ws], ["-c", "10", "--capacity", "5", ws],
                     ["--control", "0", ws], ["--metrics-port", "70000", ws],
                     ["--metrics-host", "", ws]):
            res = client_run.run(*args, timeout=10)
            self.assertEqual(res.code, 2, (args, res))
            self.assertEqual(len(res.err.strip().splitlines()), 1, (args, res))
            self.assertTrue(res.err.startswith("ukit-client: "), (args, res))
            self.assertEqual(res.out, "", (args, res))

    def test_help(self):
        res = client_run.run("--help", timeout=10)
        self.assertEqual(res.code, 0)
        for flag in ("--mode", "--ping", "--message-size", "--control", "--metrics-port",
                     "--metrics-host", "--capacity", "--linger"):
            self.assertIn(flag, res.out)


if __name__ == "__main__":
    ukit.main()
