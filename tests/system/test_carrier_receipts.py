"""A carrier's receipt ids and reply sender (issue 12, items 3 and 5), with the real lapord and
smsc-sim on loopback, checked from outside: the simulator's records, lapord's log and the
SQLite file.

smsc-sim plays the carrier that answers submit_sm with a hex id (5A000001) and writes the same
number in decimal in its receipts (id:1509949441) with no receipted_message_id TLV."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import run_tests, wait_until  # noqa: E402
from test_e2e import Stack, db_rows, submits_to, write_script  # noqa: E402

DECIMAL_RECEIPTS = ["--receipts", "--message-id-hex", "--message-id-start", "1509949441",
                    "--receipt-text-id", "decimal", "--no-receipt-id-tlv"]
CITIZENS = ["6281111111111", "6281222222222", "6281333333333"]
UNMATCHED = r"\[mo\] receipt from tsel \(DELIVRD\) for message id \"(\d+)\" matches no reply"


def info_from(numbers):
    return [{"dialogue": n, "source": n, "destination": "1708", "text": "INFO"} for n in numbers]


def replies(s):
    return dict(db_rows(s.db, "SELECT state, count(*) FROM replies GROUP BY state"))


def receipts_acked(s):
    """The receipts smsc-sim sent that lapord answered ESME_ROK (so their commit is done)."""
    receipt_mo = {r["mo"] for r in s.sim.records("receipt")}
    return {r["mo"] for r in s.sim.records("deliver_sm_resp")
            if r["mo"] in receipt_mo and r["status"] == 0}


def test_decimal_receipt_ids_match_hex_message_ids_by_default():
    s = Stack(script=info_from(CITIZENS[:1]), sim_args=DECIMAL_RECEIPTS, with_store=False,
              api=False)
    try:
        wait_until(lambda: submits_to(s.sim, CITIZENS[0]), 30, "the reply")
        sent = submits_to(s.sim, CITIZENS[0])[0]
        assert sent["message_id"] == "5A000001", sent
        # Today's sender when the carrier says nothing: the short code, TON 3, NPI 0.
        assert sent["source"] == {"addr": "1708", "ton": 3, "npi": 0}, sent["source"]
        wait_until(lambda: len(receipts_acked(s)) == 1, 30, "the receipt acknowledged")
        receipt = [d for d in s.sim.records("deliver_sm") if d["mo"] in receipts_acked(s)][0]
        assert receipt["text"].startswith("id:1509949441 "), receipt["text"]
        assert "receipted_message_id" not in receipt.get("tlvs", {}), receipt
        wait_until(lambda: replies(s) == {"delivered": 1}, 10, "the reply delivered")
        assert not re.search(UNMATCHED, s.lapord.proc.log()), s.lapord.proc.log()
    finally:
        assert s.stop() == 0, s.lapord.proc.log()


def test_receipt_ids_read_as_is_match_nothing_and_say_so_once():
    # receipt_id = "as_is": the decimal id is looked up as written, finds no reply; the
    # warning comes once per carrier, not once per receipt.
    s = Stack(script=info_from(CITIZENS), sim_args=DECIMAL_RECEIPTS, with_store=False,
              api=False, carrier={"receipt_id": "as_is"})
    try:
        wait_until(lambda: len(receipts_acked(s)) == len(CITIZENS), 30, "every receipt acked")
        assert replies(s) == {"submitted": len(CITIZENS)}, replies(s)
        lines = [m.group(0) for m in re.finditer(UNMATCHED + r".*", s.lapord.proc.log())]
        assert len(lines) == 1, lines
        print("logged:", lines[0])
        assert 'looked up as 1509949441 (receipt_id = "as_is")' in lines[0], lines[0]
    finally:
        assert s.stop() == 0, s.lapord.proc.log()


def test_explicit_decimal_receipt_ids_and_the_carriers_reply_sender():
    # receipt_id = "decimal", and the carrier's own sender: source_addr, source_ton, source_npi
    # on every submit_sm of its replies.
    s = Stack(script=info_from(CITIZENS[:2]), sim_args=DECIMAL_RECEIPTS, with_store=False,
              api=False, carrier={"receipt_id": "decimal", "source_addr": "17080",
                                  "source_ton": 0, "source_npi": 1})
    try:
        wait_until(lambda: len(receipts_acked(s)) == 2, 30, "both receipts acked")
        sent = s.sim.records("submit_sm")
        assert len(sent) == 2, sent
        for r in sent:
            assert r["source"] == {"addr": "17080", "ton": 0, "npi": 1}, r["source"]
        wait_until(lambda: replies(s) == {"delivered": 2}, 10, "both replies delivered")
        assert not re.search(UNMATCHED, s.lapord.proc.log())
    finally:
        assert s.stop() == 0, s.lapord.proc.log()


if __name__ == "__main__":
    run_tests([
        test_decimal_receipt_ids_match_hex_message_ids_by_default,
        test_receipt_ids_read_as_is_match_nothing_and_say_so_once,
        test_explicit_decimal_receipt_ids_and_the_carriers_reply_sender,
    ])
