"""The national store down, failing or hanging, then back: every complaint arrives, none twice.
The disk full (the store's size cap) and a read-only database: temporary errors to the SMSC,
nothing acknowledged that is not stored. Real binaries on loopback; see test_e2e.py."""
import os
import re
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import Proc, binary, free_port, run_tests, sqlite_only, wait_until  # noqa: E402
from test_e2e import Lapord, SmscSim, StoreSim, db_rows, write_config  # noqa: E402

TEXT = "LAPOR SLEMAN keluhan nomor {n} jalan rusak parah"
NUMBER = re.compile(r"nomor (\d+) jalan")


def flood_sim(workdir, n, *extra):
    return SmscSim("--flood", str(n), "--window", "50", "--flood-text", TEXT,
                   "--flood-sources", str(max(n, 1)), "--retry-delay", "100", *extra,
                   workdir=workdir)


def assert_each_once(store, db, n):
    taken = store.taken()
    refs = {r for (r,) in db_rows(db, "SELECT ref FROM complaints")}
    assert len(refs) == n, len(refs)
    assert set(taken) == refs, (len(taken), len(refs))
    assert all(c == 1 for c in taken.values()), [r for r, c in taken.items() if c != 1]


def test_store_down_then_up():
    workdir = tempfile.mkdtemp(prefix="lapord-outage-")
    port = free_port()  # nothing listens here yet: connection refused
    sim = flood_sim(workdir, 40)
    config = write_config(workdir, sim.port, f"http://127.0.0.1:{port}", None)
    db = os.path.join(workdir, "lapord.db")
    lapord = Lapord(config, workdir)
    store = None
    try:
        lapord.wait_bound(sim)
        # Acks do not wait for the national store.
        wait_until(lambda: sim.records("flood_done"), 30, "all 40 MO acked while the store is down")
        # Every complaint tried and failed at least once, none forwarded.
        wait_until(lambda: db_rows(db, "SELECT count(*) FROM complaints "
                                       "WHERE forward_attempts >= 1 "
                                       "AND forward_state = 'pending'")[0][0] == 40, 30,
                   "40 failed attempts recorded")
        store = StoreSim(workdir=workdir, port=port)
        wait_until(lambda: len(store.taken()) == 40, 60, "all 40 at store-sim after it came up")
        assert_each_once(store, db, 40)
        assert not [r for r in store.records() if r["status"] == 409], "something was sent twice"
        wait_until(lambda: db_rows(db, "SELECT count(*) FROM complaints "
                                       "WHERE forward_state = 'forwarded'")
                   [0][0] == 40, 10, "the outbox to record it")
        print(f"store down then up: 40 complaints forwarded once each after the outage")
    finally:
        code = lapord.stop()
        sim.stop()
        if store:
            store.stop()
        assert code == 0, lapord.proc.log()


def test_store_failing_and_hanging():
    workdir = tempfile.mkdtemp(prefix="lapord-outage-")
    store = StoreSim("--fail-first", "30", "--hang-first", "3", "--retry-after", "0",
                     workdir=workdir)
    sim = flood_sim(workdir, 40)
    config = write_config(workdir, sim.port, store.url, None, store_api={"timeout_s": 1})
    db = os.path.join(workdir, "lapord.db")
    lapord = Lapord(config, workdir)
    try:
        lapord.wait_bound(sim)
        wait_until(lambda: len(store.taken()) == 40, 90, "all 40 taken despite 500s and hangs")
        assert_each_once(store, db, 40)
        statuses = [r["status"] for r in store.records()]
        assert statuses.count(500) == 30 and statuses.count(0) == 3, statuses
        parked = db_rows(db, "SELECT count(*) FROM complaints "
                             "WHERE forward_state = 'parked'")[0][0]
        assert parked == 0
        print(f"store failing: {len(statuses)} POSTs for 40 complaints "
              f"({statuses.count(500)} x 500, 3 hung, {statuses.count(409)} x 409)")
    finally:
        code = lapord.stop()
        sim.stop()
        store.stop()
        assert code == 0, lapord.proc.log()


