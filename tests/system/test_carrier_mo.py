"""What a carrier sends lapord besides plain deliver_sm: MO as data_sm, delivery receipts for
lapord's own submits, and the SMSC's own enquire_link. Each is handed up (or answered) and
acknowledged; receipts are never echoed back."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import run_tests  # noqa: E402
from test_carrier import Sim, carrier, lapord_workdir, start_lapord, stop_all, write_config  # noqa: E402


def script_file(*steps):
    path = os.path.join(tempfile.mkdtemp(prefix="lapord-script-"), "mo.jsonl")
    with open(path, "w") as f:
        for s in steps:
            f.write(json.dumps(s) + "\n")
    return path


def test_data_sm_mo_is_handed_up_and_answered():
    script = script_file({"source": "6281234567890", "destination": "1708",
                          "text": "LAPOR lewat data_sm", "pdu": "data_sm", "wait_ack": True})
    sim = Sim("--script", script)
    work = lapord_workdir()
    lapord = start_lapord(write_config(work, [carrier("tsel", sim.port)]))
    try:
        lapord.wait_for_log(r"\[tsel\] MO data_sm from \+62812\*\*\*\*7890 to 1708, 19 octets")
        sim.wait_for("script_done", where=lambda r: r.get("ok") is True)
        assert lapord.stop() == 0
    finally:
        stop_all(lapord, sim)


def test_receipts_are_passed_up_and_not_echoed():
    script = script_file({"source": "6281234567890", "destination": "1708", "text": "LAPOR satu"})
    sim = Sim("--script", script, "--receipts")
    work = lapord_workdir()
    lapord = start_lapord(write_config(work, [carrier("tsel", sim.port)],
                                       daemon={"test_echo": True}))
    try:
        # The MO is echoed once; the SMSC's receipt for that echo comes back as a deliver_sm
        # with esm_class 0x04: handed up, answered, never echoed (that would loop for ever).
        lapord.wait_for_log(r"MO delivery receipt as deliver_sm from \+62812\*\*\*\*7890 to 1708")
        receipts = sim.wait_for("receipt")
        acked = sim.wait_for("deliver_sm_resp", count=2)
        assert all(r["status"] == 0 for r in acked), acked
        assert len(sim.records("submit_sm")) == 1, "a receipt must not be echoed"
        assert receipts[0]["message_id"] == sim.records("submit_sm")[0]["message_id"]
        assert lapord.stop() == 0
    finally:
        stop_all(lapord, sim)


def test_the_smscs_enquire_link_is_answered():
    sim = Sim("--enquire-link", "100")
    work = lapord_workdir()
    lapord = start_lapord(write_config(work, [carrier("tsel", sim.port)]))
    try:
        lapord.wait_for_log(r"bind up")
        sim.wait_for("enquire_link_resp", count=3)
        assert len(sim.records("bind")) == 1
        assert lapord.stop() == 0
    finally:
        stop_all(lapord, sim)


if __name__ == "__main__":
    run_tests([
        test_data_sm_mo_is_handed_up_and_answered,
        test_receipts_are_passed_up_and_not_echoed,
        test_the_smscs_enquire_link_is_answered,
    ])
