"""Rings handing accepting over as they fill, at scale: 90,000 connections
opened as fast as ukit-client can, into rings of 4,000 slots (so ~35 rings,
each filling in turn on its core's listener). Without the hand-over message
the ramp stalls: connections queued on the listener wake no ring."""

import json
import subprocess
import time
import unittest

from ukit import SANITIZED, Reader, Server, binary, get, main

N = 90000


class Scale(unittest.TestCase):
    def test_ramp_through_many_rings(self):
        server = Server("--ring-slots", 4000, "--max-conns", 100000).start()
        try:
            p = subprocess.run(
                [binary("ukit-client"), "-c", str(N), "--duration", "25" if SANITIZED else "12",
                 "--idle", "60-60", "--quiet", "--json", f"http://127.0.0.1:{server.port}/"],
                capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            r = json.loads(p.stdout)
            self.assertEqual(r["peak_concurrency"], N, r)
            self.assertEqual(r["errors"], 0, r["errors_by_kind"])
            s = server.connect()
            s.sendall(get("/metrics"))
            text = Reader(s).response().body.decode()
            s.close()
            rings = [l for l in text.splitlines()
                     if l.startswith("ukit_connections_accepted_total{") and not l.endswith(" 0")]
            self.assertGreaterEqual(len(rings), 20, "connections did not spread over the rings")
        finally:
            server.check_clean_exit()


if __name__ == "__main__":
    main()
