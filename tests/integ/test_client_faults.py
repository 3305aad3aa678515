"""ukit-client against a deliberately bad server (client_bad_server.py):
every fault is counted under its own kind, the connection is replaced and
the run goes on; a missing server is explained once and never spun on."""

import os
import subprocess
import sys
import time
import unittest

import client_run
import ukit
from client_run import check_accounting, check_clean

HERE = os.path.dirname(os.path.abspath(__file__))


class BadServer:
    def __init__(self, mode):
        self.port = ukit.free_port()
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "client_bad_server.py"),
                                      mode, str(self.port)])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                import socket
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise AssertionError(f"bad server ({mode}) did not listen")

    def url(self):
        return f"http://127.0.0.1:{self.port}/"

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Faults(unittest.TestCase):
    def run_against(self, mode, *args, duration=2):
        server = BadServer(mode)
        try:
            res = client_run.run("-c", 5, "--idle", "0-1", "--duration", duration, "--json",
                                 *args, server.url())
        finally:
            server.stop()
        check_clean(self, res)
        check_accounting(self, res.json)
        return res.json

    def only_errors(self, j, **kinds):
        """The errors are exactly these kinds (each at least the given count)."""
        for k, n in j["errors_by_kind"].items():
            if k in kinds:
                self.assertGreaterEqual(n, kinds[k], j)
            else:
                self.assertEqual(n, 0, (k, j))

    def test_good_control(self):
        j = self.run_against("good")
        self.assertEqual(j["errors"], 0, j)
        self.assertGreater(j["ok"], 5, j)

    def test_wrong_length(self):
        j = self.run_against("wrong_length", "--closed-loop")
        self.only_errors(j, length=10)
        self.assertEqual(j["errors_by_kind"]["length"], j["responses"], j)
        self.assertEqual(j["ok"], 0, j)
        self.assertEqual(j["connects"], 5, j)  # a bad answer does not end the connection

    def test_wrong_body(self):
        j = self.run_against("bad_body", "--closed-loop")
        self.only_errors(j, body=10)
        self.assertEqual(j["errors_by_kind"]["body"], j["responses"], j)

    def test_wrong_body_unchecked(self):
        j = self.run_against("bad_body", "--closed-loop", "--no-check-body")
        self.assertEqual(j["errors"], 0, j)

    def test_status(self):
        j = self.run_against("status_500", "--closed-loop")
        self.only_errors(j, status=10)

    def test_early_close(self):
        j = self.run_against("early_close", "--closed-loop")
        self.only_errors(j, closed=10)
        self.assertEqual(j["responses"], 0, j)
        # each closed connection was replaced
        self.assertGreaterEqual(j["connects"], j["errors_by_kind"]["closed"], j)

    def test_stall(self):
        j = self.run_against("stall", "--timeout", 1, duration=3)
        self.only_errors(j, timeout=5)
        self.assertEqual(j["responses"], 0, j)
        self.assertLessEqual(j["errors_by_kind"]["timeout"], 15, j)

    def test_garbage(self):
        j = self.run_against("garbage", "--closed-loop")
        self.only_errors(j, garbage=10)

    def test_reset(self):
        j = self.run_against("reset", "--closed-loop")
        self.only_errors(j, reset=10)

    def test_idle_close(self):
        j = self.run_against("idle_close", "--idle", "1-1")
        self.only_errors(j, idle_closed=5)
        self.assertGreaterEqual(j["ok"], 5, j)

    def test_announced_close_is_no_error(self):
        j = self.run_against("announced_close", "--closed-loop")
        self.assertEqual(j["errors"], 0, j)
        self.assertGreater(j["server_closes"], 10, j)

    def test_nobody_listening(self):
        port = ukit.free_port()
        res = client_run.run("-c", 50, "--duration", 3, "--json", f"http://127.0.0.1:{port}/")
        check_clean(self, res)
        j = res.json
        self.assertEqual(j["connects"], 0, j)
        self.assertGreaterEqual(j["errors_by_kind"]["refused"], 50, j)
        # backed off (1 s, then 2 s): about two tries a seat, not a spin
        self.assertLessEqual(j["errors_by_kind"]["refused"], 200, j)
        self.assertEqual(res.err.count("connection refused"), 1, res.err)
        self.assertIn("net.core.somaxconn", res.err)
        self.assertEqual(j["limits_hit"], ["refused"], j)

    def test_full_backlog_times_connects_out(self):
        import socket
        with socket.socket() as listener:  # listens, never accepts: the queue fills
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            port = listener.getsockname()[1]
            res = client_run.run("-c", 20, "--timeout", 1, "--duration", 3, "--json",
                                 f"http://127.0.0.1:{port}/")
        check_clean(self, res)
        j = res.json
        self.assertGreaterEqual(j["errors_by_kind"]["connect_timeout"], 10, j)
        self.assertEqual(res.err.count("connects time out"), 1, res.err)
        self.assertIn("net.core.somaxconn", res.err)
        self.assertIn("backlog", j["limits_hit"], j)


if __name__ == "__main__":
    ukit.main()
