"""Failure paths against the real server: slow readers, resets, half-close,
timeouts, a full file table, --max-conns, graceful shutdown and start-up
errors. Each test checks the server keeps serving everyone else."""

import os
import signal
import socket
import struct
import subprocess
import threading
import time
import unittest

import resource

from ukit import EPOLL, ROOT, SERVER, Reader, Server, binary, free_port, get, main

BOTH_BACKENDS = True  # tests/run runs this file against ukit-server-epoll too


def rst_close(s):
    """Close with a reset (SO_LINGER 0), like a client that crashed."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def served(server, n=3):
    s = server.connect()
    s.sendall(get(f"/?length={n}"))
    ok = len(Reader(s).response().body) == n
    s.close()
    return ok


class Faults(unittest.TestCase):
    def setUp(self):
        self.server = None

    def tearDown(self):
        if self.server:
            self.server.check_clean_exit()

    def start(self, *args):
        self.server = Server(*args).start()
        return self.server

    def test_slow_reader_gets_every_response_in_bounded_memory(self):
        """20,000 pipelined requests for 10 KiB, not read for seconds: all
        20,000 answers arrive in order and the server's memory stays bounded
        (it stops reading from that client while its output is full)."""
        srv = self.start()
        n = 20000
        s = srv.connect(timeout=60)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        rss_before = srv.rss_kb()
        req = get("/?length=10240")
        writer = threading.Thread(target=s.sendall, args=(req * n,))
        writer.start()
        time.sleep(3)  # not reading: the server must pause, not buffer 200 MB
        rss_paused = srv.rss_kb()
        self.assertTrue(served(srv), "other clients are not served")
        r = Reader(s)
        for i in range(n):
            resp = r.response()
            self.assertEqual(resp.status, 200)
            self.assertEqual(len(resp.body), 10240, i)
        writer.join()
        s.close()
        self.assertLess(rss_paused - rss_before, 16 * 1024,
                        f"RSS grew {rss_paused - rss_before} KiB while the reader stalled")

    def test_reset_storm(self):
        srv = self.start()
        for i in range(300):
            s = srv.connect()
            if i % 3 == 0:
                s.sendall(b"GET /?length=100 HTTP/1.1\r\nHo")  # mid-request
            elif i % 3 == 1:
                s.sendall(get("/?length=10240") * 20)  # answers in flight
            rst_close(s)
        self.assertTrue(srv.alive())
        self.assertTrue(served(srv))

    def test_half_close_still_gets_the_answer(self):
        srv = self.start()
        s = srv.connect()
        s.sendall(get("/?length=10") + get("/?length=20"))
        s.shutdown(socket.SHUT_WR)
        r = Reader(s)
        self.assertEqual(len(r.response().body), 10)
        self.assertEqual(len(r.response().body), 20)
        self.assertTrue(r.closed())
        s.close()

    def test_header_timeout_answers_408(self):
        srv = self.start("--header-timeout", 1)
        s = srv.connect()
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # and nothing more: slowloris
        t0 = time.monotonic()
        r = Reader(s)
        resp = r.response()
        self.assertEqual(resp.status, 408)
        self.assertTrue(r.closed())
        self.assertLess(time.monotonic() - t0, 4)
        s.close()

    def test_trickling_head_is_cut_at_the_header_timeout(self):
        srv = self.start("--header-timeout", 2)
        s = srv.connect()
        t0 = time.monotonic()
        got = None
        for b in b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
            try:
                s.send(bytes([b]))
            except OSError:
                break
            s.settimeout(0.25)
            try:
                got = s.recv(4096)
                break
            except socket.timeout:
                pass
        self.assertIsNotNone(got)
        self.assertTrue(got.startswith(b"HTTP/1.1 408 "))
        self.assertLess(time.monotonic() - t0, 5)
        s.close()

    def test_idle_timeout_closes_quietly(self):
        srv = self.start("--idle-timeout", 1)
        s = srv.connect()
        s.sendall(get("/?length=1"))
        r = Reader(s)
        r.response()
        t0 = time.monotonic()
        self.assertTrue(r.closed(timeout=5))
        self.assertEqual(r.buf, b"")
        self.assertLess(time.monotonic() - t0, 4)
        s.close()

    def test_max_conns_answers_503_and_recovers(self):
        srv = self.start("--max-conns", 5)
        held = [srv.connect() for _ in range(5)]
        for s in held:
            s.sendall(get("/?length=1"))
            Reader(s).response()
        extra = srv.connect()
        r = Reader(extra)
        self.assertEqual(r.response().status, 503)
        self.assertTrue(r.closed())
        extra.close()
        for s in held:
            s.close()
        time.sleep(0.3)
        self.assertTrue(served(srv))

    def test_full_table_pauses_accepting_without_spinning(self):
        """When no connection slot is left (io_uring: the ring's registered
        file table is nearly full; epoll: accept4 says EMFILE), accepting
        pauses without spinning; waiting connections are served once others
        close."""
        if EPOLL:
            srv = self.start("--threads", 1)
            fds = len(os.listdir(f"/proc/{srv.pid}/fd"))
            resource.prlimit(srv.pid, resource.RLIMIT_NOFILE, (fds + 15, fds + 15))
        else:
            srv = self.start("--threads", 1, "--ring-slots", 16, "--max-conns", 100)
        held = []
        for _ in range(15):
            s = srv.connect()
            s.sendall(get("/?length=1"))
            held.append(s)
        waiting = [srv.connect() for _ in range(10)]
        for s in waiting:
            s.sendall(get("/?length=2"))
        cpu0 = srv.cpu_seconds()
        time.sleep(2)
        self.assertLess(srv.cpu_seconds() - cpu0, 0.5, "the server spins while full")
        for s in held:
            s.close()
        answered = 0
        for s in waiting:
            s.settimeout(10)
            try:
                answered += Reader(s).response().status == 200
            except (EOFError, ConnectionResetError):
                pass  # io_uring: a burst past the reserve is closed by the kernel
            s.close()
        self.assertGreaterEqual(answered, 8)
        self.assertTrue(served(srv))

    def test_graceful_shutdown(self):
        srv = self.start("--grace", 3)
        idle = srv.connect()
        idle.sendall(get("/?length=1"))
        Reader(idle).response()
        busy = srv.connect()
        busy.sendall(b"GET /?length=500 HTTP/1.1\r\nHost: x\r\n")  # half a request
        time.sleep(0.2)
        srv.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        self.assertTrue(Reader(idle).closed(), "idle connection not closed")
        busy.sendall(b"\r\n")  # the request completes after the signal
        r = Reader(busy)
        resp = r.response()
        self.assertEqual(len(resp.body), 500)
        self.assertEqual(resp.header("connection"), "close")
        self.assertTrue(r.closed())
        busy.close()
        code = srv.stop(sig=None, timeout=10)  # the first signal is enough
        self.server = None
        self.assertEqual(code, 0, srv.stderr)
        self.assertNotIn("Sanitizer", srv.stderr)
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", srv.port), timeout=1)

    def test_second_signal_exits_at_once(self):
        srv = self.start("--grace", 30)
        s = srv.connect()
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # keeps the first stop waiting
        time.sleep(0.2)
        srv.proc.send_signal(signal.SIGINT)
        time.sleep(0.5)
        self.assertTrue(srv.alive())
        self.assertEqual(srv.stop(sig=signal.SIGINT, timeout=5), 1)
        self.server = None
        s.close()

    def test_grace_deadline_closes_stragglers(self):
        srv = self.start("--grace", 1)
        s = srv.connect()
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never finished
        time.sleep(0.2)
        t0 = time.monotonic()
        self.assertEqual(srv.stop(timeout=10), 0, srv.stderr)
        self.assertLess(time.monotonic() - t0, 4)
        self.server = None
        s.close()


class StartupErrors(unittest.TestCase):
    def run_server(self, *args, env=None):
        p = subprocess.run([binary(SERVER), *map(str, args)], capture_output=True,
                           text=True, timeout=20, env=env)
        return p.returncode, p.stdout, p.stderr

    def test_port_in_use(self):
        with socket.socket() as other:
            other.bind(("0.0.0.0", 0))
            other.listen()
            port = other.getsockname()[1]
            code, _, err = self.run_server(port)
        self.assertEqual(code, 1)
        self.assertEqual(err.count("\n"), 1, err)
        self.assertIn(f"port {port} is in use", err)

    def test_bad_flags_one_line_each(self):
        for args, words in [(["--threads", "abc"], "--threads"), (["--threads", "0"], "--threads"),
                            (["--max-conns", "-5"], "--max-conns"), (["--nope"], "--nope"),
                            (["--idle-timeout"], "--idle-timeout"), (["99999"], "PORT"),
                            (["--taskrun", "x"], "--taskrun"), (["1", "2"], "unexpected"),
                            (["--max-conns", "30000"] if EPOLL else ["--rings", "1", "--max-conns",
                             "30000"], "--max-conns" if EPOLL else "--rings"),
                            (["--bind", "not-an-address", free_port()], "not-an-address")]:
            with self.subTest(args=args):
                code, out, err = self.run_server(*args)
                self.assertEqual(code, 1)
                self.assertEqual(err.count("\n"), 1, err)
                self.assertIn(words, err)
                self.assertTrue(err.startswith("ukit-server: "))

    def test_help_and_version(self):
        code, out, _ = self.run_server("--help")
        self.assertEqual(code, 0)
        for flag in ["--max-conns", "--max-header-bytes", "--max-body", "--header-timeout",
                     "--idle-timeout", "--threads", "--rings"]:
            self.assertIn(flag, out)
        code, out, _ = self.run_server("--version")
        self.assertEqual(code, 0)
        self.assertTrue(out.startswith("ukit-server "))

    def test_io_uring_blocked_names_the_cause(self):
        """With io_uring_setup refused by a seccomp filter (a container's
        default profile), the io_uring build says so in one line, points to
        the epoll build and exits 1; the epoll build just works."""
        blocker = os.path.join(ROOT, "build", "no-io-uring")
        if not os.path.exists(blocker):
            self.skipTest("build/no-io-uring is not built (make unit)")
        if EPOLL:
            srv = Server()
            srv.argv.insert(0, blocker)
            srv.start()
            self.assertTrue(served(srv))
            srv.check_clean_exit()
            return
        p = subprocess.run([blocker, binary(SERVER), str(free_port())],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(p.stderr.count("\n"), 1, p.stderr)
        self.assertIn("io_uring is unavailable", p.stderr)
        self.assertIn("seccomp", p.stderr)
        self.assertIn("ukit-server-epoll", p.stderr)

if __name__ == "__main__":
    main()
