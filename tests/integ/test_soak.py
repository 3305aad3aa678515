"""tools/soak against the server under test: a short mixed load (keep-alive,
pipelined, half-close, WebSocket, ukit-client, resets, slowloris, garbage),
then every verdict must pass: no client errors, RSS near its baseline, no fd
or direct-descriptor leak, the server alive, and a clean exit."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

from ukit import EPOLL, ROOT, SANITIZED, SERVER, binary, main

BOTH_BACKENDS = True  # tests/run runs this file against ukit-server-epoll too

SOAK = os.path.join(ROOT, "tools", "soak")
DURATION = 15
VERDICTS = ("clients", "rss", "fds", "slots", "alive", "exit")


class Soak(unittest.TestCase):
    def test_soak_passes_every_verdict(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "soak.json")
            argv = [sys.executable, SOAK, "--server", binary(SERVER), "--duration", str(DURATION),
                    "--slowreader", "2", "--ukit-client", binary("ukit-client"), "--json", out]
            if SANITIZED:
                argv += ["--bulk", "100"]  # the ASan client is slower: leave CPU to the server
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=DURATION + 90)
            report = proc.stdout + proc.stderr
            self.assertEqual(proc.returncode, 0, report)
            with open(out) as f:
                summary = json.load(f)
        self.assertTrue(summary["passed"], report)
        self.assertEqual(sorted(summary["verdicts"]), sorted(VERDICTS))
        for name, v in summary["verdicts"].items():
            self.assertTrue(v["pass"], f"{name}: {v['detail']}")
        self.assertEqual(summary["sanitized"], SANITIZED)
        clients = summary["clients"]
        # every kind did its work, and clients that started late did too
        for kind in ("keepalive", "pipelined", "halfclose", "slowreader", "bulk"):
            self.assertGreater(clients[kind]["requests"], 0, kind)
        self.assertGreater(clients["websocket"]["messages"], 0)
        for kind in ("keepalive", "pipelined", "halfclose", "slowreader", "websocket",
                     "slowloris"):
            self.assertGreater(clients[kind]["late_clients"], 0, kind)
            self.assertEqual(clients[kind]["late_client_errors"], 0, kind)
        slow = clients["slowloris"]["outcomes"]
        self.assertEqual(slow.get("408", 0) + slow.get("silent, closed", 0),
                         clients["slowloris"]["requests"])
        self.assertGreater(clients["slowloris"]["requests"], 0)
        self.assertGreater(clients["rst"]["connections"], 0)
        self.assertGreater(clients["garbage"]["requests"], 0)
        # the samples saw the load: connections open, then none
        self.assertGreater(summary["peak_open_connections"], 100)
        counters = summary["server_counters"]
        self.assertEqual(counters["unclosed"], 0)
        self.assertGreater(counters["input_pauses"], 0, "the slow readers paused nobody")
        self.assertEqual(counters["ring_slots"] is None, EPOLL)
        if EPOLL:  # its connections are fds
            self.assertGreater(summary["fds"]["peak"], summary["fds"]["baseline"] + 100)
        else:  # direct descriptors never enter the fd table
            self.assertEqual(summary["fds"]["peak"], summary["fds"]["baseline"])


if __name__ == "__main__":
    main()
