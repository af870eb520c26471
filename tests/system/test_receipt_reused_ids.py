"""Message ids reused by an SMSC (issue 12, item 4). smsc-sim numbers its message ids from 1;
restarted, it hands out "1" again. Reply A (first run, no receipt) and reply B (second run)
both get id "1": both segment rows are kept, and B's late receipt (sent 300 ms after its
submit_sm_resp) marks B delivered and leaves A submitted. Before, `INSERT OR REPLACE` dropped
A's row when B got the same id."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import run_tests, wait_until  # noqa: E402
from test_e2e import Lapord, SmscSim, db_rows, write_config, write_script  # noqa: E402

A = "6281377700001"
B = "6281377700002"


def accepted_to(sim, number):
    return [r for r in sim.records("submit_sm")
            if r["destination"]["addr"] == number and r["status"] == 0]


def reply_of(db, number):
    rows = db_rows(db, "SELECT id, state, receipt FROM replies WHERE destination = ?", (number,))
    assert len(rows) == 1, rows
    return rows[0]


def test_a_reused_message_id_keeps_the_older_row_and_credits_the_newest():
    work = tempfile.mkdtemp(prefix="lapord-reused-ids-")
    first_dir, second_dir = os.path.join(work, "sim1"), os.path.join(work, "sim2")
    os.mkdir(first_dir)
    os.mkdir(second_dir)
    sim = SmscSim("--script", write_script(first_dir, [{"source": A, "destination": "1708",
                                                        "text": "INFO"}]), workdir=first_dir)
    lapord = Lapord(write_config(work, sim.port), work)
    db = os.path.join(work, "lapord.db")
    try:
        lapord.wait_bound(sim)
        wait_until(lambda: accepted_to(sim, A), 15, "reply A accepted")
        assert accepted_to(sim, A)[0]["message_id"] == "1"
        reply_a = reply_of(db, A)[0]
        wait_until(lambda: reply_of(db, A)[1] == "submitted", 10, "reply A recorded")

        # The SMSC restarts: same port, ids from 1 again, receipts on (late).
        assert sim.stop() == 0
        sim = SmscSim("--receipts", "--receipt-delay", "300", "--script",
                      write_script(second_dir, [{"source": B, "destination": "1708",
                                                 "text": "INFO"}]),
                      workdir=second_dir, port=sim.port)
        wait_until(lambda: accepted_to(sim, B), 30, "reply B accepted")
        assert accepted_to(sim, B)[0]["message_id"] == "1"
        wait_until(lambda: sim.records("receipt"), 10, "B's receipt")
        wait_until(lambda: reply_of(db, B)[1] == "delivered", 10, "the receipt applied to B")

        assert reply_of(db, A)[1:] == ("submitted", None)
        # A reply of one segment keeps its id in its row since schema 13 (docs/store.md, "A
        # reply of one segment"); several segments go to reply_segments: both places.
        segments = db_rows(db, "SELECT reply_id, receipt FROM reply_segments WHERE "
                               "carrier = 'tsel' UNION ALL SELECT id, receipt FROM replies "
                               "WHERE carrier = 'tsel' AND message_id IS NOT NULL ORDER BY 1")
        assert segments == [(reply_a, None), (reply_of(db, B)[0], "DELIVRD")], segments
        ids = db_rows(db, "SELECT message_id FROM reply_segments UNION "
                          "SELECT message_id FROM replies WHERE message_id IS NOT NULL")
        assert len(ids) == 1, ids
        print(f"reused message id {ids[0][0]!r}: both segment rows kept, the late receipt went "
              f"to the newer reply {reply_of(db, B)[0]}, reply {reply_a} still submitted")
        assert lapord.stop() == 0, lapord.proc.log()
    finally:
        lapord.stop()
        sim.stop()


if __name__ == "__main__":
    run_tests([test_a_reused_message_id_keeps_the_older_row_and_credits_the_newest])
