"""ukit-client's control API (the seed's `curl .../clients --data
'ws=URL&count=N'`) and its Prometheus endpoint: connections added while the
run goes on, bad requests answered 400 with a reason, /metrics parsed as
Prometheus text (and by promtool), its counters equal to the JSON summary's
once the run is over."""

import json
import re
import shutil
import signal
import socket
import subprocess
import time
import unittest
import urllib.error
import urllib.request

import client_run
import ukit


class Client:
    """ukit-client running in the background, its endpoints on free ports."""

    def __init__(self, *args):
        self.proc = subprocess.Popen(client_run.client_argv(*args), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=client_run.env())
        self.out = self.err = None

    def wait(self, timeout=60):
        try:
            self.out, self.err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.out, self.err = self.proc.communicate()
            raise AssertionError(f"client did not exit within {timeout}s: {self.err[-2000:]}")
        return client_run.Result(self.proc.returncode, self.out, self.err)

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait(timeout)


def request(port, method, path, body=None, timeout=5):
    """(status, content type, body text) of one request to 127.0.0.1:port."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=body.encode() if body is not None else None)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers.get("content-type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type"), e.read().decode()


def wait_listening(port, client, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.proc.poll() is not None:
            raise AssertionError(f"client exited: {client.wait()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


def clients(port):
    status, ctype, body = request(port, "GET", "/clients")
    assert status == 200 and ctype == "application/json", (status, ctype, body)
    return json.loads(body)


def wait_for(port, key, want, timeout=20):
    deadline, got = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        got = clients(port)
        if got[key] == want:
            return got
        time.sleep(0.1)
    raise AssertionError(f"/clients {key} stayed {got[key] if got else None}, not {want}: {got}")


def parse_prometheus(text):
    """{(name, frozenset(labels.items())): value}, every line checked."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        m = re.fullmatch(r'([a-z_:]+)\{((?:[a-z_]+="(?:[^"\\]|\\.)*",?)*)\} ([0-9.e+-]+)', line)
        assert m, f"not exposition format: {line!r}"
        labels = {k: re.sub(r"\\(.)", lambda e: "\n" if e.group(1) == "n" else e.group(1), v)
                  for k, v in re.findall(r'([a-z_]+)="((?:[^"\\]|\\.)*)"', m.group(2))}
        out[(m.group(1), frozenset(labels.items()))] = float(m.group(3))
    return out


def value(metrics, name, host, **labels):
    return metrics[(name, frozenset(dict(labels, host=host).items()))]


class ControlApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ukit.Server("--quiet", "--max-conns", 10000).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.check_clean_exit()

    def url(self, host="127.0.0.1"):
        return f"ws://{host}:{self.server.port}/ws/echo"

    def test_add_connections_while_running(self):
        port = ukit.free_port()
        client = Client("-c", 10, "--ping", 1, "--control", port, "--capacity", 100,
                        "--duration", 8, "--json", self.url())
        try:
            wait_listening(port, client)
            got = wait_for(port, "open", 10)
            self.assertEqual((got["connections"], got["capacity"], got["mode"], got["running"]),
                             (10, 100, "websocket", True), got)
            self.assertEqual(got["target"], self.url())
            # the seed's command, verbatim but for the port
            if shutil.which("curl"):
                p = subprocess.run(["curl", "-s", f"localhost:{port}/clients", "--data",
                                    f"ws={self.url()}&count=5"], capture_output=True, text=True,
                                   timeout=10)
                added = json.loads(p.stdout)
            else:
                status, _, body = request(port, "POST", "/clients", f"ws={self.url()}&count=5")
                self.assertEqual(status, 200, body)
                added = json.loads(body)
            self.assertEqual((added["added"], added["connections"]), (5, 15), added)
            wait_for(port, "open", 15)
            # another spelling of the same target, %-encoded, in the query
            target = urllib.parse.quote(self.url("localhost"), safe="")
            status, _, body = request(port, "POST", f"/clients?url={target}&count=1", "")
            self.assertEqual(status, 200, body)
            got = wait_for(port, "open", 16)
            self.assertEqual(got["established"], 16, got)
            self.assertEqual(got["errors"], 0, got)
        finally:
            res = client.wait()
        client_run.check_clean(self, res)
        j = res.json
        self.assertEqual((j["connects"], j["open_at_end"], j["wanted"], j["capacity"]),
                         (16, 16, 16, 100), res)
        self.assertEqual(j["errors"], 0, res)

    def test_start_empty_like_the_seed(self):
        port = ukit.free_port()
        client = Client("-c", 0, "--ping", 1, "--control", port, "--duration", 5, "--json",
                        self.url())
        try:
            wait_listening(port, client)
            got = clients(port)
            self.assertEqual((got["connections"], got["open"], got["capacity"]), (0, 0, 20000))
            status, _, body = request(port, "POST", "/clients", f"ws={self.url()}&count=20")
            self.assertEqual(status, 200, body)
            wait_for(port, "open", 20)
        finally:
            res = client.wait()
        client_run.check_clean(self, res)
        self.assertEqual((res.json["connects"], res.json["open_at_end"]), (20, 20), res)
        self.assertGreater(res.json["ws"]["pongs"], 20, res)

    def test_bad_requests(self):
        port = ukit.free_port()
        other = f"ws://127.0.0.1:{ukit.free_port()}/ws/echo"
        client = Client("-c", 2, "--control", port, "--capacity", 10, "--duration", 30,
                        "--quiet", self.url())
        try:
            wait_listening(port, client)
            cases = [
                ("POST", "/clients", f"ws={other}&count=1", 400, "this run's target"),
                ("POST", "/clients", f"ws={self.url()[:-5]}&count=1", 400, "this run's target"),
                ("POST", "/clients", "ws=http://x&count=1", 400, "resolve"),
                ("POST", "/clients", f"ws={self.url()}&count=0", 400, "count"),
                ("POST", "/clients", f"ws={self.url()}&count=abc", 400, "count"),
                ("POST", "/clients", f"ws={self.url()}&count=-1", 400, "count"),
                ("POST", "/clients", f"ws={self.url()}", 400, "missing count"),
                ("POST", "/clients", "count=1", 400, "missing ws=URL"),
                ("POST", "/clients", f"ws={self.url()}&count=1&x=2", 400, "unknown parameter"),
                ("POST", "/clients", f"ws={self.url()}&count=9", 400, "capacity"),
                ("POST", "/clients", "ws=%zz&count=1", 400, "malformed"),
                ("DELETE", "/clients", None, 405, "POST"),
                ("GET", "/nope", None, 404, "/clients"),
                ("POST", "/metrics", "", 405, "GET /metrics"),
            ]
            for method, path, body, status, why in cases:
                with self.subTest(method=method, path=path, body=body):
                    got, ctype, text = request(port, method, path, body)
                    self.assertEqual(got, status, text)
                    self.assertTrue(ctype.startswith("text/plain"), ctype)
                    self.assertIn(why, text)
                    self.assertEqual(len(text.strip().splitlines()), 1, text)
            # not HTTP at all
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"hello there\r\n\r\n")
                self.assertTrue(s.recv(1000).startswith(b"HTTP/1.1 400 "))
            # nothing was added by any of these
            self.assertEqual(clients(port)["connections"], 2)
        finally:
            res = client.stop()
        client_run.check_clean(self, res)


