"""Shared helpers for system tests: free loopback ports, processes with captured logs, and
waiting for a condition with a deadline (never a bare sleep).

Every test talks to 127.0.0.1 only. Binaries are found in $LAPORD_BUILD_DIR (set by ctest).

The store: LAPORD_TEST_BACKEND=postgresql (ctest's system.pg.* tests) runs lapord on a
PostgreSQL database of its own per work folder, in the cluster LAPORD_TEST_PG_URL_FILE names
(ctest's fixture) or, without it, a cluster this process starts and stops. store_keys(workdir)
gives the [store] table's keys and db_rows(path, sql) reads rows, whichever the backend.
"""
import atexit
import json
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


def toml_value(v):
    """A Python value written as TOML: a bool, a number, a list, else a string."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return json.dumps(str(v))


def write_toml(workdir, lines, name="lapord.toml"):
    """Writes the lines as WORKDIR/NAME; returns its path."""
    path = os.path.join(workdir, name)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


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
        if getattr(t, "skip_reason", None):
            print(f"SKIP {t.__name__} on {BACKEND}: {t.skip_reason}")
            continue
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


# --- the store, whichever the backend ------------------------------------------------------

BACKEND = os.environ.get("LAPORD_TEST_BACKEND", "sqlite")
if BACKEND not in ("sqlite", "postgresql"):
    raise SystemExit(f"LAPORD_TEST_BACKEND must be sqlite or postgresql, not {BACKEND!r}")
PG = BACKEND == "postgresql"

_pg_base = None      # the cluster's connection string (dbname=postgres)
_pg_databases = {}   # work folder -> (database name, environment variable holding its URL)


def _psycopg2():
    try:
        import psycopg2  # noqa: PLC0415 - only the PostgreSQL runs need it
    except ImportError:
        # Debian's python3-psycopg2 (scripts/deps) when this Python is not Debian's own (a
        # pyenv 3.11 sees /usr/lib/python3/dist-packages only when asked).
        import sys
        sys.path.append("/usr/lib/python3/dist-packages")
        import psycopg2  # noqa: PLC0415
    return psycopg2


def _pg_cluster_url():
    global _pg_base
    if _pg_base:
        return _pg_base
    url_file = os.environ.get("LAPORD_TEST_PG_URL_FILE")
    if url_file:
        with open(url_file) as f:
            _pg_base = f.read().strip()
    else:  # run by hand: a cluster of our own for this process
        import pg_cluster  # noqa: PLC0415
        cluster = pg_cluster.Cluster().start()
        atexit.register(lambda: (cluster.stop("immediate"), cluster.remove()))
        _pg_base = cluster.url()
    return _pg_base


def _pg_url(dbname):
    return re.sub(r"dbname=\S+", f"dbname={dbname}", _pg_cluster_url())


def _pg_database(workdir):
    """The database of this work folder (created on first use) and the variable naming it."""
    workdir = os.path.abspath(workdir)
    if workdir not in _pg_databases:
        name = "t_" + re.sub(r"[^a-z0-9]", "_", os.path.basename(workdir).lower())
        con = _psycopg2().connect(_pg_cluster_url())
        con.autocommit = True
        try:
            con.cursor().execute(f'CREATE DATABASE "{name}"')
        finally:
            con.close()
        env = "LAPORD_TEST_PG_URL_" + name.upper()
        os.environ[env] = _pg_url(name)  # every child (lapord, laporctl) inherits it
        _pg_databases[workdir] = (name, env)
    return _pg_databases[workdir]


def store_keys(workdir, **extra):
    """The [store] table's keys for a lapord working in workdir: the SQLite file
    workdir/lapord.db, or that folder's PostgreSQL database."""
    if not PG:
        keys = {"path": os.path.join(workdir, "lapord.db")}
        # LAPORD_TEST_SQLITE_SYNC=overlap|full runs a test with that [store] sqlite_sync.
        if os.environ.get("LAPORD_TEST_SQLITE_SYNC"):
            keys["sqlite_sync"] = os.environ["LAPORD_TEST_SQLITE_SYNC"]
        return dict(keys, **extra)
    _, env = _pg_database(workdir)
    return dict({"backend": "postgresql", "url_env": env}, **extra)


def store_toml(workdir, **extra):
    """store_keys as TOML lines (for tests that write their configuration as text)."""
    import json  # noqa: PLC0415
    return [f"{k} = {json.dumps(v) if isinstance(v, str) else v}"
            for k, v in store_keys(workdir, **extra).items()]


def _to_pg(sql, args):
    """The few SQLite spellings the tests use, in PostgreSQL's: ? parameters, rowid (the
    tables ordered by insertion have a seq column there) and the schema version."""
    sql = sql.replace("PRAGMA user_version", "SELECT version FROM lapord_schema")
    sql = re.sub(r"\browid\b", "seq", sql)
    return sql.replace("%", "%%").replace("?", "%s") if args else sql


def _plain(v):
    """PostgreSQL's values as sqlite3 gives them: bytes for BYTEA, int for an integer sum."""
    if isinstance(v, memoryview):
        return bytes(v)
    if type(v).__name__ == "Decimal" and v == int(v):
        return int(v)
    return v


def pg_connect(path):
    """A psycopg2 connection to the database of the store at path (workdir/lapord.db)."""
    name, _ = _pg_database(os.path.dirname(path))
    return _psycopg2().connect(_pg_url(name))


def db_rows(path, sql, args=()):
    """Rows of a query on the store of the work folder holding path (workdir/lapord.db), as
    a list of tuples, on either backend."""
    if not PG:
        import sqlite3  # noqa: PLC0415
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()
    con = pg_connect(path)
    try:
        with con.cursor() as cur:
            cur.execute(_to_pg(sql, args), tuple(args) if args else None)
            return [tuple(_plain(v) for v in row) for row in cur.fetchall()]
    finally:
        con.close()


class WriteLock:
    """Holds the store's write lock until release(): lapord's commits wait, reads go on."""

    def __init__(self, path):
        if PG:
            self.con = pg_connect(path)
            # EXCLUSIVE: every write of the MO path waits, SELECTs still run.
            self.con.cursor().execute("LOCK TABLE received, parts, complaints, replies, "
                                      "reporters, counters IN EXCLUSIVE MODE")
        else:
            import sqlite3  # noqa: PLC0415
            self.con = sqlite3.connect(path, timeout=10, isolation_level=None)
            self.con.execute("BEGIN EXCLUSIVE")

    def release(self):
        self.con.rollback() if PG else self.con.execute("ROLLBACK")
        self.con.close()


def sqlite_only(reason):
    """Marks a test about the SQLite file itself: run_tests skips it on PostgreSQL, saying why."""
    def mark(test):
        if PG:
            test.skip_reason = reason
        return test
    return mark


def postgresql_only(reason):
    """Marks a test that needs PostgreSQL (e.g. two instances on one store): skipped on SQLite."""
    def mark(test):
        if not PG:
            test.skip_reason = reason
        return test
    return mark
