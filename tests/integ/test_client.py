"""ukit-client against ukit-server on loopback: the scenario with 2,000
connections (every request accounted for, zero errors), throughput mode,
--connection-close, SIGINT, CSV output and bad command lines."""

import os
import tempfile
import unittest

import client_run
import ukit
from client_run import check_accounting, check_clean


class ClientAgainstUkit(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ukit.Server("--quiet", "--max-conns", 10000).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def url(self):
        return f"http://127.0.0.1:{self.server.port}/"

    def test_scenario_2000_connections(self):
        res = client_run.run("-c", 2000, "--idle", "0-1", "--duration", 4, "--json", self.url())
        check_clean(self, res)
        j = res.json
        self.assertEqual(j["errors"], 0, res)
        self.assertEqual(j["peak_concurrency"], 2000, res)
        self.assertEqual(j["connects"], 2000, res)
        self.assertEqual(j["open_at_end"], 2000, res)
        self.assertGreater(j["responses"], 2000, res)
        self.assertEqual(j["responses"], j["ok"], res)
        check_accounting(self, j)
        # progress lines went to stderr, in the seed's shape
        lines = [l for l in res.err.splitlines() if l.startswith("time ")]
        self.assertGreaterEqual(len(lines), 3, res)
        self.assertRegex(lines[-1], r"^time \d+s, concurrency: 2000, total requests: \d+, "
                         r"throughput: [\d.]+M/s, [\d.]+ requests/seconds, new connections: "
                         r"\d+/s, errors: 0, latency p50 [\d.]+ms p99 [\d.]+ms p99.9 [\d.]+ms, "
                         r"sources: 1")

    def test_spread_over_source_addresses(self):
        res = client_run.run("-c", 600, "--per-source", 100, "--idle", "0-1", "--duration", 2,
                             "--json", self.url())
        check_clean(self, res)
        self.assertEqual(res.json["sources"], 6, res)
        self.assertEqual(res.json["errors"], 0, res)
        self.assertEqual(res.json["peak_concurrency"], 600, res)

    def test_throughput_pipelined(self):
        res = client_run.run("-c", 20, "--closed-loop", "--pipeline", 4, "--length", "64-2048",
                             "--duration", 2, "--json", self.url())
        check_clean(self, res)
        j = res.json
        self.assertEqual(j["errors"], 0, res)
        self.assertGreater(j["responses"], 2000, res)
        check_accounting(self, j)

    def test_connection_close(self):
        res = client_run.run("-c", 10, "--closed-loop", "--connection-close", "--duration", 2,
                             "--json", self.url())
        check_clean(self, res)
        j = res.json
        self.assertEqual(j["errors"], 0, res)
        self.assertGreater(j["connects"], 100, res)
        # one request per connection, each answered then closed as announced
        self.assertLessEqual(abs(j["connects"] - j["responses"]), 10, res)
        self.assertLessEqual(abs(j["server_closes"] - j["responses"]), 10, res)

    def test_sigint_prints_the_summary(self):
        res = client_run.run_interrupted("-c", 50, "--idle", "0-1", "--duration", 60, self.url(),
                                         after=2.5)
        check_clean(self, res)
        self.assertIn("(interrupted)", res.out)
        self.assertIn("errors: 0", res.out)

    def test_csv_rows(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "run.csv")
            res = client_run.run("-c", 20, "--idle", "0-1", "--duration", 3, "--quiet",
                                 "--out", path, self.url())
            check_clean(self, res)
            with open(path) as f:
                rows = f.read().splitlines()
        self.assertTrue(rows[0].startswith("time_s,concurrency,"), rows)
        self.assertEqual(len(rows), 4, rows)
        self.assertEqual(rows[-1].split(",")[1], "20", rows)


class BadCommandLines(unittest.TestCase):
    def test_one_line_and_exit_2(self):
        port = ukit.free_port()
        for args in (["http://127.0.0.1:0/"], ["https://127.0.0.1/"], ["-c", "0", "http://x/"],
                     ["--idle", "9-1", "http://127.0.0.1/"], ["--nope", "http://127.0.0.1/"],
                     [], ["--pipeline", "2", f"http://127.0.0.1:{port}/"],
                     ["-c", "100000", "http://10.1.2.3/"]):
            res = client_run.run(*args, timeout=10)
            self.assertEqual(res.code, 2, (args, res))
            self.assertEqual(len(res.err.strip().splitlines()), 1, (args, res))
            self.assertTrue(res.err.startswith("ukit-client: "), (args, res))
            self.assertEqual(res.out, "", (args, res))

    def test_help(self):
        res = client_run.run("--help", timeout=10)
        self.assertEqual(res.code, 0)
        self.assertIn("--closed-loop", res.out)


if __name__ == "__main__":
    ukit.main()
