"""Failover (issue 13, item 5): lapord on a PostgreSQL primary with a synchronous standby; the
primary's postmaster is killed (kill -9) in the middle of a flood and the standby promoted.
lapord, given both servers in one multi-host URL with target_session_attrs=read-write, finds
the new primary and carries on: the flood completes, every MO smsc-sim saw acknowledged before
the kill is in the new primary's store, every complaint exists once and reached store-sim once.

Both servers are clusters of this test's own (tests/system/pg_cluster.py: pg_basebackup -R,
synchronous_standby_names, waited for in pg_stat_replication), on free loopback ports, removed
at the end. Real binaries on loopback; see test_e2e.py."""
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pg_cluster  # noqa: E402
from lapord_harness import run_tests, wait_until  # noqa: E402
from test_e2e import Lapord, SmscSim, StoreSim, write_config  # noqa: E402

N = int(os.environ.get("LAPORD_FAILOVER_N", "3000"))
RATE = os.environ.get("LAPORD_FAILOVER_RATE", "300")
TEXT = "LAPOR SLEMAN keluhan nomor {n} jalan rusak parah"
URL_ENV = "LAPORD_FAILOVER_PG_URL"
DB = "lapord"


class Answers:
    """smsc-sim's answers as they come: its records file is followed from where the last read
    stopped, each line parsed once. While the store is away smsc-sim redelivers every refused
    MO after --retry-delay: hundreds of thousands of lines, which a full read per poll would
    parse again and again (under load, slower than they are written: the test then waits on
    its own reading, and the flood's deadline runs out)."""

    def __init__(self, sim):
        self.path = sim.records_path
        self.offset = 0
        self.rest = b""
        self.by_mo = {}  # mo -> the statuses smsc-sim got for it, one per attempt answered
        self.not_ok = 0  # answers other than ESME_ROK (the temporary error)
        self.flood_done = False

    def update(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return self
        self.offset += len(data)
        lines = (self.rest + data).split(b"\n")
        self.rest = lines.pop()  # a line being written right now: read with the next update
        for line in lines:
            try:
                r = json.loads(line)
            except ValueError:
                continue
            if r.get("event") == "deliver_sm_resp":
                self.by_mo.setdefault(r["mo"], []).append(r["status"])
                self.not_ok += r["status"] != 0
            elif r.get("event") == "flood_done":
                self.flood_done = True
        return self

    def acked(self):
        return {mo for mo, statuses in self.update().by_mo.items() if 0 in statuses}


def numbers(server, sql):
    """The flood numbers (TEXT's {n}) a query returns, one row each, as a list."""
    out = server.psql(sql, DB)
    return [int(x) for x in out.split()] if out else []


def store_contents(server):
    received = numbers(server, "SELECT substring(encode(short_message, 'escape') "
                               "from 'nomor (\\d+) jalan') FROM received")
    complaints = {}
    for line in server.psql("SELECT ref || ' ' || substring(text from 'nomor (\\d+) jalan') "
                            "FROM complaints", DB).splitlines():
        ref, n = line.split()
        complaints.setdefault(int(n), []).append(ref)
    return received, complaints


def start_pair():
    """A primary and its synchronous standby, lapord's database created on the primary first
    (the base backup carries it)."""
    primary = pg_cluster.Cluster().start()
    standby = None
    try:
        primary.create_db(DB)
        standby = pg_cluster.standby_of(primary, "standby1")
        pg_cluster.make_synchronous(primary, "standby1")
        return primary, standby
    except BaseException:
        for c in (standby, primary):
            if c:
                c.stop("immediate")
                c.remove()
        raise


def test_primary_killed_mid_flood_standby_promoted():
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="lapord-failover-")
    primary, standby = start_pair()
    os.environ[URL_ENV] = (f"host=127.0.0.1,127.0.0.1 port={primary.port},{standby.port} "
                           f"user=postgres dbname={DB} target_session_attrs=read-write "
                           "connect_timeout=2")
    store = StoreSim(workdir=work)
    sim = SmscSim("--flood", str(N), "--rate", RATE, "--window", "100", "--flood-text", TEXT,
                  "--flood-sources", str(N // 2), "--retry-delay", "100", workdir=work)
    config = write_config(work, sim.port, store.url, None, log_level="info",
                          store={"backend": "postgresql", "url_env": URL_ENV,
                                 "instance": "gw-failover"})
    lapord = Lapord(config, work)
    code = None
    try:
        lapord.wait_bound(sim)
        # The start line names the backend, not the [store] path it does not use.
        lapord.proc.wait_for_log(r"store PostgreSQL open \(schema version \d+\)", 10)
        seen = Answers(sim)
        wait_until(lambda: len(seen.acked()) >= N // 3, 60, f"{N // 3} MO acked", interval=0.1)
        not_ok_before = seen.not_ok
        primary.kill()
        killed_at = time.monotonic()
        before = seen.acked()  # read after the kill: every one of them was acked before it
        assert len(before) < N, "the flood finished before the kill"
        # Promoted at once, as Patroni would once it judged the primary dead: the outage lasts
        # as long as the promotion, not as long as this test takes to look at it.
        standby.promote()
        promoted_after = time.monotonic() - killed_at
        acked_at_promotion = len(seen.acked())

        def done():
            if lapord.proc.proc.poll() is not None:
                raise AssertionError(f"lapord exited after the failover:\n{lapord.proc.log()}")
            return seen.update().flood_done
        wait_until(done, 90, "the flood to be acked in full", interval=0.2)
        resumed_after = time.monotonic() - killed_at
        assert seen.acked() == set(range(N)), f"{N - len(seen.acked())} MO never acked"
        # The outage reached the SMSC (the temporary error answered): else the flood could
        # have been over before the kill and the test prove nothing.
        assert seen.not_ok > not_ok_before, "no MO was refused while the primary was away"

        received, complaints = store_contents(standby)
        missing = before - set(received)
        assert not missing, f"{len(missing)} MO acked before the kill are not in the store: " \
                            f"{sorted(missing)[:10]}"
        assert set(received) == set(range(N)), f"{N - len(set(received))} acked MO not stored"
        twice = {n: refs for n, refs in complaints.items() if len(refs) != 1}
        assert not twice, f"complaints created twice: {list(twice.items())[:10]}"
        assert set(complaints) == set(range(N))

        refs = {refs[0] for refs in complaints.values()}
        wait_until(lambda: len(store.taken()) >= len(refs), 60, "every complaint forwarded",
                   interval=0.2)
        taken = store.taken()
        assert set(taken) == refs, f"{len(refs - set(taken))} not forwarded, " \
                                   f"{len(set(taken) - refs)} unknown at store-sim"
        assert set(taken.values()) == {1}, "a complaint taken twice by store-sim"
        not_ok = seen.not_ok
        print(f"failover: {N} MO at {RATE}/s; primary killed after {len(before)} acked; "
              f"standby promoted at {promoted_after:.2f} s ({acked_at_promotion} acked by "
              f"then); flood done "
              f"{resumed_after:.2f} s after the kill ({not_ok} temporary errors answered, "
              f"redelivered); received rows {len(received)}, complaints {len(complaints)} once "
              f"each, store-sim took {len(taken)} refs once each; whole test "
              f"{time.monotonic() - started:.1f} s")
    finally:
        code = lapord.stop()
        sim.stop()
        store.stop()
        for c in (primary, standby):
            c.stop("immediate")
            c.remove()
    assert code == 0, lapord.proc.log()
    shutil.rmtree(work, ignore_errors=True)  # passed: its records (tens of MB) are not needed


if __name__ == "__main__":
    run_tests([test_primary_killed_mid_flood_standby_promoted])
