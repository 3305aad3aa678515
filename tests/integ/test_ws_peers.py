"""Third-party WebSocket peers against /ws/echo: Python's websockets (Debian
python3-websockets), Node's ws (npm) and a real browser (headless Debian
Chromium loading a page from a tiny static server in the test)."""

import asyncio
import http.server
import json
import os
import queue
import shutil
import signal
import subprocess
import threading
import unittest

from ukit import ROOT, Server, free_port, main

BOTH_BACKENDS = True  # tests/run runs this file against ukit-server-epoll too
PEERS = os.path.join(ROOT, "tests", "integ", "peers")


class Peers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.url = f"ws://127.0.0.1:{cls.server.port}/ws/echo"

    @classmethod
    def tearDownClass(cls):
        cls.server.check_clean_exit()

    def test_python_websockets(self):
        try:
            import websockets
        except ImportError:
            self.skipTest("python3-websockets is not installed")

        async def talk():
            async with websockets.connect(self.url, max_size=None) as ws:
                await ws.send("h\u00e9llo")
                self.assertEqual(await ws.recv(), "h\u00e9llo")
                await ws.send(b"\x00\xffbinary")
                self.assertEqual(await ws.recv(), b"\x00\xffbinary")
                await ws.send(["frag", "mented", " text"])  # one message, three frames
                self.assertEqual(await ws.recv(), "fragmented text")
                big = os.urandom(300000)
                await ws.send(big)
                self.assertEqual(await ws.recv(), big)
                pong = await ws.ping(b"ping data")
                await asyncio.wait_for(pong, 5)
                await ws.close(code=4002, reason="done")
                self.assertEqual(ws.close_code, 4002)

        asyncio.run(asyncio.wait_for(talk(), 30))

    def test_node_ws(self):
        if not shutil.which("node"):
            self.skipTest("node is not installed")
        if not os.path.isdir(os.path.join(PEERS, "node_modules", "ws")):
            self.skipTest("npm package ws is not installed (tools/install-deps)")
        p = subprocess.run(["node", os.path.join(PEERS, "ws_client.js"), self.url],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        r = json.loads(p.stdout)
        self.assertNotIn("error", r)
        self.assertEqual(r["echoes"], [
            {"binary": False, "length": 15, "text": "hello from node"},
            {"binary": True, "length": 4, "text": "000102ff"},
            {"binary": False, "length": 10, "text": "fragmented"},
            {"binary": False, "length": 70000, "text": "x" * 40},
        ])
        self.assertEqual(r["pong"], "are you there")
        self.assertEqual(r["close"], {"code": 4001, "reason": ""})

    def test_chromium(self):
        browser = shutil.which("chromium")
        if not browser:
            self.skipTest("chromium is not installed")
        results = queue.Queue()

        class Pages(http.server.SimpleHTTPRequestHandler):
            """Serves the test page; the page posts its result to /result."""

            def __init__(self, *a, **kw):
                super().__init__(*a, directory=PEERS, **kw)

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(204)
                self.end_headers()
                results.put(json.loads(body))

            def log_message(self, *a):
                pass

        pages = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Pages)
        threading.Thread(target=pages.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{pages.server_port}/ws_page.html?port={self.server.port}"
        chrome = subprocess.Popen(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={ROOT}/build/chromium-profile", url],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            r = results.get(timeout=60)
        finally:
            os.killpg(chrome.pid, signal.SIGTERM)  # the browser and its children, ours
            chrome.wait(timeout=30)
            pages.shutdown()
            pages.server_close()
        self.assertEqual(r, {"echoes": ["hello from chromium \u2603", [7, 8, 9]], "close": 1000,
                             "clean": True})

if __name__ == "__main__":
    main()
