"""Third-party clients against the real server: curl, wrk and ApacheBench
(ab -k, the seed's own cross-check) must see only well-formed 200s."""

import re
import shutil
import subprocess
import unittest

from ukit import SANITIZED, Server, main

BOTH_BACKENDS = True  # tests/run runs this file against ukit-server-epoll too


def run(*argv, timeout=60):
    p = subprocess.run(argv, capture_output=True, timeout=timeout)
    p.stdout, p.stderr = p.stdout.decode(), p.stderr.decode()  # keeping CRLF as sent
    return p


class ThirdParty(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.url = f"http://127.0.0.1:{cls.server.port}/"

    @classmethod
    def tearDownClass(cls):
        cls.server.check_clean_exit()

    def need(self, tool):
        if not shutil.which(tool):
            self.skipTest(f"{tool} is not installed")

    def test_curl(self):
        self.need("curl")
        p = run("curl", "-sS", "-D", "-", self.url + "?length=10")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(p.stdout.startswith("HTTP/1.1 200 OK\r\n"))
        self.assertTrue(p.stdout.endswith("\r\n\r\nukit is an"))
        # keep-alive reuse across two URLs in one curl run
        p = run("curl", "-sS", "-v", self.url + "?length=3", self.url + "?length=4")
        self.assertIn("Re-using existing connection", p.stderr)
        self.assertEqual(p.stdout, "ukiukit")
        p = run("curl", "-sS", "-I", self.url + "?length=42")
        self.assertIn("Content-Length: 42", p.stdout)
        p = run("curl", "-sS", "--http1.0", self.url + "?length=5")
        self.assertEqual(p.stdout, "ukit ")
        p = run("curl", "-sS", "-X", "POST", "--data-binary", "x" * 100000,
                "-H", "Expect: 100-continue", self.url + "?length=6")
        self.assertEqual(p.stdout, "ukit i")

    def test_wrk(self):
        self.need("wrk")
        p = run("wrk", "-t1", "-c50", "-d2s", "--timeout", "10s", self.url + "?length=1024")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("Non-2xx", p.stdout)
        self.assertNotIn("Socket errors", p.stdout)
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", p.stdout).group(1))
        self.assertGreater(rate, 1000 if SANITIZED else 10000, p.stdout)

    def test_ab_keepalive(self):
        self.need("ab")
        p = run("ab", "-n", "20000", "-c", "10", "-k", self.url)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout
        self.assertRegex(out, r"Complete requests:\s+20000")
        self.assertRegex(out, r"Failed requests:\s+0")
        self.assertRegex(out, r"Keep-Alive requests:\s+20000")
        self.assertRegex(out, r"Document Length:\s+1024 bytes")
        self.assertRegex(out, r"Server Software:\s+ukit")


if __name__ == "__main__":
    main()
