"""Shared helpers for system tests: free loopback ports, processes with captured logs, and
waiting for a condition with a deadline (never a bare sleep).

Every test talks to 127.0.0.1 only. Binaries are found in $LAPORD_BUILD_DIR (set by ctest).
"""
import os
import re
import signal
import socket
import subprocess
import tempfile
import time

BUILD_DIR = os.environ.get("LAPORD_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../build"))
SOURCE_DIR = os.environ.get("LAPORD_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))


def binary(name):
    """Path of a built program: lapord, laporctl, smsc-sim, store-sim."""
    for sub in ("src/app/daemon", "src/app/laporctl", "src/tools", "src/tools/" + name, ""):
        path = os.path.join(BUILD_DIR, sub, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise FileNotFoundError(f"{name} not built under {BUILD_DIR}")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=10.0, what="condition", interval=0.02):
    """Polls predicate() until it returns a truthy value; fails the test after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Proc:
    """A child process whose stdout+stderr go to a log file we can search."""

    def __init__(self, args, name=None, env=None, workdir=None):
        self.name = name or os.path.basename(args[0])
        self.workdir = workdir or tempfile.mkdtemp(prefix=f"lapord-{self.name}-")
        self.log_path = os.path.join(self.workdir, f"{self.name}.log")
        self._log = open(self.log_path, "wb")
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=full_env, cwd=self.workdir)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_for_log(self, pattern, timeout=10.0, count=1):
        rx = re.compile(pattern)
        def found():
            if self.proc.poll() is not None and len(rx.findall(self.log())) < count:
                raise AssertionError(f"{self.name} exited ({self.proc.returncode}) before "
                                     f"logging /{pattern}/; log:\n{self.log()}")
            return len(rx.findall(self.log())) >= count
        try:
            wait_until(found, timeout, f"{self.name} to log /{pattern}/")
        except AssertionError:
            print(f"--- {self.name} log ---\n{self.log()}")
            raise

    def signal(self, sig):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def wait(self, timeout=10.0):
        return self.proc.wait(timeout=timeout)

    def stop(self, timeout=10.0):
        """SIGTERM, then SIGKILL if it does not exit in time. Returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def rss_kib(pid):
    """The resident set size of a process, in KiB, from /proc/PID/status (VmRSS)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for pid {pid}")


def run_tests(tests):
    """Runs test functions in order; prints 'N passed, N failed' and exits non-zero on failure."""
    import sys
    import traceback
    passed = failed = 0
    for t in tests:
        try:
            t()
            print(f"PASS {t.__name__}")
            passed += 1
        except Exception:  # noqa: BLE001 - a test runner reports every failure
            print(f"FAIL {t.__name__}")
            traceback.print_exc()
            failed += 1
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
