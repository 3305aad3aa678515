"""Runs ukit-client for the integration tests: bounded in time, JSON summary
parsed, sanitizer reports and exit code checked by the callers."""

import json
import os
import signal
import subprocess
import time

import ukit


def client_argv(*args):
    return [ukit.binary("ukit-client"), *map(str, args)]


def env():
    e = dict(os.environ)
    e.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    e.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    return e


class Result:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err
        self.json = None
        if out.lstrip().startswith("{"):
            self.json = json.loads(out)

    def __repr__(self):
        return f"<exit {self.code}\nstdout: {self.out}\nstderr: {self.err[-3000:]}>"


def run(*args, timeout=60):
    """Runs the client to its end (--duration bounds it; timeout is the backstop)."""
    p = subprocess.run(client_argv(*args), capture_output=True, text=True, timeout=timeout,
                       env=env())
    return Result(p.returncode, p.stdout, p.stderr)


def run_interrupted(*args, after=2.0, timeout=30):
    """Starts the client, sends SIGINT after `after` seconds, waits for it."""
    p = subprocess.Popen(client_argv(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env())
    time.sleep(after)
    p.send_signal(signal.SIGINT)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise AssertionError(f"client did not exit within {timeout}s of SIGINT: {err}")
    return Result(p.returncode, out, err)


def check_clean(testcase, res):
    testcase.assertNotIn("Sanitizer", res.err, res)
    testcase.assertNotIn("runtime error", res.err, res)
    testcase.assertEqual(res.code, 0, res)


def check_accounting(testcase, j):
    """Every request sent is answered or counted as lost; every answer is
    valid or counted as an error of one kind."""
    testcase.assertEqual(j["sent"], j["responses"] + j["unanswered"], j)
    bad = sum(j["errors_by_kind"][k] for k in ("status", "length", "body"))
    testcase.assertEqual(j["responses"], j["ok"] + bad, j)
