"""Integration test support: start the real binaries on a free loopback port,
talk raw bytes to them, stop them by PID and check they exited cleanly
(exit 0, no sanitizer report)."""

import os
import signal
import socket
import subprocess
import sys
import time
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, os.environ.get("UKIT_BIN", "."))
FLAVOR = os.environ.get("UKIT_FLAVOR", "release")
SANITIZED = FLAVOR == "asan"
# which server build the tests run: ukit-server (io_uring) or ukit-server-epoll
SERVER = os.environ.get("UKIT_SERVER", "ukit-server")
EPOLL = SERVER.endswith("-epoll")


def binary(name):
    return os.path.join(BIN, name)


def free_port():
    """A port nobody listens on now (the kernel's choice for an ephemeral bind)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def skip(reason):
    """Exit 77: the runner reports the test as skipped, with the reason."""
    print("skipped:", reason)
    sys.exit(77)


class Server:
    """A ukit-server process (or another binary with the same command line)."""

    def __init__(self, *args, name=SERVER, port=None, env=None):
        self.port = port or free_port()
        self.argv = [binary(name), *map(str, args), str(self.port)]
        self.env = dict(os.environ, **(env or {}))
        self.env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        self.env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        self.proc = None
        self.stderr = ""
        self.stdout = ""

    def start(self, timeout=10):
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=self.env, text=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out, err = self.proc.communicate()
                raise AssertionError(f"{self.argv} exited {self.proc.returncode}: {out}{err}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.02)
        self.proc.kill()
        raise AssertionError(f"{self.argv} did not listen within {timeout}s")

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Signals the server (unless sig is None) and waits; returns its exit code."""
        if sig is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.stdout, self.stderr = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.stdout, self.stderr = self.proc.communicate()
            raise AssertionError(f"server did not exit within {timeout}s after {sig!r}")
        return self.proc.returncode

    def check_clean_exit(self, *_):
        """SIGTERM, then: exit 0 and no sanitizer report."""
        code = self.stop()
        for bad in ("Sanitizer", "runtime error"):
            if bad in self.stderr:
                raise AssertionError(f"{bad} report:\n{self.stderr}")
        if code != 0:
            raise AssertionError(f"exit {code}:\n{self.stderr}")

    def connect(self, timeout=10):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def rss_kb(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def cpu_seconds(self):
        """utime + stime of the whole process so far."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Response:
    def __init__(self, status, reason, headers, body, version):
        self.status, self.reason, self.headers, self.body = status, reason, headers, body
        self.version = version

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return f"<{self.status} {self.reason} {self.headers} {len(self.body)}B>"


class Reader:
    """Reads HTTP/1.1 responses (with Content-Length bodies) off a socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        data = self.sock.recv(1 << 16)
        if not data:
            raise EOFError("connection closed")
        self.buf += data

    def read_until(self, sep):
        while sep not in self.buf:
            self._fill()
        i = self.buf.index(sep) + len(sep)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self, head_request=False):
        head = self.read_until(b"\r\n\r\n").decode("latin-1")
        lines = head.split("\r\n")
        version, status, reason = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        n = 0 if head_request or int(status) // 100 == 1 else int(headers.get("content-length", 0))
        return Response(int(status), reason, headers, self.read_exact(n), version)

    def closed(self, timeout=5):
        """True when the peer closes (EOF or reset) with nothing more to read."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1 << 16)
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False
        if data:
            self.buf += data
            return False
        return True


def get(path="/", host="x", extra=""):
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode()


def main():
    unittest.main(verbosity=2)
