#!/usr/bin/env python3
"""A throwaway PostgreSQL 15 cluster for tests: initdb in a temporary folder, the server on a
free 127.0.0.1 port (and a Unix socket in the same folder), stopped and removed at the end.

initdb and postgres refuse to run as root: as root the folder is given to the `postgres` user
the Debian package creates and every command runs through `runuser -u postgres`.

As a library:   with Cluster() as pg: url = pg.url("dbname")   (pg.create_db("dbname") first)
As a program:   pg_cluster.py start DIR   (prints the base URL, also written to DIR/url)
                pg_cluster.py stop DIR
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile

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
        opts = {"listen_addresses": "127.0.0.1", "port": str(self.port),
                "unix_socket_directories": self.folder, "max_connections": "50",
                "shared_buffers": "32MB", "synchronous_commit": "on"}
        opts.update(self.settings)
        o = " ".join(f"-c {k}={v}" for k, v in opts.items())
        _as_postgres([os.path.join(BIN, "pg_ctl"), "-D", self.data, "-l",
                      os.path.join(self.folder, "server.log"), "-o", o, "-w", "-t", "60",
                      "start"])
        self.running = True
        with open(os.path.join(self.folder, "url"), "w") as f:
            f.write(self.url() + "\n")
        return self

    def stop(self, mode="fast"):
        if self.running or os.path.exists(os.path.join(self.data, "postmaster.pid")):
            _as_postgres([os.path.join(BIN, "pg_ctl"), "-D", self.data, "-m", mode, "-w",
                          "-t", "120", "stop"])
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
