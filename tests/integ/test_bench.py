"""tools/bench in its quick mode, so the benchmark cannot rot: it must run
every target on two workloads and write the table, the CSV and the charts."""

import csv
import os
import shutil
import subprocess
import tempfile
import unittest

from ukit import ROOT, SANITIZED, main, skip


class Bench(unittest.TestCase):
    def test_quick(self):
        if not shutil.which("nginx"):
            self.skipTest("nginx is not installed")
        out = tempfile.mkdtemp(prefix="ukit-bench-")
        p = subprocess.run([os.path.join(ROOT, "tools", "bench"), "--quick", "--only",
                            "keepalive-100,pipeline-16", "--out", out],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        with open(os.path.join(out, "bench.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), 6)
        for r in rows:
            self.assertEqual(r["errors"], "0", r)
            self.assertGreater(float(r["rps"]), 1000, r)
        md = open(os.path.join(out, "BENCHMARKS.md")).read()
        for name in ("ukit (io_uring)", "ukit-server-epoll", "nginx 1.22", "pipeline-16"):
            self.assertIn(name, md)
        for png in ("bench-rps.png", "bench-cpu.png"):
            self.assertGreater(os.path.getsize(os.path.join(out, png)), 1000)


if __name__ == "__main__":
    if SANITIZED:
        skip("the benchmark drives the release binaries")
    main()
