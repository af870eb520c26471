"""Repeats and redeliveries (issue 12, spec sms-commands.md "Repeats and redeliveries"),
through the real lapord, smsc-sim and store-sim on loopback:

1. One citizen sends a complaint twice, INFO twice, CEK twice, then STOP, MULAI, STOP: every
   message is answered as the spec says (ack, duplicate with the first ref, help, help, status,
   status, stop, start, stop), one complaint, one forward, opted out at the end. A second
   citizen's "Jalan  RUSAK ..." after "jalan rusak ..." gets the duplicate reply with the first
   ref (the 24 h rule compares the case- and space-folded text).
2. The SMSC drops the connection on lapord's deliver_sm_resp of a committed complaint, so it
   redelivers that whole MO on the next bind: one complaint, one forward, and at most one extra
   reply (the duplicate reply)."""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import run_tests, wait_until  # noqa: E402
from test_e2e import Lapord, SmscSim, StoreSim, db_rows, write_config, write_script  # noqa: E402

CITIZEN = "6281355500001"
FOLDER = "6281355500002"
COMPLAINT = "LAPOR SLEMAN sampah menumpuk di pasar Godean sejak seminggu"


def replies_to(sim, number):
    """The submit_sm the SMSC accepted for `number`, in order."""
    return [r for r in sim.records("submit_sm")
            if r["destination"]["addr"] == number and r["status"] == 0
            and r.get("answered", True)]


class Citizen:
    """Sends one MO at a time (a one-line script through smsc-sim's control FIFO) and waits for
    the answer, so that every message is known to be answered before the next is sent."""

    def __init__(self, sim, workdir, number):
        self.sim, self.workdir, self.number, self.sent = sim, workdir, number, 0

    def send(self, text, answered=True):
        before = len(replies_to(self.sim, self.number))
        self.sent += 1
        path = write_script(self.workdir, [{"source": self.number, "destination": "1708",
                                            "text": text, "wait_ack": True}],
                            name=f"{self.number}-{self.sent}.jsonl")
        self.sim.command(f"script {path}")
        if not answered:
            return None
        wait_until(lambda: len(replies_to(self.sim, self.number)) > before, 15,
                   f"the answer to {text!r}")
        return replies_to(self.sim, self.number)[before]["text"]


def test_every_repeat_is_answered():
    work = tempfile.mkdtemp(prefix="lapord-repeats-")
    store = StoreSim(workdir=work)
    sim = SmscSim(workdir=work)
    lapord = Lapord(write_config(work, sim.port, store.url), work)
    db = os.path.join(work, "lapord.db")
    try:
        lapord.wait_bound(sim)
        c = Citizen(sim, work, CITIZEN)
        ack = c.send(COMPLAINT)
        assert ack.startswith("LAPOR! Laporan diterima, tiket "), ack
        ref = re.search(r"tiket (\d+)", ack).group(1)
        answers = [c.send(COMPLAINT), c.send("INFO"), c.send("INFO"), c.send(f"CEK {ref}"),
                   c.send(f"CEK {ref}"), c.send("STOP"), c.send("MULAI"), c.send("STOP")]
        expected = [f"LAPOR! Laporan yang sama sudah diterima dengan tiket {ref}.",
                    "LAPOR! Kirim: LAPOR", "LAPOR! Kirim: LAPOR",
                    f"LAPOR! Tiket {ref}: DITERIMA.", f"LAPOR! Tiket {ref}: DITERIMA.",
                    "LAPOR! Anda tidak akan menerima", "LAPOR! Kabar perkembangan laporan Anda",
                    "LAPOR! Anda tidak akan menerima"]
        for got, want in zip(answers, expected):
            assert got.startswith(want), (got, want)

        # The folded text: the same complaint in other case and spacing is a duplicate.
        f = Citizen(sim, work, FOLDER)
        first = f.send("jalan rusak di depan pasar Godean berlubang")
        first_ref = re.search(r"tiket (\d+)", first).group(1)
        again = f.send("Jalan  RUSAK di depan   pasar GODEAN berlubang")
        assert again.startswith(f"LAPOR! Laporan yang sama sudah diterima dengan tiket "
                                f"{first_ref}."), again

        wait_until(lambda: len(store.taken()) >= 2, 15, "both complaints forwarded")
        assert db_rows(db, "SELECT count(*) FROM complaints WHERE reporter = ?",
                       (f"+{CITIZEN}",)) == [(1,)]
        assert db_rows(db, "SELECT opted_out FROM reporters WHERE msisdn = ?",
                       (f"+{CITIZEN}",)) == [(1,)]
        assert db_rows(db, "SELECT count(*) FROM complaints")[0][0] == 2
        assert sorted(store.taken().values()) == [1, 1], store.taken()
        assert len(replies_to(sim, CITIZEN)) == 9
        assert len(replies_to(sim, FOLDER)) == 2
        print(f"repeats: 9 messages from one citizen, 9 answers, 1 complaint ({ref}), "
              f"forwarded once, opted out; folded duplicate answered with {first_ref}")
        assert lapord.stop() == 0, lapord.proc.log()
    finally:
        lapord.stop()
        sim.stop()
        store.stop()


def test_a_redelivered_whole_message_costs_at_most_one_reply():
    work = tempfile.mkdtemp(prefix="lapord-redelivery-")
    store = StoreSim(workdir=work)
    script = write_script(work, [{"source": CITIZEN, "destination": "1708", "text": COMPLAINT,
                                  "wait_ack": True}])
    # On the first connection the SMSC closes abruptly once it has received 2 PDUs: the bind,
    # then lapord's deliver_sm_resp for the complaint (sent only after its commit). The MO
    # counts as unanswered and is delivered again on the next bind.
    sim = SmscSim("--script", script, "--fault", "drop-after=2,conn=1", workdir=work)
    lapord = Lapord(write_config(work, sim.port, store.url,
                                 carrier={"enquire_link_interval_s": 600}), work)
    db = os.path.join(work, "lapord.db")
    try:
        lapord.wait_bound(sim)
        wait_until(lambda: sim.records("script_done"), 30, "the MO to be acked")
        attempts = [d["attempt"] for d in sim.records("deliver_sm")]
        assert attempts == [1, 2], attempts  # delivered twice: a true redelivery
        wait_until(lambda: len(replies_to(sim, CITIZEN)) >= 2, 15, "the answers")
        wait_until(lambda: len(store.taken()) >= 1, 15, "the forward")
        texts = [r["text"] for r in replies_to(sim, CITIZEN)]
        ref = re.search(r"tiket (\d+)", texts[0]).group(1)
        assert sorted(t.split(",")[0] for t in texts) == [
            "LAPOR! Laporan diterima", "LAPOR! Laporan yang sama sudah diterima dengan tiket "
            + ref + ". Cek status: ketik CEK " + ref + " kirim ke 1708"], texts
        assert db_rows(db, "SELECT count(*) FROM complaints") == [(1,)]
        assert db_rows(db, "SELECT count(*) FROM received") == [(2,)]
        assert store.taken() == {ref: 1}, store.taken()
        assert lapord.stop() == 0, lapord.proc.log()
        assert len(replies_to(sim, CITIZEN)) == 2  # the ack and one extra reply, no more
        print(f"redelivery after a dropped connection: delivered {len(attempts)} times, "
              f"1 complaint ({ref}) forwarded once, {len(texts)} replies (1 extra)")
    finally:
        lapord.stop()
        sim.stop()
        store.stop()


if __name__ == "__main__":
    run_tests([test_every_repeat_is_answered,
               test_a_redelivered_whole_message_costs_at_most_one_reply])
