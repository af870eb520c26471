"""Crash safety: lapord is killed with SIGKILL many times at random moments during a flood of
10,000 MO and restarted each time. Afterwards every MO that got ESME_ROK is in the store
exactly once (received row and complaint) and reached store-sim exactly once by ref, and every
MO that did not get ROK was delivered again by smsc-sim (which only stops once all are acked).
The numbers are printed. Real binaries on loopback; see test_e2e.py."""
import os
import random
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import run_tests, wait_until  # noqa: E402
from test_e2e import Lapord, SmscSim, StoreSim, db_rows, write_config  # noqa: E402

N = int(os.environ.get("LAPORD_CRASH_N", "10000"))
KILLS = int(os.environ.get("LAPORD_CRASH_KILLS", "8"))
# LAPORD_CRASH_FORWARD=0 leaves forwarding out (to look at the store alone).
FORWARD = os.environ.get("LAPORD_CRASH_FORWARD", "1") != "0"
TEXT = "LAPOR SLEMAN keluhan nomor {n} jalan rusak parah"
NUMBER = re.compile(r"nomor (\d+) jalan")


def test_kill_9_during_flood():
    rng = random.Random(int(os.environ.get("LAPORD_CRASH_SEED", "1708")))
    workdir = tempfile.mkdtemp(prefix="lapord-crash-")
    store = StoreSim(workdir=workdir) if FORWARD else None
    sim = SmscSim("--flood", str(N), "--rate", "800", "--window", "100", "--flood-text", TEXT,
                  "--flood-sources", "5000", "--retry-delay", "100", workdir=workdir)
    config = write_config(workdir, sim.port, store.url if store else None, None,
                          log_level="warn")
    db = os.path.join(workdir, "lapord.db")
    lapord = Lapord(config, workdir, name="lapord-0")
    started = time.monotonic()
    kills = 0
    try:
        lapord.wait_bound(sim, 0)
        while kills < KILLS and not sim.records("flood_done"):
            # A random moment: sometimes mid-batch, sometimes right after the bind.
            time.sleep(rng.uniform(0.05, 1.0))
            binds = len([b for b in sim.records("bind") if b.get("status") == 0])
            lapord.kill()
            kills += 1
            lapord = Lapord(config, workdir, name=f"lapord-{kills}")
            lapord.wait_bound(sim, binds)
        wait_until(lambda: sim.records("flood_done"), 150, "the flood to be acked in full")
        flood = sim.records("flood_done")[0]

        complaints = db_rows(db, "SELECT ref, text FROM complaints")

        # What smsc-sim saw.
        resps = sim.records("deliver_sm_resp")
        acked = {r["mo"] for r in resps if r["status"] == 0}
        not_ok = [r for r in resps if r["status"] != 0]
        unanswered = sim.records("mo_unanswered")
        attempts = {}
        for d in sim.records("deliver_sm"):
            attempts.setdefault(d["mo"], []).append(d["attempt"])
        assert acked == set(range(N)), f"{N - len(acked)} MO never acked"
        # Every attempt that did not get ROK was followed by another delivery of the same MO.
        for r in not_ok + unanswered:
            assert max(attempts[r["mo"]]) > r["attempt"], f"mo {r['mo']} not redelivered"

        # The store: each MO received at least once (a whole MO delivered again after a kill
        # lost its deliver_sm_resp is kept again: it is answered like a citizen's repeat), at
        # most once per delivery; each a complaint exactly once.
        received = db_rows(db, "SELECT short_message FROM received")
        by_n = {}
        for (sm,) in received:
            m = NUMBER.search(bytes(sm).decode("latin-1"))
            assert m, sm
            by_n[int(m.group(1))] = by_n.get(int(m.group(1)), 0) + 1
        too_many = {n: c for n, c in by_n.items() if c > len(attempts.get(n, []))}
        assert not too_many, f"kept more often than delivered: {list(too_many.items())[:10]}"
        assert set(by_n) == set(range(N)), f"{N - len(by_n)} acked MO missing from the store"
        # A redelivery costs at most one extra reply (the duplicate reply), never a complaint.
        extra = len(received) - N
        duplicates = db_rows(db, "SELECT count(*) FROM replies WHERE kind = 'duplicate'")[0][0]
        assert duplicates <= extra, (duplicates, extra)
        complaint_n = {}
        for ref, text in complaints:
            n = int(NUMBER.search(text).group(1))
            complaint_n.setdefault(n, []).append(ref)
        twice = {n: r for n, r in complaint_n.items() if len(r) != 1}
        assert not twice, f"complaints created twice: {list(twice.items())[:10]}"
        assert set(complaint_n) == set(range(N))

        redelivered = sum(1 for a in attempts.values() if len(a) > 1)
        print(f"crash safety (store): {N} MO, {kills} kill -9 + restart in "
              f"{time.monotonic() - started:.1f}s; acked {len(acked)}; deliver_sm sent "
              f"{flood['deliver_sm_sent']}; MO delivered more than once {redelivered} "
              f"(non-ROK answers {len(not_ok)}, unanswered at a kill {len(unanswered)}); "
              f"received rows {len(received)} ({extra} redeliveries kept, {duplicates} duplicate "
              f"replies), complaints {len(complaints)}, each exactly once")

        if not FORWARD:
            return
        # Every complaint forwarded (the outbox survives the kills too).
        wait_until(lambda: len(store.taken()) >= len(complaints), 60, "forwarding to finish")
        taken = store.taken()
        store_records = store.records()
        # store-sim: every ref taken exactly once; nothing it took is unknown to us.
        refs = {ref for ref, _ in complaints}
        assert set(taken) == refs, f"{len(refs - set(taken))} not forwarded, " \
                                   f"{len(set(taken) - refs)} unknown at store-sim"
        assert all(c == 1 for c in taken.values())
        resent = len([r for r in store_records if r.get("status") == 409])

        print(f"crash safety: {N} MO, {kills} kill -9 + restart in "
              f"{time.monotonic() - started:.1f}s; acked {len(acked)}; deliver_sm sent "
              f"{flood['deliver_sm_sent']}; MO delivered more than once {redelivered} "
              f"(non-ROK answers {len(not_ok)}, unanswered at a kill {len(unanswered)}); "
              f"received rows {len(received)}, complaints {len(complaints)}; store-sim took "
              f"{len(taken)} refs once each, {resent} re-POSTs answered 409")
    finally:
        code = lapord.stop()
        sim.stop()
        if store:
            store.stop()
        assert code == 0, lapord.proc.log()


if __name__ == "__main__":
    run_tests([test_kill_9_during_flood])
