"""The log during an outage: the SMSC refusing every reply (submit_sm answered ESME_RSYSERR)
and the national store down, through a burst of 600 MO. Before the log-flood summariser
(net/log_flood.hpp) lapord wrote a line per refused submit_sm, per reply failed for good and
per re-opened circuit: ~1,900 lines for this burst. Now each kind is its first [log]
repeat_lines lines and one "N more like this in the last T s" line, written when the
condition clears (a submit_sm accepted again) or at the window's end (here: the stop).
Every MO is still stored and every complaint still waits in the outbox. Real binaries on
loopback; see test_e2e.py."""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import db_rows, free_port, run_tests, wait_until  # noqa: E402
from test_e2e import Lapord, SmscSim, write_config  # noqa: E402

N = 600
TEXT = "LAPOR SLEMAN keluhan nomor {n} jalan rusak parah"
SUMMARY = re.compile(r"(.*): (\d+) more like this in the last [\d.]+ s, not logged")


def count(log, pattern):
    return len(re.findall(pattern, log))


def summaries(log):
    """key -> lines counted by its summary lines."""
    out = {}
    for m in SUMMARY.finditer(log):
        key = m.group(1).split("] ", 1)[-1]
        out[key] = out.get(key, 0) + int(m.group(2))
    return out


def test_outage_burst_is_a_few_lines():
    workdir = tempfile.mkdtemp(prefix="lapord-logflood-")
    sim = SmscSim("--flood", str(N), "--window", "50", "--flood-text", TEXT,
                  "--flood-sources", str(N), "--fault", "throttle=all,status=ESME_RSYSERR",
                  workdir=workdir)
    config = write_config(workdir, sim.port, f"http://127.0.0.1:{free_port()}", None,
                          store={"reply_max_attempts": 2, "reply_retry_s": 0.05},
                          log={"repeat_lines": 3, "repeat_window_s": 600})
    db = os.path.join(workdir, "lapord.db")
    lapord = Lapord(config, workdir)
    try:
        lapord.wait_bound(sim)
        wait_until(lambda: sim.records("flood_done"), 60, f"all {N} MO acked")
        # Every ack refused twice, then failed for good.
        wait_until(lambda: db_rows(db, "SELECT count(*) FROM replies WHERE state = 'failed'")
                   [0][0] == N, 120, f"{N} replies failed for good")
        assert db_rows(db, "SELECT count(*) FROM received")[0][0] == N
        assert db_rows(db, "SELECT count(*) FROM complaints")[0][0] == N
        assert db_rows(db, "SELECT count(*) FROM complaints "
                                   "WHERE forward_state = 'pending'")[0][0] == N
        # The SMSC accepts again: the next reply goes out and its success clears the condition,
        # whose summary is written at once (not only at the stop).
        sim.command("fault clear")
        sim.command("flood 1")
        lapord.proc.wait_for_log(r"submit_sm refused: ESME_RSYSERR: \d+ more like this", 30)
    finally:
        code = lapord.stop()
        sim.stop()
    log = lapord.proc.log()
    assert code == 0, log
    refused = count(log, r"refused by the SMSC")
    failed = count(log, r"failed for good after")
    circuit = count(log, r"forwarder: circuit open after")
    held = summaries(log)
    print(f"{N} MO, SMSC refusing, store down: {len(log.splitlines())} lapord log lines; "
          f"refused {refused} written + {held}; failed for good {failed}; circuit {circuit}")
    assert refused == 3, refused
    assert failed == 3, failed
    assert circuit <= 3, circuit
    # Nothing lost: written + summarised = every refusal (2 per reply) and every failure.
    refused_key = next(k for k in held if k.endswith("submit_sm refused: ESME_RSYSERR"))
    assert refused + held[refused_key] == 2 * N, (refused, held)
    failed_key = next(k for k in held if k.startswith("replies: failed for good"))
    assert failed + held[failed_key] == N, (failed, held)
    # The whole log of the burst: start-up, a few lines per kind, their summaries, the stop.
    assert len(log.splitlines()) <= 60, log


if __name__ == "__main__":
    run_tests([test_outage_burst_is_a_few_lines])
