"""ukit-client's throughput mode against nginx, cross-checked against wrk on
the same target: another HTTP/1.1 server, so the body is not checked unless
forced, and the request rates agree within reason."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import client_run
import ukit
from client_run import check_accounting, check_clean

BODY = "n" * 1024
CONF = """
worker_processes 1;
daemon off;
error_log {dir}/error.log;
pid {dir}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port} backlog=1024;
        default_type text/plain;
        location / {{ return 200 "{body}"; }}
    }}
}}
"""


def wrk_rate(url, conns, seconds):
    out = subprocess.run(["wrk", "-t", "1", "-c", str(conns), "-d", f"{seconds}s", url],
                         capture_output=True, text=True, timeout=seconds + 30).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m:
        raise AssertionError(f"wrk printed no rate: {out}")
    return float(m.group(1)), out


class AgainstNginx(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("nginx") or not shutil.which("wrk"):
            ukit.skip("nginx or wrk is not installed (apt-get install nginx-light wrk)")
        cls.dir = tempfile.mkdtemp(prefix="ukit-nginx-")
        cls.port = ukit.free_port()
        conf = os.path.join(cls.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(CONF.format(dir=cls.dir, port=cls.port, body=BODY))
        cls.proc = subprocess.Popen(["nginx", "-p", cls.dir, "-c", conf],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                import socket
                socket.create_connection(("127.0.0.1", cls.port), timeout=1).close()
                break
            except OSError:
                if cls.proc.poll() is not None:
                    raise AssertionError(f"nginx exited: {cls.proc.stderr.read()}")
                time.sleep(0.05)
        cls.url = f"http://127.0.0.1:{cls.port}/"

    @classmethod
    def tearDownClass(cls):
        cls.proc.send_signal(signal.SIGQUIT)  # nginx's graceful stop
        try:
            cls.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            cls.proc.kill()
            cls.proc.wait()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_throughput_against_wrk(self):
        res = client_run.run("-c", 50, "--closed-loop", "--duration", 3, "--threads", 1,
                             "--json", self.url)
        check_clean(self, res)
        j = res.json
        self.assertEqual(j["errors"], 0, res)
        self.assertGreater(j["responses"], 1000, res)
        check_accounting(self, j)
        per_response = j["bytes_in"] / j["responses"]
        self.assertTrue(1024 < per_response < 1400, per_response)
        wrk, out = wrk_rate(self.url, 50, 3)
        print(f"\n  nginx: ukit-client {j['requests_per_s']:.0f} req/s, wrk {wrk:.0f} req/s",
              flush=True)
        low = 0.2 if ukit.SANITIZED else 0.5  # sanitizers slow the client, not wrk
        self.assertGreater(j["requests_per_s"], low * wrk, out)
        # a sanity bound: ukit-client does less work per request than wrk, and the
        # two run at different moments of a shared machine
        self.assertLess(j["requests_per_s"], 3.0 * wrk, out)

    def test_body_check_forced_on_a_peer(self):
        res = client_run.run("-c", 2, "--closed-loop", "--duration", 1, "--check-body",
                             "--json", self.url)
        check_clean(self, res)
        j = res.json
        self.assertEqual(j["errors_by_kind"]["body"], j["responses"], j)
        self.assertGreater(j["responses"], 0, j)


if __name__ == "__main__":
    ukit.main()
