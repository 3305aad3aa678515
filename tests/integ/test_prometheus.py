"""A real Prometheus (Debian's prometheus package, on loopback, in a temp
dir) scrapes ukit-server; its query API must report what the test did."""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

from ukit import Reader, Server, free_port, get, main


class Prometheus:
    def __init__(self, targets):
        self.dir = tempfile.mkdtemp(prefix="ukit-prom-")
        self.port = free_port()
        jobs = "".join(f"  - job_name: {job}\n    static_configs:\n"
                       f"      - targets: [\"{target}\"]\n" for job, target in targets)
        with open(os.path.join(self.dir, "prometheus.yml"), "w") as f:
            f.write(f"global:\n  scrape_interval: 1s\nscrape_configs:\n{jobs}")
        self.log = open(os.path.join(self.dir, "log"), "w")
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={self.dir}/prometheus.yml",
             f"--storage.tsdb.path={self.dir}/data", f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT)

    def query(self, expr):
        url = (f"http://127.0.0.1:{self.port}/api/v1/query?"
               + urllib.parse.urlencode({"query": expr}))
        with urllib.request.urlopen(url, timeout=5) as r:
            res = json.load(r)["data"]["result"]
        return float(res[0]["value"][1]) if res else None

    def wait_for(self, expr, want, timeout=30):
        """Polls expr until it equals want; returns the last value seen."""
        deadline, got = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            try:
                got = self.query(expr)
                if got == want:
                    return got
            except OSError:
                pass  # still starting
            time.sleep(0.3)
        return got

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrometheusScrape(unittest.TestCase):
    def setUp(self):
        if not shutil.which("prometheus"):
            self.skipTest("prometheus is not installed (Debian package prometheus)")
        self.server = Server().start()
        self.prom = Prometheus([("ukit-server", f"127.0.0.1:{self.server.port}")])

    def tearDown(self):
        self.prom.stop()
        self.server.check_clean_exit()

    def test_server_counters_through_prometheus(self):
        job = 'job="ukit-server"'
        self.assertEqual(self.prom.wait_for(f'up{{{job}}}', 1.0), 1.0, "never scraped")
        # answers of a kind the scrapes never get: 250 refusals (400), each closing
        for _ in range(250):
            s = self.server.connect()
            s.sendall(get("/?length=x"))
            self.assertEqual(Reader(s).response().status, 400)
            s.close()
        self.assertEqual(self.prom.wait_for(
            f'sum(ukit_responses_total{{{job},code="400"}})', 250.0), 250.0)
        self.assertEqual(self.prom.wait_for(
            f'sum(ukit_connections_closed_total{{{job},reason="server"}})', 250.0), 250.0)
        self.assertEqual(self.prom.query(f'count(ukit_requests_total{{{job}}})'), 2.0,
                         "one series per thread")

if __name__ == "__main__":
    main()
