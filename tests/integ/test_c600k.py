"""tools/c600k, the scenario runner, at a reduced size (20,000 connections,
10 s held) so it cannot rot: it must hold them with zero failed requests
and write its report, CSVs and plots."""

import json
import os
import subprocess
import tempfile
import unittest

from ukit import ROOT, SANITIZED, main, skip


class Runner(unittest.TestCase):
    def test_reduced_run(self):
        out = tempfile.mkdtemp(prefix="ukit-c600k-")
        p = subprocess.run([os.path.join(ROOT, "tools", "c600k"), "-n", "20000", "--hold", "10",
                            "--ab-n", "20000", "--tuning", "check", "--out", out],
                           capture_output=True, text=True, timeout=300)
        self.assertIn(p.returncode, (0, 1), p.stdout + p.stderr)
        with open(os.path.join(out, "report.json")) as f:
            r = json.load(f)
        self.assertEqual(r["client"]["peak_concurrency"], 20000)
        self.assertEqual(r["client"]["errors"], 0)
        self.assertGreaterEqual(r["held_seconds"], 10)
        self.assertEqual(r["ab_before"]["failed"], 0)
        self.assertEqual(r["ab_held"]["failed"], 0)
        self.assertGreater(r["ab_held"]["rps"], 1000)
        for name in ("report.md", "samples.csv", "client.csv", "ab-held.txt", "concurrency.png",
                     "requests.png", "cpu.png", "rss.png", "kernel_memory.png"):
            path = os.path.join(out, name)
            self.assertTrue(os.path.exists(path) and os.path.getsize(path) > 0, name)
        with open(os.path.join(out, "samples.csv")) as f:
            rows = f.read().splitlines()
        self.assertGreater(len(rows), 10)

    def test_reduced_websocket_run(self):
        out = tempfile.mkdtemp(prefix="ukit-c600k-ws-")
        p = subprocess.run([os.path.join(ROOT, "tools", "c600k"), "-n", "5000", "--hold", "10",
                            "--workload", "ws", "--ab-n", "5000", "--ab-repeat", "1",
                            "--tuning", "check", "--out", out],
                           capture_output=True, text=True, timeout=300)
        self.assertIn(p.returncode, (0, 1), p.stdout + p.stderr)
        with open(os.path.join(out, "report.json")) as f:
            r = json.load(f)
        ws = r["client"]["ws"]
        self.assertEqual(r["client"]["peak_concurrency"], 5000)
        self.assertEqual(ws["handshakes"], 5000)
        self.assertGreater(ws["pings"], 0, "pings are spread over 30 s: some fall in 10 s")
        self.assertEqual(ws["pings_unanswered"], 0)
        self.assertEqual(r["client"]["errors"], 0)
        self.assertTrue(r["checks"]["zero lost pings"])
        with open(os.path.join(out, "report.md")) as f:
            self.assertIn("WebSocket pings sent / answered / lost", f.read())


if __name__ == "__main__":
    if SANITIZED:
        skip("the runner drives the release binaries; under ASan it would measure ASan")
    main()