@sqlite_only("max_bytes caps the SQLite file; a PostgreSQL server's disk is its operator's")
def test_disk_full_gives_temporary_errors():
    workdir = tempfile.mkdtemp(prefix="lapord-diskfull-")
    n = 2000
    sim = flood_sim(workdir, n)
    # A cap of 300 KiB on the file: room for a few hundred MO, then SQLITE_FULL.
    config = write_config(workdir, sim.port, None, None, store={"max_bytes": 300 * 1024})
    db = os.path.join(workdir, "lapord.db")
    lapord = Lapord(config, workdir)
    try:
        lapord.wait_bound(sim)
        wait_until(lambda: any(r["status"] == 8 for r in sim.records("deliver_sm_resp")), 60,
                   "ESME_RSYSERR once the store is full")
        lapord.proc.wait_for_log(r"store cannot keep MO", 10)
        assert lapord.proc.proc.poll() is None, "lapord must stay up"
        acked = {r["mo"] for r in sim.records("deliver_sm_resp") if r["status"] == 0}
        # Nothing acknowledged that is not stored: a clean stop, then look at the file.
        assert lapord.stop() == 0, lapord.proc.log()
        acked = {r["mo"] for r in sim.records("deliver_sm_resp") if r["status"] == 0}
        stored = {}
        for (sm,) in db_rows(db, "SELECT short_message FROM received"):
            k = int(NUMBER.search(bytes(sm).decode("latin-1")).group(1))
            stored[k] = stored.get(k, 0) + 1
        assert acked <= set(stored), f"acked but not stored: {sorted(acked - set(stored))[:10]}"
        assert all(c == 1 for c in stored.values())
        errors = [r for r in sim.records("deliver_sm_resp") if r["status"] != 0]
        # ESME_RSYSERR from the full store; ESME_RX_T_APPN for MO refused while lapord stops.
        assert {r["status"] for r in errors} <= {8, 100}, {r["status"] for r in errors}
        assert 0 < len(acked) < n, len(acked)
        # Room again: everything the SMSC kept arrives, each exactly once.
        config = write_config(workdir, sim.port, None, None, store={"max_bytes": 0})
        lapord = Lapord(config, workdir, name="lapord-2")
        lapord.wait_bound(sim, 1)
        wait_until(lambda: sim.records("flood_done"), 120, "the rest once there is room")
        rows = db_rows(db, "SELECT count(*), count(DISTINCT short_message) FROM received")[0]
        assert rows == (n, n), rows
        assert db_rows(db, "SELECT count(*) FROM complaints")[0][0] == n
        print(f"disk full: {len(acked)} of {n} acked before the cap, {len(errors)} temporary errors, "
              f"all {n} stored once each after the cap was lifted")
    finally:
        code = lapord.stop()
        sim.stop()
        assert code == 0, lapord.proc.log()


# --- a read-only database ---------------------------------------------------------------
# File permissions do not stop root (CI runs as root), and they are checked only at open(),
# not on a descriptor lapord already holds. The ext4 immutable flag (chattr +i) stops every
# write, root's included, also through descriptors opened before it was set (EPERM), and
# chattr -i lifts it: the database and its folder become read-only under the running daemon,
# as on a file system remounted read-only. Setting it needs CAP_LINUX_IMMUTABLE (root) and a
# file system that has the flag (ext4, xfs, btrfs; not tmpfs).

