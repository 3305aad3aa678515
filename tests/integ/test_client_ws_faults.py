"""ukit-client's WebSocket mode against a deliberately bad server
(client_ws_bad_server.py): refused or wrong handshakes, close frames with
1002 and 1007, protocol errors answered with their close code, corrupt
echoes, missing pongs; each counted under its own kind, the connection
replaced after a backoff, the run going on."""

import os
import socket
import subprocess
import sys
import time
import unittest

import client_run
import ukit
from client_run import check_clean
from test_client_ws import check_ws_accounting

HERE = os.path.dirname(os.path.abspath(__file__))


class BadServer:
    def __init__(self, mode):
        self.port = ukit.free_port()
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "client_ws_bad_server.py"),
                                      mode, str(self.port)])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise AssertionError(f"bad server ({mode}) did not listen")

    def url(self):
        return f"ws://127.0.0.1:{self.port}/ws/echo"

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Faults(unittest.TestCase):
    def run_against(self, mode, *args, duration=2, conns=5):
        server = BadServer(mode)
        try:
            res = client_run.run("-c", conns, "--ping", 0.5, "--duration", duration, "--json",
                                 *args, server.url())
        finally:
            server.stop()
        check_clean(self, res)
        check_ws_accounting(self, res.json)
        return res.json

    def only_errors(self, j, **kinds):
        """The errors are exactly these kinds (each at least the given count)."""
        for k, n in j["errors_by_kind"].items():
            if k in kinds:
                self.assertGreaterEqual(n, kinds[k], j)
            else:
                self.assertEqual(n, 0, (k, j))

    def test_good_control(self):
        j = self.run_against("good", "--message-size", 100, "--message-every", 0.5)
        self.assertEqual(j["errors"], 0, j)
        self.assertEqual(j["connects"], 5, j)
        self.assertGreater(j["ws"]["pongs"], 5, j)
        self.assertGreater(j["ws"]["echoes"], 5, j)

    def handshake_refused(self, mode, kind):
        j = self.run_against(mode)
        self.only_errors(j, **{kind: 5})
        self.assertEqual(j["connects"], 0, j)  # never counted as open
        self.assertEqual(j["ws"]["pings"], 0, j)
        # each seat backs off 1 s, then 2 s: about two tries each in 3 s, not a spin
        self.assertLessEqual(j["errors_by_kind"][kind], 5 * 3, j)
        return j

    def test_refused_status(self):
        self.handshake_refused("refuse", "ws_status")

    def test_wrong_accept(self):
        self.handshake_refused("bad_accept", "ws_accept")

    def test_no_upgrade_header(self):
        self.handshake_refused("no_upgrade", "ws_upgrade")

    def test_unasked_extension(self):
        self.handshake_refused("extension", "ws_upgrade")

    def test_garbage(self):
        self.handshake_refused("garbage", "garbage")

    def test_server_closes_with_1002(self):
        # the close frame comes in the same segment as the 101
        j = self.run_against("close_1002")
        self.only_errors(j, ws_closed=5)
        ws = j["ws"]
        self.assertEqual(ws["closes_received"]["1002"], j["errors_by_kind"]["ws_closed"], j)
        self.assertEqual(ws["closes_sent"]["1002"], ws["closes_received"]["1002"], j)  # echoed
        # (under load, a close handshake may still be under way when the run ends)
        self.assertEqual(j["closes_by_reason"]["server"], j["connects"] - j["open_at_end"], j)
        self.assertLessEqual(j["connects"], 5 * 3, j)  # reconnects back off

    def test_server_closes_with_1007(self):
        j = self.run_against("close_1007")
        self.only_errors(j, ws_closed=5)
        self.assertEqual(j["ws"]["closes_received"]["1007"], j["errors_by_kind"]["ws_closed"], j)

    def test_masked_frame_is_a_protocol_error(self):
        j = self.run_against("masked")
        self.only_errors(j, ws_protocol=5)
        self.assertEqual(j["ws"]["closes_sent"]["1002"], j["errors_by_kind"]["ws_protocol"], j)
        self.assertEqual(j["closes_by_reason"]["error"], j["connects"] - j["open_at_end"], j)

    def test_invalid_utf8_is_closed_with_1007(self):
        j = self.run_against("bad_utf8")
        # the text message is unasked, and then not UTF-8
        self.only_errors(j, ws_utf8=5, ws_unasked_message=5)
        self.assertEqual(j["ws"]["closes_sent"]["1007"], j["errors_by_kind"]["ws_utf8"], j)

    def test_corrupt_echo(self):
        j = self.run_against("corrupt_echo", "--message-size", 1000, "--message-every", 0.3)
        self.only_errors(j, echo_mismatch=10)
        self.assertEqual(j["ws"]["echoes"], 0, j)
        self.assertEqual(j["connects"], 5, j)  # a bad echo does not end the connection
        self.assertGreater(j["ws"]["pongs"], 5, j)

    def test_missing_pongs_time_out(self):
        j = self.run_against("no_pong", "--timeout", 1, duration=4)
        self.only_errors(j, pong_timeout=5)
        self.assertEqual(j["ws"]["pongs"], 0, j)
        self.assertEqual(j["closes_by_reason"]["timeout"], j["errors_by_kind"]["pong_timeout"], j)

    def test_server_pings_are_answered(self):
        j = self.run_against("server_ping")
        self.assertEqual(j["errors"], 0, j)  # a wrong pong would have been closed with 4001
        self.assertGreater(j["ws"]["server_pings"], 10, j)  # ~75 on an idle machine
        self.assertGreater(j["ws"]["pongs"], 5, j)

    def test_unsolicited_pongs_are_no_error(self):
        j = self.run_against("unsolicited")
        self.assertEqual(j["errors"], 0, j)
        self.assertGreater(j["ws"]["pongs_unsolicited"], 10, j)
        self.assertEqual(j["ws"]["pongs"], j["ws"]["pings"] - j["ws"]["pings_unanswered"], j)

    def test_nobody_listening(self):
        port = ukit.free_port()
        res = client_run.run("-c", 20, "--duration", 2, "--json", f"ws://127.0.0.1:{port}/")
        check_clean(self, res)
        j = res.json
        self.assertEqual(j["connects"], 0, j)
        self.assertGreaterEqual(j["errors_by_kind"]["refused"], 20, j)
        self.assertLessEqual(j["errors_by_kind"]["refused"], 80, j)


if __name__ == "__main__":
    ukit.main()
