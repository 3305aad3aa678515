"""kernel-tuning/: check reports one line per knob and fails on what falls short; as root,
apply N then revert leaves every sysctl as it was (restored even when an assertion fails).
Not root: runs the check tests, then exits 77 (apply/revert need root)."""

import os
import signal
import subprocess
import sys
import tempfile
import unittest

from ukit import ROOT, skip

KT = os.path.join(ROOT, "kernel-tuning")
STATUSES = ("ok", "SHORT", "info")
# the knobs check must always report, whatever the machine
KNOBS = (
    "fs.file-max", "fs.nr_open", "RLIMIT_NOFILE", "RLIMIT_NOFILE(epoll)",
    "net.ipv4.ip_local_port_range", "net.ipv4.ip_local_reserved_ports", "net.core.somaxconn",
    "net.ipv4.tcp_max_syn_backlog", "net.ipv4.tcp_syncookies", "net.core.netdev_max_backlog",
    "net.ipv4.tcp_mem", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem", "MemAvailable",
    "vm.overcommit_memory", "vm.max_map_count", "kernel.io_uring_disabled",
    "net.netfilter.nf_conntrack_max", "net.ipv4.tcp_tw_reuse", "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_max_tw_buckets", "net.ipv4.tcp_max_orphans", "net.ipv4.tcp_ehash_entries",
)


def run(*argv, env=None):
    p = subprocess.run([os.path.join(KT, argv[0]), *map(str, argv[1:])], capture_output=True,
                       text=True, timeout=60, env=dict(os.environ, **(env or {})))
    return p.returncode, p.stdout, p.stderr


def knob_lines(out):
    """{knob: (status, line)} from check's output; fails on a knob reported twice."""
    knobs = {}
    for line in out.splitlines():
        if line.startswith("#"):
            continue
        status = line.split()[0]
        assert status in STATUSES, f"not a knob line: {line!r}"
        # the name is the second column; 'cgroup memory limit' has spaces in it
        name = line[len(status):].lstrip().split("  ")[0].strip()
        assert name not in knobs, f"{name} reported twice"
        knobs[name] = (status, line)
    return knobs


def sysctl_path(name):
    return "/proc/sys/" + name.replace(".", "/")


def snapshot(names):
    out = {}
    for n in names:
        try:
            with open(sysctl_path(n)) as f:
                out[n] = " ".join(f.read().split())
        except OSError:
            pass
    return out


class Check(unittest.TestCase):
    def test_small_n_one_line_per_knob(self):
        rc, out, err = run("check", 1000)
        self.assertIn(rc, (0, 1), err)
        knobs = knob_lines(out)
        for k in KNOBS:
            self.assertIn(k, knobs, out)
        for k in ("RLIMIT_NOFILE", "RLIMIT_NOFILE(epoll)"):
            self.assertEqual(knobs[k][0], "info", knobs[k][1])
        short = [k for k, (s, _) in knobs.items() if s == "SHORT"]
        self.assertEqual(rc, 1 if short else 0, out)
        for k, (_, line) in knobs.items():
            self.assertRegex(line, r" now .+ need .+", line)

    def test_huge_n_names_what_falls_short(self):
        rc, out, err = run("check", 100_000_000)
        self.assertEqual(rc, 1, out + err)
        knobs = knob_lines(out)
        short = {k for k, (s, _) in knobs.items() if s == "SHORT"}
        # 2e8 sockets: no machine this runs on has these by default
        for k in ("fs.file-max", "fs.nr_open", "net.ipv4.tcp_mem", "MemAvailable"):
            self.assertIn(k, short, out)
        self.assertNotIn("RLIMIT_NOFILE", short)
        self.assertIn(f"# {len(short)} knob(s) SHORT", out)

    def test_usage(self):
        for argv in (("check", "abc"), ("check", "0"), ("check", 1, 2), ("apply", "-x")):
            rc, out, err = run(*argv)
            self.assertEqual(rc, 2, (argv, out, err))
        for tool in ("check", "apply", "revert"):
            rc, out, _ = run(tool, "--help")
            self.assertEqual(rc, 0)
            self.assertIn("usage:", out)

    def test_state_file_must_be_outside_the_repo(self):
        rc, _, err = run("apply", "--dry-run", 1000,
                         env={"UKIT_TUNING_STATE": os.path.join(ROOT, "saved")})
        self.assertEqual(rc, 2)
        self.assertIn("inside the repository", err)


class ApplyRevert(unittest.TestCase):
    """Changes real sysctls: restores them in tearDown whatever happened."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="ukit-kt-")
        self.state = os.path.join(self.tmp.name, "saved")
        self.env = {"UKIT_TUNING_STATE": self.state}
        _, out, _ = run("check", 1_000_000)
        self.names = [k for k in knob_lines(out) if os.path.exists(sysctl_path(k))]
        self.before = snapshot(self.names)

    def tearDown(self):
        if os.path.exists(self.state):
            run("revert", env=self.env)
        for name, value in self.before.items():  # last resort, e.g. if revert broke
            if snapshot([name]).get(name) != value:
                subprocess.run(["sysctl", "-q", "-w", f"{name}={value}"])
        self.tmp.cleanup()

    def test_apply_check_revert(self):
        rc, out, err = run("apply", "--dry-run", 600_000, env=self.env)
        self.assertEqual(rc, 0, out + err)
        self.assertFalse(os.path.exists(self.state), "--dry-run wrote the state file")

        rc, out, err = run("apply", 600_000, env=self.env)
        self.assertEqual(rc, 0, out + err)
        rc, out, err = run("check", 600_000)
        self.assertEqual(rc, 0, out + err)

        # a second, bigger apply adds to the state file and keeps the originals
        changed_first = snapshot(self.names) != self.before
        self.assertEqual(os.path.exists(self.state), changed_first)
        rc, out, err = run("apply", 1_000_000, env=self.env)
        self.assertIn(rc, (0, 1), out + err)  # 1: memory too small here, not a sysctl
        if os.path.exists(self.state):
            with open(self.state) as f:
                for line in f:
                    if line.startswith("#"):
                        continue
                    name, value = line.rstrip("\n").split("\t")
                    self.assertEqual(value, self.before[name], f"{name} saved after a change")

        rc, out, err = run("revert", env=self.env)
        self.assertEqual(rc, 0, out + err)
        self.assertFalse(os.path.exists(self.state))
        self.assertEqual(snapshot(self.names), self.before)

        rc, out, err = run("revert", env=self.env)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("nothing to revert", out)


if __name__ == "__main__":
    # the runner's timeout sends SIGTERM: fail the test so tearDown still restores
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("killed by SIGTERM"))
    root = os.geteuid() == 0
    if not root:
        del ApplyRevert
    result = unittest.main(exit=False, verbosity=2).result
    if not result.wasSuccessful():
        sys.exit(1)
    if not root:
        skip("apply/revert change sysctls and need root; the check tests passed")
