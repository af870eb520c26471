#!/usr/bin/env python3
"""A throwaway PostgreSQL 15 cluster for tests: initdb in a temporary folder, the server on a
free 127.0.0.1 port (and a Unix socket in the same folder), stopped and removed at the end.

initdb and postgres refuse to run as root: as root the folder is given to the `postgres` user
the Debian package creates and every command runs through `runuser -u postgres`.

As a library:   with Cluster() as pg: url = pg.url("dbname")   (pg.create_db("dbname") first)
As a program:   pg_cluster.py start DIR   (prints the base URL, also written to DIR/url)
                pg_cluster.py stop DIR

Failover (tests/system/test_pg_failover.py, scripts/demo --ha): standby_of(primary, name) makes
a streaming standby of a running cluster (pg_basebackup -R) on a port of its own;
make_synchronous(primary, name) names it in the primary's synchronous_standby_names and waits
until pg_stat_replication says it is `sync`; primary.kill() is kill -9 of the postmaster,
standby.promote() makes the standby a primary.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("LAPORD_PG_BIN", "/usr/lib/postgresql/15/bin")


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(args, **kw):
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--"] + args
    return subprocess.run(args, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          **kw)


class Cluster:
    def __init__(self, folder=None, port=None, settings=None):
        self.owned = folder is None
        self.folder = folder or tempfile.mkdtemp(prefix="lapord-pg-")
        self.data = os.path.join(self.folder, "data")
        self.port = port or _free_port()
        self.port_chosen = port is None  # ours to change if someone takes it first
        self.settings = settings or {}
        self.running = False

    def start(self):
        os.makedirs(self.folder, exist_ok=True)
        os.chmod(self.folder, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        if not os.path.isdir(self.data):
            _as_postgres([os.path.join(BIN, "initdb"), "-D", self.data, "-A", "trust",
                          "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync"])
        # The free port was free when _free_port looked; another test of this machine may bind
        # it before the server does (their ports come from the same pool). Then the server
        # says so in its log and does not start: try another port.
        for attempt in range(5):
            # jit off: lapord's statements are short; a plan whose estimated cost passes
            # jit_above_cost (a sequential scan of a grown table) would spend more CPU compiling
            # than running (docs/scaling.md, "Settings that matter").
            opts = {"listen_addresses": "127.0.0.1", "port": str(self.port),
                    "unix_socket_directories": self.folder, "max_connections": "50",
                    "shared_buffers": "32MB", "synchronous_commit": "on", "jit": "off"}
            opts.update(self.settings)
            o = " ".join(f"-c {k}={v}" for k, v in opts.items())
            log = os.path.join(self.folder, "server.log")
            logged = os.path.getsize(log) if os.path.exists(log) else 0
            try:
                _as_postgres([os.path.join(BIN, "pg_ctl"), "-D", self.data, "-l", log, "-o", o,
                              "-w", "-t", "60", "start"])
                break
            except subprocess.CalledProcessError:
                with open(log, "rb") as f:
                    f.seek(logged)
                    taken = b"could not bind IPv4 address" in f.read()
                if not (taken and self.port_chosen and attempt < 4):
                    raise
                self.port = _free_port()
        self.running = True
        with open(os.path.join(self.folder, "url"), "w") as f:
            f.write(self.url() + "\n")
        return self

    def postmaster_pid(self):
        """The postmaster's pid (postmaster.pid's first line), None when it is not running."""
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                pid = int(f.readline().strip())
        except (OSError, ValueError):
            return None
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            return None
        return None if state in ("Z", "X") else pid  # a zombie is dead, not yet reaped

    def kill(self):
        """kill -9 of the postmaster: the server dies as in a power cut (its backends notice
        the postmaster is gone and exit; nothing is flushed or shut down cleanly)."""
        pid = self.postmaster_pid()
        if pid:
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while self.postmaster_pid() is not None:
                if time.monotonic() > deadline:
                    raise AssertionError(f"postmaster {pid} still alive 10 s after SIGKILL")
                time.sleep(0.01)
        self.running = False

    def promote(self):
        """A standby becomes a primary (pg_ctl promote waits until it takes writes)."""
        _as_postgres([os.path.join(BIN, "pg_ctl"), "-D", self.data, "-w", "-t", "60",
                      "promote"])

    def stop(self, mode="fast"):
        if self.postmaster_pid() is None:  # never started, stopped, or killed
            self.running = False
            return
        _as_postgres([os.path.join(BIN, "pg_ctl"), "-D", self.data, "-m", mode, "-w", "-t",
                      "120", "stop"])
        self.running = False

    def remove(self):
        if self.owned:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, dbname="postgres"):
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def psql(self, sql, dbname="postgres"):
        """Runs SQL; returns its output unaligned, tuples only."""
        r = subprocess.run([os.path.join(BIN, "psql"), "-X", "-q", "-A", "-t", "-v",
                            "ON_ERROR_STOP=1", "-d", self.url(dbname), "-c", sql],
                           check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return r.stdout.strip()

    def create_db(self, name):
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        try:
            self.stop()
        finally:
            self.remove()


def standby_of(primary, name="standby1", folder=None, port=None, settings=None):
    """A streaming standby of the running cluster primary, started: pg_basebackup -R (which
    writes primary_conninfo, with application_name=name, and standby.signal) into a folder of
    its own, the server on another free loopback port. It replicates asynchronously until
    make_synchronous(primary, name)."""
    standby = Cluster(folder, port, dict({"cluster_name": name}, **(settings or {})))
    os.makedirs(standby.folder, exist_ok=True)
    os.chmod(standby.folder, 0o755)
    if os.geteuid() == 0:
        shutil.chown(standby.folder, "postgres", "postgres")
    conninfo = (f"host=127.0.0.1 port={primary.port} user=postgres "
                f"application_name={name}")
    _as_postgres([os.path.join(BIN, "pg_basebackup"), "-D", standby.data, "-d", conninfo,
                  "-R", "-X", "stream", "-c", "fast", "--no-sync"])
    return standby.start()


def replication_state(primary, name):
    """(state, sync_state) of the standby called name in the primary's pg_stat_replication,
    or None while it is not connected."""
    out = primary.psql("SELECT state || ' ' || sync_state FROM pg_stat_replication "
                       f"WHERE application_name = '{name}'")
    return tuple(out.split()) if out else None


def make_synchronous(primary, name="standby1", timeout=60.0):
    """Names the standby in the primary's synchronous_standby_names (ALTER SYSTEM: after the
    base backup, so the standby does not inherit it and a promoted standby waits for no one)
    and waits, polling pg_stat_replication, until it streams synchronously: from then on a
    COMMIT returns only once the standby has flushed it."""
    primary.psql(f"ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 ({name})'")
    primary.psql("SELECT pg_reload_conf()")
    deadline = time.monotonic() + timeout
    while replication_state(primary, name) != ("streaming", "sync"):
        if time.monotonic() > deadline:
            raise AssertionError(f"standby {name} not streaming synchronously after {timeout} s:"
                                 f" {replication_state(primary, name)}")
        time.sleep(0.05)


def main(argv):
    if len(argv) != 3 or argv[1] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    folder = argv[2]
    if argv[1] == "start":
        print(Cluster(folder).start().url())
        return 0
    c = Cluster(folder, port=1)
    try:
        c.stop(mode="immediate")  # its data is thrown away next
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the next run starts from initdb
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
