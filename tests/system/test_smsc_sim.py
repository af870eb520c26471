"""smsc-sim checked from the outside against an independent ESME: Perl's Net::SMPP
(tests/tools/net_smpp_esme.pl), plus smsc-sim's own --esme-sink for the flood.

Every test starts the real smsc-sim binary on a loopback port it picks itself, and waits for
events (its records file, the ESME's output) with deadlines, never a bare sleep.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from lapord_harness import Proc, SOURCE_DIR, binary, run_tests, wait_until  # noqa: E402

ESME = os.path.join(SOURCE_DIR, "tests/tools/net_smpp_esme.pl")
LISTENING = re.compile(r"smsc-sim listening on 127\.0\.0\.1:(\d+)")


class Sim:
    """A running smsc-sim with its records file."""

    def __init__(self, *args, name="smsc-sim"):
        self.workdir = tempfile.mkdtemp(prefix="smsc-sim-test-")
        self.records_path = os.path.join(self.workdir, "records.jsonl")
        self.proc = Proc([binary("smsc-sim"), "--records", self.records_path, *args],
                         name=name, workdir=self.workdir)
        self.proc.wait_for_log(LISTENING.pattern)
        self.port = int(LISTENING.search(self.proc.log()).group(1))

    def records(self, event=None):
        try:
            with open(self.records_path, encoding="utf-8") as f:
                lines = [json.loads(line) for line in f if line.endswith("\n")]
        except FileNotFoundError:
            return []
        return [r for r in lines if event is None or r["event"] == event]

    def wait_records(self, event, count=1, where=lambda r: True, timeout=10.0):
        def found():
            hits = [r for r in self.records(event) if where(r)]
            return hits if len(hits) >= count else None
        try:
            return wait_until(found, timeout, f"{count} '{event}' record(s)")
        except AssertionError:
            print(f"--- records ---\n{open(self.records_path).read()}\n--- log ---\n{self.proc.log()}")
            raise

    def stop(self):
        """SIGTERM; returns (exit code, the final stats line)."""
        rc = self.proc.stop()
        stats = [json.loads(line) for line in self.proc.log().splitlines()
                 if line.startswith('{"event":"stats"')]
        return rc, (stats[-1] if stats else None)

    def file(self, name, text):
        path = os.path.join(self.workdir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path


def esme(port, system_id, password, *actions, mode="transceiver", timeout=30):
    """Runs the Net::SMPP ESME to the end; returns its JSON lines."""
    out = subprocess.run(["perl", ESME, "127.0.0.1", str(port), system_id, password, mode, *actions],
                         capture_output=True, text=True, timeout=timeout)
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise AssertionError(f"the ESME printed nothing; stderr:\n{out.stderr}")
    return lines


def start_esme(port, system_id, password, *actions, mode="transceiver"):
    return subprocess.Popen(["perl", ESME, "127.0.0.1", str(port), system_id, password, mode, *actions],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def lines_of(popen, timeout=30):
    out, err = popen.communicate(timeout=timeout)
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    if not lines:
        raise AssertionError(f"the ESME printed nothing; stderr:\n{err}")
    return lines


def ops(lines, op):
    return [x for x in lines if x["op"] == op]


def gsm_hex(text):
    """The unpacked GSM 03.38 octets of plain ASCII letters, digits and spaces (the same octets)."""
    return text.encode("ascii").hex()


# ------------------------------------------------------------------------------------------
def test_bind_checks_system_id_and_password():
    sim = Sim("--account", "lapord:secret", "--account", "other:pw2")
    try:
        assert esme(sim.port, "lapord", "secret")[0] == {"op": "bind_resp", "status": 0,
                                                         "system_id": "smsc-sim"}
        assert esme(sim.port, "other", "pw2", mode="receiver")[0]["status"] == 0
        assert esme(sim.port, "lapord", "wrong")[0]["status"] == 0x0E  # ESME_RINVPASWD
        assert esme(sim.port, "nobody", "secret", mode="transmitter")[0]["status"] == 0x0F
        binds = sim.wait_records("bind", 4)
        assert [(b["system_id"], b["mode"], b["status_name"]) for b in binds] == [
            ("lapord", "transceiver", "ESME_ROK"), ("other", "receiver", "ESME_ROK"),
            ("lapord", "transceiver", "ESME_RINVPASWD"), ("nobody", "transmitter", "ESME_RINVSYSID")]
    finally:
        rc, stats = sim.stop()
    assert rc == 0
    assert stats["binds"] == 2 and stats["binds_refused"] == 2


def test_enquire_link_submit_recorded_and_receipt():
    sim = Sim("--account", "lapord:secret", "--receipts")
    try:
        out = esme(sim.port, "lapord", "secret", "enquire", "submit:6281234567890:Halo dunia",
                   "receive:1")
        assert ops(out, "enquire_link_resp") == [{"op": "enquire_link_resp", "status": 0}]
        resp = ops(out, "submit_sm_resp")[0]
        assert resp["status"] == 0 and resp["message_id"] != ""
        rec = sim.wait_records("submit_sm")[0]
        assert rec["message_id"] == resp["message_id"]
        assert rec["destination"]["addr"] == "6281234567890" and rec["source"]["addr"] == "1708"
        assert rec["text"] == "Halo dunia" and rec["short_message_hex"] == gsm_hex("Halo dunia")
        assert rec["system_id"] == "lapord" and rec["status_name"] == "ESME_ROK"
        assert sim.wait_records("enquire_link")[0]["answered"] is True
        receipt = ops(out, "deliver_sm")[0]
        assert receipt["esm_class"] == 4
        text = bytes.fromhex(receipt["short_message_hex"]).decode("ascii")
        assert text.startswith(f"id:{resp['message_id']} sub:001 dlvrd:001 ") and "stat:DELIVRD" in text
        assert receipt["tlvs"]["30"] == (resp["message_id"].encode() + b"\0").hex()  # receipted_message_id
        assert receipt["tlvs"]["1063"] == "02"  # message_state DELIVERED
        sim.wait_records("deliver_sm_resp", where=lambda r: r["status"] == 0)
    finally:
        rc, stats = sim.stop()
    assert rc == 0
    assert stats["submit_sm"] == 1 and stats["mo"]["acked_ok"] == 1


def test_no_submit_records_still_answers_and_sends_receipts():
    """--no-submit-records (scripts/bench: a line per reply cost the simulator JSON per MO) keeps
    submit_sm out of the records only: the resp, the receipt with the text and the stats stay."""
    sim = Sim("--receipts", "--no-submit-records")
    try:
        out = esme(sim.port, "a", "b", "submit:6281234567890:Halo dunia", "receive:1")
        resp = ops(out, "submit_sm_resp")[0]
        assert resp["status"] == 0 and resp["message_id"] != ""
        text = bytes.fromhex(ops(out, "deliver_sm")[0]["short_message_hex"]).decode("ascii")
        assert text.startswith(f"id:{resp['message_id']} ") and text.endswith("text:Halo dunia")
        sim.wait_records("deliver_sm_resp", where=lambda r: r["status"] == 0)
    finally:
        rc, stats = sim.stop()
    assert rc == 0 and stats["submit_sm"] == 1
    assert not sim.records("submit_sm") and sim.records("receipt")


def test_data_sm_recorded():
    sim = Sim()
    try:
        out = esme(sim.port, "any", "any", "data:6281234567890:Lewat payload")
        assert ops(out, "data_sm_resp")[0]["status"] == 0
        rec = sim.wait_records("data_sm")[0]
        assert rec["text"] == "Lewat payload"
        assert rec["tlvs"]["message_payload_hex"] == gsm_hex("Lewat payload")
    finally:
        assert sim.stop()[0] == 0


def test_script_mo_short_and_long_in_udh_parts():
    long_text = " ".join(f"kata{i:03d}" for i in range(40))  # 319 characters: 3 UDH parts
    sim0 = tempfile.mkdtemp()
    script = os.path.join(sim0, "mo.jsonl")
    with open(script, "w") as f:
        f.write("# a citizen's short SMS, then a long one\n")
        f.write(json.dumps({"source": "6281111111111", "destination": "1708", "text": "CEK 123",
                            "wait_ack": True}) + "\n")
        f.write(json.dumps({"source": "6282222222222", "destination": "1708", "text": long_text,
                            "split": "udh8", "ref": 7}) + "\n")
        f.write(json.dumps({"source": "6283333333333", "destination": "1708", "text": "Lapor ÄÖ €",
                            "data_coding": 8, "tlvs": {"user_message_reference": 5}}) + "\n")
    sim = Sim("--script", script)
    try:
        out = esme(sim.port, "lapord", "x", "receive:5", mode="receiver")
        dsm = ops(out, "deliver_sm")
        assert len(dsm) == 5
        assert dsm[0]["source"] == "6281111111111" and dsm[0]["short_message_hex"] == gsm_hex("CEK 123")
        parts = dsm[1:4]
        body = ""
        for i, p in enumerate(parts, 1):
            assert p["esm_class"] & 0x40
            sm = bytes.fromhex(p["short_message_hex"])
            assert sm[:6] == bytes([5, 0, 3, 7, 3, i]), sm[:6].hex()
            body += sm[6:].decode("ascii")
        assert body == long_text
        assert [len(bytes.fromhex(p["short_message_hex"])) - 6 for p in parts] == [153, 153, 13]
        ucs2 = dsm[4]
        assert ucs2["data_coding"] == 8
        assert bytes.fromhex(ucs2["short_message_hex"]).decode("utf-16-be") == "Lapor ÄÖ €"
        assert ucs2["tlvs"]["516"] == "0005"  # user_message_reference
        sim.wait_records("script_done", where=lambda r: r["ok"] is True)
        resps = sim.wait_records("deliver_sm_resp", 5)
        assert all(r["status"] == 0 for r in resps)
        recs = sim.records("deliver_sm")
        assert recs[1]["udh_hex"] == "050003070301" and recs[1]["text"] == long_text[:153]
        assert recs[4]["text"] == "Lapor ÄÖ €"
    finally:
        rc, stats = sim.stop()
    assert rc == 0
    assert stats["mo"]["total"] == 5 and stats["mo"]["acked_ok"] == 5


def test_script_sar_parts():
    d = tempfile.mkdtemp()
    script = os.path.join(d, "sar.jsonl")
    with open(script, "w") as f:
        f.write(json.dumps({"source": "6281", "destination": "1708", "text": "x" * 200, "split": "sar",
                            "ref": 300}) + "\n")
    sim = Sim("--script", script)
    try:
        out = esme(sim.port, "a", "b", "receive:2", mode="receiver")
        dsm = ops(out, "deliver_sm")
        # sar_msg_ref_num (0x020c = 524), sar_total_segments (526), sar_segment_seqnum (527)
        assert [(p["tlvs"]["524"], p["tlvs"]["526"], p["tlvs"]["527"]) for p in dsm] == [
            ("012c", "02", "01"), ("012c", "02", "02")]
        assert [len(bytes.fromhex(p["short_message_hex"])) for p in dsm] == [160, 40]
    finally:
        assert sim.stop()[0] == 0


def test_ussd_dialogue_waits_for_submit():
    d = tempfile.mkdtemp()
    script = os.path.join(d, "ussd.jsonl")
    steps = [
        {"dialogue": "d1", "source": "6281234567890", "destination": "1708", "text": "*1708#",
         "service_type": "USSD", "tlvs": {"ussd_service_op": 1, "its_session_info": "0102"}},
        {"dialogue": "d1", "wait": "submit_sm", "timeout_ms": 15000,
         "match": {"destination": "6281234567890", "ussd_service_op": 2, "text_contains": "Buat"}},
        {"dialogue": "d1", "source": "6281234567890", "destination": "1708", "text": "1",
         "service_type": "USSD", "tlvs": {"ussd_service_op": 18, "its_session_info": "0104"}},
    ]
    with open(script, "w") as f:
        f.write("\n".join(json.dumps(s) for s in steps) + "\n")
    sim = Sim("--script", script)
    try:
        out = esme(sim.port, "gw", "pw", "receive:1", "submit:6281234567890:1 Buat laporan:2",
                   "receive:1")
        dsm = ops(out, "deliver_sm")
        assert bytes.fromhex(dsm[0]["short_message_hex"]) == b"*1708#"
        assert dsm[0]["tlvs"]["1281"] == "01" and dsm[0]["tlvs"]["4995"] == "0102"
        assert bytes.fromhex(dsm[1]["short_message_hex"]) == b"1"
        assert dsm[1]["tlvs"]["1281"] == "12" and dsm[1]["tlvs"]["4995"] == "0104"
        matched = sim.wait_records("script_matched")[0]
        assert matched["message_id"] == ops(out, "submit_sm_resp")[0]["message_id"]
        assert sim.wait_records("script_done")[0]["ok"] is True
        assert sim.records("submit_sm")[0]["tlvs"] == {"ussd_service_op": 2}
    finally:
        assert sim.stop()[0] == 0


def test_script_wait_times_out_and_fails():
    d = tempfile.mkdtemp()
    script = os.path.join(d, "t.jsonl")
    with open(script, "w") as f:
        f.write(json.dumps({"wait": "submit_sm", "match": {"destination": "999"}, "timeout_ms": 200}) + "\n")
    sim = Sim("--script", script, "--exit-when-done")
    bound = start_esme(sim.port, "a", "b", "expect_eof:20", mode="receiver")
    try:
        failed = sim.wait_records("script_failed")[0]
        assert failed["error"] == "wait timed out after 200 ms" and failed["line"] == 1
        assert sim.proc.wait(timeout=10) == 1
    finally:
        sim.stop()
        lines_of(bound)


def test_bad_script_and_bad_options_stop_at_start():
    d = tempfile.mkdtemp()
    script = os.path.join(d, "bad.jsonl")
    with open(script, "w") as f:
        f.write(json.dumps({"source": "1", "destination": "2", "text": "ok"}) + "\n")
        f.write(json.dumps({"source": "1", "destination": "2", "txt": "typo"}) + "\n")
    r = subprocess.run([binary("smsc-sim"), "--script", script], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and f"{script}:2: unknown key txt in an MO step" in r.stderr, r.stderr
    with open(script, "w") as f:
        f.write(json.dumps({"source": "1", "destination": "2", "text": "€" * 200, "data_coding": 8}) + "\n")
    r = subprocess.run([binary("smsc-sim"), "--script", script], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "over the 254 of one short_message" in r.stderr, r.stderr
    r = subprocess.run([binary("smsc-sim"), "--fault", "throttle=sometimes"], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 2 and "throttle: expected all, first:N or every:K" in r.stderr, r.stderr
    r = subprocess.run([binary("smsc-sim"), "--account", "nocolon"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 2 and "--account expects ID:PASSWORD" in r.stderr, r.stderr


def test_redelivers_unanswered_and_rejected_mo():
    sim = Sim("--flood", "10", "--window", "3", "--retry-delay", "50")
    try:
        # 1st bind: 3 MO read and never answered, then the connection drops.
        first = esme(sim.port, "a", "b", "noanswer:3", mode="receiver")
        assert len(ops(first, "deliver_sm")) == 3
        lost = sim.wait_records("mo_unanswered", 3)
        assert all(r["reason"] == "disconnect" for r in lost)
        # 2nd bind: answer 2 with ESME_RSYSERR (0x08), then unbind (which reads what is still
        # coming, so the close is a FIN and not a reset that would discard our two resps).
        second = esme(sim.port, "a", "b", "receive:2:8", "unbind", mode="receiver")
        rejected = [bytes.fromhex(x["short_message_hex"]) for x in ops(second, "deliver_sm")]
        first_texts = [bytes.fromhex(x["short_message_hex"]) for x in ops(first, "deliver_sm")]
        assert rejected == first_texts[:2], "unanswered MO are redelivered first, identical"
        sim.wait_records("deliver_sm_resp", 2, where=lambda r: r["status_name"] == "ESME_RSYSERR")
        # 3rd bind: everything arrives, and every MO ends acked exactly once.
        third = esme(sim.port, "a", "b", "receive:10", "unbind", mode="receiver")
        texts = sorted(bytes.fromhex(x["short_message_hex"]).decode() for x in ops(third, "deliver_sm"))
        assert texts == sorted(f"LAPOR flood {n}" for n in range(10)), texts
        sim.wait_records("flood_done")
    finally:
        rc, stats = sim.stop()
    assert rc == 0
    mo = stats["mo"]
    assert mo["total"] == 10 and mo["acked_ok"] == 10 and mo["outstanding"] == 0
    assert mo["rejected"] == 2 and mo["redelivered"] == mo["deliver_sm_sent"] - 10
    assert mo["redelivered"] >= 5  # 3 unanswered + 2 rejected, at least
    ok = [r["mo"] for r in sim.records("deliver_sm_resp") if r["status"] == 0]
    assert sorted(ok) == list(range(10))


def test_flood_against_esme_sink():
    sim = Sim("--flood", "20000", "--window", "50", "--no-flood-records", "--exit-when-done",
              "--account", "bench:pw")
    sink = subprocess.run([binary("smsc-sim"), "--esme-sink", "--connect", f"127.0.0.1:{sim.port}",
                           "--system-id", "bench", "--password", "pw"],
                          capture_output=True, text=True, timeout=60)
    assert sink.returncode == 0, sink.stderr
    sink_stats = json.loads(sink.stdout.strip().splitlines()[-1])
    assert sink_stats["event"] == "sink_stats" and sink_stats["received"] == 20000
    assert sim.proc.wait(timeout=20) == 0
    log = sim.proc.log()
    flood = json.loads(next(line for line in log.splitlines() if line.startswith('{"event":"flood_done"')))
    assert flood["messages"] == 20000 and flood["acked_ok"] == 20000 and flood["failed"] == 0
    assert flood["rate"] > 0 and flood["seconds"] > 0
    lat = flood["latency_us"]
    assert lat["count"] == 20000 and lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["max"]
    print(f"flood: {flood['rate']} msg/s, latency us {lat}")
    sim.stop()
    assert not sim.records("deliver_sm"), "--no-flood-records keeps per-PDU lines out"
    assert sim.records("flood_done")[0]["acked_ok"] == 20000


def test_flood_rate_is_obeyed():
    sim = Sim("--flood", "300", "--rate", "1000", "--exit-when-done")
    sink = subprocess.run([binary("smsc-sim"), "--esme-sink", "--connect", f"127.0.0.1:{sim.port}",
                           "--system-id", "a", "--password", "b"], capture_output=True, text=True,
                          timeout=60)
    assert sink.returncode == 0
    assert sim.proc.wait(timeout=20) == 0
    sent = [r["time"] for r in sim.records("deliver_sm")]
    assert len(sent) == 300
    from datetime import datetime
    t = [datetime.strptime(x, "%Y-%m-%dT%H:%M:%S.%fZ") for x in sent]
    span = (t[-1] - t[0]).total_seconds()
    assert span >= 0.29, f"300 MO at 1000/s took only {span:.3f} s"
    sim.stop()


def test_flood_spreads_over_the_binds():
    """A carrier spreads its MO over every bind it granted: so does the flood. At a rate (never
    enough MO to fill a window) the MO alternate over the binds; before, every one went to the
    first bind with window room. --start-binds holds the flood until both sinks are bound."""
    sim = Sim("--flood", "600", "--rate", "2000", "--start-binds", "2", "--no-flood-records",
              "--exit-when-done", "--account", "bench:pw")
    sinks = [subprocess.Popen([binary("smsc-sim"), "--esme-sink", "--connect",
                               f"127.0.0.1:{sim.port}", "--system-id", "bench", "--password", "pw"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    received = []
    for sink in sinks:
        out, err = sink.communicate(timeout=60)
        assert sink.returncode == 0, err
        received.append(json.loads(out.strip().splitlines()[-1])["received"])
    assert sim.proc.wait(timeout=20) == 0
    flood = sim.records("flood_done")[0]
    assert flood["acked_ok"] == 600 and sum(received) == 600, (flood, received)
    shares = sorted(b["deliver_sm"] for b in flood["binds"])
    assert len(shares) == 2 and sum(shares) == 600, flood["binds"]
    assert sorted(received) == shares
    # Round robin: 300 each, give or take the MO of one pump at the start.
    assert shares[0] >= 290, f"the flood was not spread over both binds: {flood['binds']}"
    assert all(b["acked_ok"] == b["deliver_sm"] for b in flood["binds"]), flood["binds"]
    sim.stop()


def test_fault_throttle_first_n():
    sim = Sim("--fault", "throttle=first:2")
    try:
        out = esme(sim.port, "a", "b", "submit:62811:satu", "submit:62811:dua", "submit:62811:tiga")
        assert [x["status"] for x in ops(out, "submit_sm_resp")] == [0x58, 0x58, 0]
        recs = sim.wait_records("submit_sm", 3)
        assert [r["status_name"] for r in recs] == ["ESME_RTHROTTLED", "ESME_RTHROTTLED", "ESME_ROK"]
        assert [r["message_id"] for r in recs][:2] == ["", ""]
        assert len(sim.records("fault")) == 2
    finally:
        assert sim.stop()[0] == 0


def test_fault_throttle_every_kth_with_other_status():
    sim = Sim("--fault", "throttle=every:2,status=ESME_RMSGQFUL")
    try:
        out = esme(sim.port, "a", "b", *[f"submit:62811:m{i}" for i in range(4)])
        assert [x["status"] for x in ops(out, "submit_sm_resp")] == [0, 0x14, 0, 0x14]
    finally:
        assert sim.stop()[0] == 0


def test_fault_refuse_bind_then_accept():
    sim = Sim("--fault", "refuse-bind=ESME_RBINDFAIL,times=1")
    try:
        assert esme(sim.port, "a", "b")[0]["status"] == 0x0D
        assert esme(sim.port, "a", "b")[0]["status"] == 0
    finally:
        assert sim.stop()[0] == 0


def test_fault_drop_after_n_pdus():
    sim = Sim("--fault", "drop-after=2,times=1")
    try:
        out = esme(sim.port, "a", "b", "enquire_async", "expect_eof:10")
        assert ops(out, "eof"), out
        assert sim.wait_records("disconnect")[0]["reason"] == "fault drop-after"
        # times=1: the next connection is not dropped
        out = esme(sim.port, "a", "b", "enquire")
        assert ops(out, "enquire_link_resp")[0]["status"] == 0
    finally:
        assert sim.stop()[0] == 0


def test_fault_silent_after_bind():
    sim = Sim("--fault", "silent")
    try:
        out = esme(sim.port, "a", "b", "enquire_async", "read:1")
        assert out[0]["status"] == 0  # the bind itself is answered
        assert ops(out, "timeout"), out
        assert sim.wait_records("fault")[0]["what"] == "silent"
    finally:
        assert sim.stop()[0] == 0


def test_fault_withhold_and_delay():
    sim = Sim("--fault", "withhold=enquire_link", "--fault", "delay=300,pdu=submit_sm")
    try:
        out = esme(sim.port, "a", "b", "enquire_async", "read:1")
        assert ops(out, "timeout"), out
        assert sim.wait_records("enquire_link")[0]["answered"] is False
        import time
        start = time.monotonic()
        out = esme(sim.port, "a", "b", "submit:62811:pelan")
        assert ops(out, "submit_sm_resp")[0]["status"] == 0
        assert time.monotonic() - start >= 0.3
    finally:
        assert sim.stop()[0] == 0


def test_fault_malformed_pdus():
    for kind, expect in [("unknown-command", (16, 0x666)), ("bad-length", (8, 5)),
                         ("huge-length", (0x7FFFFFFF, 5)), ("truncated", (21, 5))]:
        sim = Sim("--fault", f"malformed={kind}")
        try:
            out = esme(sim.port, "a", "b", "read:5")
            header = ops(out, "header")
            assert header, (kind, out)
            assert (header[0]["command_length"], header[0]["command_id"]) == expect, (kind, header)
            assert sim.wait_records("fault")[0]["what"].startswith(f"sent malformed {kind}")
        finally:
            assert sim.stop()[0] == 0


def test_malformed_pdu_from_esme_is_refused():
    import socket
    import struct
    sim = Sim()
    try:
        with socket.create_connection(("127.0.0.1", sim.port), timeout=5) as s:
            s.sendall(struct.pack(">IIII", 16, 0x00000666, 0, 42))
            header = s.recv(16)
            assert struct.unpack(">IIII", header) == (16, 0x80000000, 3, 42)  # ESME_RINVCMDID
            s.sendall(struct.pack(">IIII", 8, 0x15, 0, 43))  # command_length under 16
            header = s.recv(16)
            assert struct.unpack(">IIII", header)[1:3] == (0x80000000, 2)  # ESME_RINVCMDLEN
            assert s.recv(16) == b""  # and the connection is closed
        assert sim.wait_records("bad_pdu", 2)
    finally:
        assert sim.stop()[0] == 0


def test_sigterm_unbinds_and_writes_stats():
    sim = Sim("--flood", "5")
    bound = start_esme(sim.port, "a", "b", "noanswer:5", "expect_eof:20", mode="receiver")
    try:
        sim.wait_records("deliver_sm", 5)
        sim.proc.signal(signal.SIGTERM)
        assert sim.proc.wait(timeout=10) == 0
        assert sim.wait_records("unbind")[0]["by"] == "smsc"
    finally:
        rc, stats = sim.stop()
        out = lines_of(bound)
    assert rc == 0
    assert stats["mo"]["total"] == 5 and stats["mo"]["outstanding"] == 5 and stats["mo"]["acked_ok"] == 0
    assert ops(out, "eof")


def test_control_fifo_starts_a_script():
    sim0 = tempfile.mkdtemp()
    fifo = os.path.join(sim0, "control")
    os.mkfifo(fifo)
    script = os.path.join(sim0, "s.jsonl")
    with open(script, "w") as f:
        f.write(json.dumps({"source": "6281", "destination": "1708", "text": "dari kontrol"}) + "\n")
    sim = Sim("--control", fifo)
    bound = start_esme(sim.port, "a", "b", "receive:1", mode="receiver")
    try:
        sim.wait_records("bind")
        with open(fifo, "w") as f:
            f.write(f"script {script}\nstats\n")
        sim.wait_records("stats")
        out = lines_of(bound)
        assert bytes.fromhex(ops(out, "deliver_sm")[0]["short_message_hex"]) == b"dari kontrol"
    finally:
        assert sim.stop()[0] == 0


def test_control_fault_at_run_time():
    d = tempfile.mkdtemp()
    fifo = os.path.join(d, "control")
    os.mkfifo(fifo)
    go = os.path.join(d, "go")
    sim = Sim("--control", fifo)
    bound = start_esme(sim.port, "a", "b", "enquire", f"wait_file:{go}", "enquire_async", "read:1")
    try:
        sim.wait_records("enquire_link")
        with open(fifo, "w") as f:
            f.write("fault silent,after=0\nfault nonsense\n")
        sim.wait_records("control_error")
        assert sim.records("control")[0]["command"] == "fault silent,after=0"
        open(go, "w").close()
        out = lines_of(bound)
        assert ops(out, "enquire_link_resp")[0]["status"] == 0  # before the fault
        assert ops(out, "timeout"), out  # after it: no answer
        assert sim.wait_records("fault")[0]["what"] == "silent"
    finally:
        assert sim.stop()[0] == 0


if __name__ == "__main__":
    run_tests([
        test_bind_checks_system_id_and_password,
        test_enquire_link_submit_recorded_and_receipt,
        test_no_submit_records_still_answers_and_sends_receipts,
        test_data_sm_recorded,
        test_script_mo_short_and_long_in_udh_parts,
        test_script_sar_parts,
        test_ussd_dialogue_waits_for_submit,
        test_script_wait_times_out_and_fails,
        test_bad_script_and_bad_options_stop_at_start,
        test_redelivers_unanswered_and_rejected_mo,
        test_flood_against_esme_sink,
        test_flood_rate_is_obeyed,
        test_flood_spreads_over_the_binds,
        test_fault_throttle_first_n,
        test_fault_throttle_every_kth_with_other_status,
        test_fault_refuse_bind_then_accept,
        test_fault_drop_after_n_pdus,
        test_fault_silent_after_bind,
        test_fault_withhold_and_delay,
        test_fault_malformed_pdus,
        test_malformed_pdu_from_esme_is_refused,
        test_sigterm_unbinds_and_writes_stats,
        test_control_fifo_starts_a_script,
        test_control_fault_at_run_time,
    ])
