"""Several client machines, simulated with network namespaces: the server in
one, two clients in two others (each with its own addresses, joined to the
server by a veth pair, spreading over its own --source range), and one
Prometheus beside the server scraping all three and summing the clients by
their host label. The namespaces are removed afterwards, always."""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse

from ukit import SANITIZED, binary, free_port, main, skip

PREFIX = f"ukmh{os.getpid() % 100000}"
NS = {"srv": f"{PREFIX}s", "c1": f"{PREFIX}c1", "c2": f"{PREFIX}c2"}
CONNS = 2000


def sh(*argv, check=True, **kw):
    return subprocess.run(argv, check=check, capture_output=True, text=True, **kw)


def in_ns(ns, *argv):
    return ["ip", "netns", "exec", NS[ns], *argv]


def setup_network():
    for name in NS.values():
        sh("ip", "netns", "add", name)
        sh("ip", "-n", name, "link", "set", "lo", "up")
    for i, c in ((1, "c1"), (2, "c2")):
        a, b = f"{PREFIX}v{i}a", f"{PREFIX}v{i}b"
        sh("ip", "link", "add", a, "type", "veth", "peer", "name", b)
        sh("ip", "link", "set", a, "netns", NS[c])
        sh("ip", "link", "set", b, "netns", NS["srv"])
        sh("ip", "-n", NS["srv"], "addr", "add", f"10.77.{i}.1/24", "dev", b)
        sh("ip", "-n", NS[c], "addr", "add", f"10.77.{i}.2/24", "dev", a)
        for host in range(10, 14):  # the client's source addresses, as aliases
            sh("ip", "-n", NS[c], "addr", "add", f"10.77.{i}.{host}/24", "dev", a)
        sh("ip", "-n", NS["srv"], "link", "set", b, "up")
        sh("ip", "-n", NS[c], "link", "set", a, "up")


def teardown_network():
    for name in NS.values():
        sh("ip", "netns", "del", name, check=False)  # its veth ends go with it


class MultiHost(unittest.TestCase):
    def setUp(self):
        self.procs = []
        self.dir = tempfile.mkdtemp(prefix="ukit-mh-")
        teardown_network()
        setup_network()

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.communicate(timeout=20)  # also closes its pipes
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
        teardown_network()
        shutil.rmtree(self.dir, ignore_errors=True)

    def spawn(self, ns, *argv, **kw):
        p = subprocess.Popen(in_ns(ns, *argv), **kw)
        self.procs.append(p)
        return p

    def query(self, prom_port, expr):
        url = (f"http://127.0.0.1:{prom_port}/api/v1/query?"
               + urllib.parse.urlencode({"query": expr}))
        out = sh(*in_ns("srv", "curl", "-s", "-m", "5", url), check=False).stdout
        try:
            return json.loads(out)["data"]["result"]
        except (ValueError, KeyError):
            return None

    def test_two_client_hosts_one_prometheus(self):
        port, mport, prom = free_port(), free_port(), free_port()
        server = self.spawn("srv", binary("ukit-server"), "--quiet", str(port),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        targets = {"ukit-server": [f"127.0.0.1:{port}"],
                   "ukit-client": [f"10.77.1.2:{mport}", f"10.77.2.2:{mport}"]}
        with open(os.path.join(self.dir, "prometheus.yml"), "w") as f:
            f.write("global:\n  scrape_interval: 1s\nscrape_configs:\n")
            for job, t in targets.items():
                f.write(f"  - job_name: {job}\n    static_configs:\n      - targets: {t}\n")
        self.spawn("srv", "prometheus", f"--config.file={self.dir}/prometheus.yml",
                   f"--storage.tsdb.path={self.dir}/data", f"--web.listen-address=127.0.0.1:{prom}",
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        clients = {}
        for i, c in ((1, "c1"), (2, "c2")):
            clients[c] = self.spawn(
                c, binary("ukit-client"), "-c", str(CONNS), "--source", f"10.77.{i}.10-10.77.{i}.13",
                "--idle", "1-2", "--duration", "12", "--metrics-port", str(mport),
                "--metrics-bind", f"10.77.{i}.2", "--metrics-host", f"host{i}", "--linger", "15",
                "--json", "--quiet", f"http://10.77.{i}.1:{port}/",
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(6)  # all connections open: the server sees both hosts' source addresses
        peers = sh(*in_ns("srv", "ss", "-tnH", "state", "established", f"( sport = :{port} )"))
        sources = {line.split()[-1].rsplit(":", 1)[0] for line in peers.stdout.splitlines()}
        sources.discard("127.0.0.1")  # Prometheus scraping the server
        self.assertEqual(sources, {f"10.77.{i}.{h}" for i in (1, 2) for h in range(10, 14)})
        summaries = {}
        for c, p in clients.items():
            out = ""
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not out.rstrip().endswith("}"):
                line = p.stdout.readline()  # the summary is printed before the linger
                if not line:
                    break
                out += line
            summaries[c] = json.loads(out)
            self.assertEqual(summaries[c]["errors"], 0, summaries[c])
            self.assertEqual(summaries[c]["peak_concurrency"], CONNS)
        want = {f"host{i}": summaries[c]["responses"] for i, c in ((1, "c1"), (2, "c2"))}
        deadline, got = time.monotonic() + 20, None
        while time.monotonic() < deadline:  # Prometheus scrapes the final counts
            res = self.query(prom, "sum by (host) (ukit_client_responses_total)")
            got = {r["metric"]["host"]: int(float(r["value"][1])) for r in res or []}
            if got == want:
                break
            time.sleep(0.5)
        self.assertEqual(got, want)
        total = self.query(prom, "sum(ukit_client_responses_total)")
        self.assertEqual(int(float(total[0]["value"][1])), sum(want.values()))
        accepted = self.query(prom, 'sum(ukit_connections_accepted_total{job="ukit-server"})')
        self.assertGreaterEqual(int(float(accepted[0]["value"][1])), 2 * CONNS)
        server.terminate()
        self.assertEqual(server.wait(timeout=20), 0)


if __name__ == "__main__":
    if os.geteuid() != 0:
        skip("network namespaces need root")
    if SANITIZED:
        skip("the multi-host path is the same code as on one host; run on the release build")
    for tool in ("ip", "prometheus", "curl"):
        if not shutil.which(tool):
            skip(f"{tool} is not installed")
    main()