class Metrics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ukit.Server("--quiet", "--max-conns", 10000).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.check_clean_exit()

    def scrape(self, port):
        status, ctype, text = request(port, "GET", "/metrics")
        self.assertEqual(status, 200, text)
        self.assertEqual(ctype, "text/plain; version=0.0.4")
        if shutil.which("promtool"):
            p = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                               capture_output=True, timeout=30)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return parse_prometheus(text)

    def test_websocket_counters_equal_the_summary(self):
        cport, mport = ukit.free_port(), ukit.free_port()
        host = 'client "7"'  # quotes must be escaped in the label
        client = Client("-c", 100, "--ping", 0.5, "--message-size", 700, "--message-every", 0.4,
                        "--control", cport, "--metrics-port", mport, "--metrics-host", host,
                        "--linger", 30, "--duration", 3, "--json",
                        f"ws://127.0.0.1:{self.server.port}/ws/echo")
        try:
            wait_listening(mport, client)
            during = self.scrape(mport)
            self.assertEqual(value(during, "ukit_client_running", host), 1)
            wait_for(cport, "running", False)
            m = self.scrape(mport)
            self.assertEqual(self.scrape(cport), m)  # the control port serves it too
        finally:
            res = client.stop()  # ends the linger
        client_run.check_clean(self, res)
        j = res.json
        ws = j["ws"]
        self.assertEqual(j["errors"], 0, res)
        self.assertGreater(ws["echoes"], 100, res)

        def v(name, **labels):
            return value(m, name, host, **labels)

        self.assertEqual(v("ukit_client_running"), 0)
        self.assertEqual(v("ukit_client_connections_open"), j["open_at_end"])
        self.assertEqual(v("ukit_client_connections_wanted"), j["wanted"])
        self.assertEqual(v("ukit_client_connections_established_total"), j["connects"])
        for reason, n in j["closes_by_reason"].items():
            self.assertEqual(v("ukit_client_connections_closed_total", reason=reason), n, reason)
        for kind, n in j["errors_by_kind"].items():
            self.assertEqual(v("ukit_client_errors_total", kind=kind), n, kind)
        self.assertEqual(v("ukit_client_received_bytes_total"), j["bytes_in"])
        self.assertEqual(v("ukit_client_sent_bytes_total"), j["bytes_out"])
        for name, key in (("pings_sent", "pings"), ("pongs", "pongs"),
                          ("pings_unanswered", "pings_unanswered"),
                          ("pongs_unsolicited", "pongs_unsolicited"),
                          ("server_pings", "server_pings"), ("messages_sent", "messages"),
                          ("echoes", "echoes"), ("messages_unanswered", "messages_unanswered")):
            self.assertEqual(v(f"ukit_client_ws_{name}_total"), ws[key], name)
        for code, n in ws["closes_received"].items():
            self.assertEqual(v("ukit_client_ws_closes_received_total", code=code), n)
        for kind, lat in (("pong", j["latency_ms"]), ("echo", ws["echo_latency_ms"])):
            count = v("ukit_client_latency_seconds_count", kind=kind)
            self.assertEqual(count, lat["count"], kind)
            self.assertEqual(v("ukit_client_latency_seconds_bucket", kind=kind, le="+Inf"), count)
            self.assertAlmostEqual(v("ukit_client_latency_seconds_sum", kind=kind),
                                   lat["mean"] / 1e3 * count, delta=1e-6 * count + 1e-6)
            # cumulative, and the median's bucket holds at least half
            buckets = sorted((float(dict(k[1])["le"]), n) for k, n in m.items()
                             if k[0] == "ukit_client_latency_seconds_bucket"
                             and dict(k[1])["kind"] == kind and dict(k[1])["le"] != "+Inf")
            self.assertEqual([n for _, n in buckets], sorted(n for _, n in buckets))
            above_median = [n for le, n in buckets if le >= lat["p50"] / 1e3 * 1.01]
            self.assertGreaterEqual(above_median[0], count / 2, kind)

    def test_http_mode_on_one_port(self):
        port = ukit.free_port()
        client = Client("-c", 20, "--idle", "0-1", "--control", port, "--metrics-port", port,
                        "--linger", 30, "--duration", 2, "--json",
                        f"http://127.0.0.1:{self.server.port}/")
        try:
            wait_listening(port, client)
            wait_for(port, "running", False)
            m = self.scrape(port)
        finally:
            res = client.stop()
        client_run.check_clean(self, res)
        j = res.json
        host = socket.gethostname()  # the default label
        self.assertEqual(value(m, "ukit_client_requests_sent_total", host), j["sent"])
        self.assertEqual(value(m, "ukit_client_responses_total", host), j["responses"])
        self.assertEqual(value(m, "ukit_client_responses_valid_total", host), j["ok"])
        self.assertEqual(value(m, "ukit_client_requests_unanswered_total", host), j["unanswered"])
        self.assertEqual(value(m, "ukit_client_latency_seconds_count", host, kind="response"),
                         j["latency_ms"]["count"])
        self.assertGreater(j["ok"], 20, res)
        info = [k for k in m if k[0] == "ukit_client_info"]
        self.assertEqual(dict(info[0][1])["mode"], "scenario", info)

    def test_port_in_use(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            res = client_run.run("-c", 1, "--metrics-port", s.getsockname()[1], "--duration", 1,
                                 f"ws://127.0.0.1:{self.server.port}/ws/echo", timeout=10)
        self.assertEqual(res.code, 2, res)
        self.assertEqual(len(res.err.strip().splitlines()), 1, res)
        self.assertIn("cannot listen on 127.0.0.1:", res.err)


if __name__ == "__main__":
    ukit.main()