def immutable_flag_unavailable(folder):
    """None when chattr +i stops writes through an open descriptor in `folder`, else why not."""
    probe = os.path.join(folder, "immutable-probe")
    fd = os.open(probe, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.write(fd, b"x")
        r = subprocess.run(["chattr", "+i", probe], capture_output=True, text=True)
        if r.returncode != 0:
            return (f"chattr +i failed ({r.stderr.strip() or r.returncode}): needs root "
                    f"(CAP_LINUX_IMMUTABLE) and a file system with the immutable flag")
        try:
            os.pwrite(fd, b"y", 0)
            return "the immutable flag does not stop writes through an open descriptor here"
        except PermissionError:
            return None
    except FileNotFoundError:
        return "chattr is not installed (Debian package e2fsprogs)"
    finally:
        os.close(fd)
        subprocess.run(["chattr", "-i", probe], capture_output=True)
        os.unlink(probe)


def set_immutable(paths, on):
    """chattr +i / -i on every path that exists; the folder last on, first off."""
    flag = "+i" if on else "-i"
    for path in paths:
        if os.path.exists(path):
            r = subprocess.run(["chattr", flag, path], capture_output=True, text=True)
            assert r.returncode == 0 or not on, f"chattr {flag} {path}: {r.stderr}"


def database_paths(workdir):
    db = os.path.join(workdir, "lapord.db")
    files = [db, db + "-wal", db + "-shm"]
    return files + [workdir]  # set: files then the folder; lifted in reverse


@sqlite_only("the read-only SQLite file and folder")
def test_read_only_database_refuses_to_start():
    workdir = tempfile.mkdtemp(prefix="lapord-readonly-")
    sim = SmscSim(workdir=workdir)
    config = write_config(workdir, sim.port, None, None)
    db = os.path.join(workdir, "lapord.db")
    # Create the file with a first run, then make it and its folder read-only.
    lapord = Lapord(config, workdir)
    lapord.wait_bound(sim)
    assert lapord.stop() == 0
    as_root = os.geteuid() == 0
    if as_root:
        why_not = immutable_flag_unavailable(workdir)
        if why_not:
            print(f"SKIP read-only at start as root: {why_not}")
            sim.stop()
            return
    paths = database_paths(workdir)
    try:
        if as_root:
            set_immutable(paths, True)
        else:
            os.chmod(db, stat.S_IRUSR)
            os.chmod(workdir, stat.S_IRUSR | stat.S_IXUSR)
        assert not os.access(db, os.W_OK) or as_root
        proc = Proc([binary("lapord"), "--config", config], name="lapord-ro",
                    workdir=tempfile.mkdtemp(prefix="lapord-ro-"))
        code = proc.wait(30)
        out = proc.log()
        assert code != 0, out
        assert "lapord.db" in out and "read" in out.lower(), out
        assert len([b for b in sim.records("bind") if b.get("status") == 0]) == 1, \
            "no bind (and no MO acked) without a writable store"
        print(f"read-only at start ({'chattr +i, as root' if as_root else 'chmod'}): "
              f"refused, exit {code}")
    finally:
        if as_root:
            set_immutable(reversed(paths), False)
        else:
            os.chmod(workdir, stat.S_IRWXU)
            os.chmod(db, stat.S_IRUSR | stat.S_IWUSR)
        sim.stop()


@sqlite_only("the SQLite file made immutable under the daemon")
def test_database_read_only_while_running():
    """The database turns read-only under the running daemon during a flood: the MO get
    temporary errors (never ESME_ROK), lapord stays up; once it is writable again every MO is
    stored and forwarded exactly once."""
    workdir = tempfile.mkdtemp(prefix="lapord-readonly-run-")
    why_not = immutable_flag_unavailable(workdir)
    if why_not:
        print(f"SKIP read-only while running: {why_not}")
        return
    n = 1500
    first = 200
    store = StoreSim(workdir=workdir)
    # The flood comes in two parts, the second started by a control command once the file is
    # read-only: a single timed flood could finish before the test (slow on a loaded machine)
    # had made the file read-only, and no MO would meet it.
    sim = SmscSim("--flood", str(first), "--window", "50", "--flood-text", TEXT,
                  "--flood-sources", str(n), "--retry-delay", "100", "--rate", "400",
                  workdir=workdir)
    config = write_config(workdir, sim.port, store.url, None)
    db = os.path.join(workdir, "lapord.db")
    # Not the -shm file: SQLite maps it shared, and a write to a clean page of an immutable
    # file's mapping faults with SIGBUS, which kills lapord (seen: about 1 run in 3). What is
    # acknowledged is safe then too (the crash tests), but this test is about the refused
    # write: the database file, its WAL and the folder refuse it with an error.
    paths = [p for p in database_paths(workdir) if not p.endswith("-shm")]
    lapord = Lapord(config, workdir)
    immutable = False
    try:
        lapord.wait_bound(sim)
        acked = lambda: [r for r in sim.records("deliver_sm_resp") if r["status"] == 0]
        wait_until(lambda: sim.records("flood_done"), 30, f"the first {first} MO acked before "
                   "the database turns read-only")
        set_immutable(paths, True)
        immutable = True
        sim.command(f"flood {n - first}")
        wait_until(lambda: len([r for r in sim.records("deliver_sm_resp") if r["status"] != 0])
                   >= 50, 30, "temporary errors while the database is read-only")
        lapord.proc.wait_for_log(r"store cannot keep MO", 10)
        # Still read-only: nothing more is acknowledged (the file takes no write). The resps
        # are recorded in the order they were sent; after the first error, none is ROK.
        wait_until(lambda: sum(1 for r in sim.records("deliver_sm_resp") if r["status"] != 0)
                   >= 100, 30, "more temporary errors")
        resps = sim.records("deliver_sm_resp")
        first_error = next(i for i, r in enumerate(resps) if r["status"] != 0)
        late_acks = [r for r in resps[first_error:] if r["status"] == 0]
        assert not late_acks, f"acknowledged while read-only: {late_acks[:5]}"
        error_statuses = {r["status"] for r in resps if r["status"] != 0}
        assert error_statuses == {8}, error_statuses  # ESME_RSYSERR: the SMSC retries
        acked_while_ro = len(acked())
        errors_while_ro = len(resps) - first_error
        assert lapord.proc.proc.poll() is None, "lapord must stay up"
        set_immutable(reversed(paths), False)
        immutable = False
        # Writable again: the SMSC's retries and the rest of the flood are stored.
        wait_until(lambda: len(sim.records("flood_done")) >= 2, 120,
                   "every MO acked once writable again")
        wait_until(lambda: len(store.taken()) == n, 60, f"all {n} complaints at store-sim")
        assert lapord.stop() == 0, lapord.proc.log()
        stored = {}
        for (sm,) in db_rows(db, "SELECT short_message FROM received"):
            k = int(NUMBER.search(bytes(sm).decode("latin-1")).group(1))
            stored[k] = stored.get(k, 0) + 1
        acked_mo = {r["mo"] for r in acked()}
        assert len(acked_mo) == n, len(acked_mo)
        assert set(stored) == set(range(n)), sorted(set(range(n)) - set(stored))[:10]
        assert all(c == 1 for c in stored.values()), [k for k, c in stored.items() if c != 1][:10]
        assert_each_once(store, db, n)
        assert db_rows(db, "PRAGMA integrity_check")[0][0] == "ok"
        print(f"read-only while running (chattr +i): {acked_while_ro} of {n} acked before, "
              f"{errors_while_ro} ESME_RSYSERR and 0 acks while read-only; afterwards all {n} "
              f"stored once and forwarded once")
    finally:
        if immutable:
            set_immutable(reversed(paths), False)
        code = lapord.stop()
        sim.stop()
        store.stop()
        assert code == 0, lapord.proc.log()


if __name__ == "__main__":
    run_tests([test_store_down_then_up, test_store_failing_and_hanging,
               test_disk_full_gives_temporary_errors, test_read_only_database_refuses_to_start,
               test_database_read_only_while_running])
