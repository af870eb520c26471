"""A long message whose parts straddle a crash of the daemon (issue 4: parts are kept durably).

Part 1 of 2 (UDH, 8-bit ref) arrives and is acknowledged, which means it is committed; lapord
is killed with SIGKILL and started again; part 2 arrives. The complaint must hold the whole
text, once, with both segments, and the citizen gets one acknowledgement.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import run_tests, wait_until  # noqa: E402
from test_e2e import Lapord, SmscSim, db_rows, submits_to, write_config, write_script  # noqa: E402

CITIZEN = "6281999999999"
# Only characters whose GSM 03.38 code equals their ASCII code (letters, digits, space , . -),
# so the hex below is the unpacked septets the SMSC would send.
PART1 = "LAPOR KULONPROGO jembatan gantung di dusun kami putus sejak banjir bulan lalu, "
PART2 = "anak-anak sekolah harus memutar tujuh kilometer setiap hari."


def part_step(seq, text):
    udh = f"050003a702{seq:02x}"  # IEI 0 (concat, 8-bit ref 0xa7), 2 parts, this is part seq
    return {"dialogue": f"part{seq}", "source": CITIZEN, "destination": "1708",
            "hex": udh + text.encode("ascii").hex(), "esm_class": 0x40, "data_coding": 0,
            "wait_ack": True, "label": f"part {seq}"}


def test_parts_survive_a_kill_between_them():
    workdir = tempfile.mkdtemp(prefix="lapord-parts-restart-")
    sim = SmscSim(workdir=workdir)
    db = os.path.join(workdir, "lapord.db")
    config = write_config(workdir, sim.port)
    first = Lapord(config, workdir, name="lapord-1")
    second = None
    try:
        first.wait_bound(sim)
        sim.command("script " + write_script(workdir, [part_step(1, PART1)], "part1.jsonl"))
        wait_until(lambda: any(r.get("status") == 0 for r in sim.records("deliver_sm_resp")), 20,
                   "part 1 to be acknowledged")
        # Acknowledged means committed: the part is on disk, no complaint exists yet.
        assert db_rows(db, "SELECT count(*) FROM parts")[0][0] == 1
        assert db_rows(db, "SELECT count(*) FROM complaints")[0][0] == 0

        first.kill()
        binds = len([b for b in sim.records("bind") if b.get("status") == 0])
        second = Lapord(config, workdir, name="lapord-2")
        second.wait_bound(sim, binds_before=binds)
        sim.command("script " + write_script(workdir, [part_step(2, PART2)], "part2.jsonl"))
        wait_until(lambda: any("tiket" in r.get("text", "") for r in submits_to(sim, CITIZEN)), 20,
                   "the acknowledgement after part 2")

        rows = db_rows(db, "SELECT text, segments, incomplete FROM complaints")
        assert rows == [((PART1 + PART2)[len("LAPOR KULONPROGO "):].strip(), 2, 0)], rows
        assert db_rows(db, "SELECT count(*) FROM parts")[0][0] == 0, "parts released after use"
        acks = [r for r in submits_to(sim, CITIZEN) if "tiket" in r.get("text", "")]
        assert len(acks) == 1, acks
        assert second.stop() == 0
        second = None
    finally:
        if second:
            second.kill()
        first.kill()
        sim.stop()


if __name__ == "__main__":
    run_tests([test_parts_survive_a_kill_between_them])
