"""The access log of the running daemon ([log] access = PATH): one line per MO and per reply
with the masked number, the ref and institution, the outcome and the latency; never a full
number; a new file after logrotate's rename and a SIGHUP. The real lapord with smsc-sim and
store-sim on loopback.
"""
import json
import os
import re
import signal
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import run_tests, wait_until  # noqa: E402
from test_e2e import Lapord, SmscSim, StoreSim, db_rows, write_config, write_script  # noqa: E402
from test_ussd import Citizen, Setup, filing_steps, ref_of  # noqa: E402
from test_ussd import write_config as ussd_config  # noqa: E402

COMPLAINT = ("6281310000001", "LAPOR TANGKAB jalan rusak di Desa Suka Maju sudah 3 bulan")
SCRIPT = [
    {"dialogue": "c", "source": COMPLAINT[0], "destination": "1708", "text": COMPLAINT[1],
     "label": "complaint"},
    {"dialogue": "c", "wait": "submit_sm",
     "match": {"destination": COMPLAINT[0], "text_contains": "tiket"}, "timeout_ms": 20000},
    # The same complaint typed differently: the service's duplicate, answered with the first ref.
    {"dialogue": "c", "source": COMPLAINT[0], "destination": "1708",
     "text": "lapor tangkab  JALAN rusak di desa suka maju sudah 3 bulan", "label": "dup"},
    {"dialogue": "h", "source": "6281310000002", "destination": "1708", "text": "INFO",
     "label": "help"},
    {"dialogue": "s", "source": "6281310000003", "destination": "1708", "text": "UNREG LAPOR",
     "label": "stop"},
    {"dialogue": "a", "source": "TELKOMSEL", "source_ton": 5, "source_npi": 0,
     "destination": "1708", "text": "Promo paket data murah", "label": "alpha"},
]
NUMBERS = ["6281310000001", "6281310000002", "6281310000003", "6281310000004"]
TEXT_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (mo|mt) (\S+) (\S+) (\S+)"
                       r"(?: ref=(\S+))?(?: inst=(\S+))? outcome=(\S+) ms=(\d+\.\d{3})$")


def masked(number, last4):
    """lapor::mask_msisdn's form of 62813100000NN: the country code and 3 digits, stars, the
    last 4 (with or without the '+')."""
    return re.fullmatch(r"\+?62813\*{4,}" + last4, number or "") is not None


def read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


def parsed(path):
    out = []
    for line in read_lines(path):
        m = TEXT_LINE.match(line)
        assert m, f"not an access line: {line!r}"
        out.append({"dir": m.group(2), "carrier": m.group(3), "kind": m.group(4),
                    "number": m.group(5), "ref": m.group(6), "inst": m.group(7),
                    "outcome": m.group(8), "ms": float(m.group(9))})
    return out


def assert_no_full_number(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for n in NUMBERS:
        for form in (n, "+" + n, "0" + n[2:]):
            assert form not in text, f"{form} in the access log:\n{text}"


def start(work, access, log_format=None):
    store = StoreSim(workdir=work)
    sim = SmscSim("--receipts", "--script", write_script(work, SCRIPT), workdir=work)
    config = write_config(work, sim.port, store.url)
    with open(config, encoding="utf-8") as f:
        text = f.read()
    extra = f"access = {json.dumps(access)}\n"
    if log_format:
        extra += f"format = {json.dumps(log_format)}\n"
    with open(config, "w", encoding="utf-8") as f:
        f.write(text.replace("[log]\n", "[log]\n" + extra, 1))
    return store, sim, Lapord(config, work)


def test_a_line_per_mo_and_reply_and_a_reopen_after_rename():
    work = tempfile.mkdtemp(prefix="lapord-access-")
    path = os.path.join(work, "access.log")
    store, sim, lapord = start(work, path)
    try:
        wait_until(lambda: len(sim.records("script_done")) == 1, 60, "the script to finish")
        # Replies: the ack, the duplicate's answer, help, stop; each receipted DELIVRD.
        def settled():
            submits = sim.records("submit_sm")
            lines = parsed(path)
            mt = [l for l in lines if l["dir"] == "mt"]
            receipts = [l for l in lines if l["kind"] == "receipt"]
            return len(submits) >= 4 and len(mt) == len(submits) and \
                len(receipts) == len(sim.records("receipt")) == len(submits)
        wait_until(settled, 30, "a line for every reply and receipt")
        lines = parsed(path)
        mo = [l for l in lines if l["dir"] == "mo" and l["kind"] != "receipt"]
        by_kind = {l["kind"]: l for l in mo}
        assert sorted(by_kind) == ["complaint", "duplicate", "help", "ignore", "stop"], mo
        assert len(mo) == 5, mo
        ref = db_rows(os.path.join(work, "lapord.db"), "SELECT ref FROM complaints")[0][0]
        c = by_kind["complaint"]
        assert (c["carrier"], c["ref"], c["inst"], c["outcome"]) == \
            ("tsel", ref, "36.03", "created"), c
        assert masked(c["number"], "0001"), c
        assert c["ms"] > 0, c
        d = by_kind["duplicate"]
        assert (d["ref"], d["outcome"], d["inst"]) == (ref, "answered_first_ref", None), d
        assert masked(by_kind["help"]["number"], "0002"), by_kind["help"]
        assert by_kind["stop"]["outcome"] == "opted_out", by_kind["stop"]
        assert (by_kind["ignore"]["number"], by_kind["ignore"]["outcome"]) == \
            ("TELKOMSEL", "alphanumeric_sender"), by_kind["ignore"]
        mt = [l for l in lines if l["dir"] == "mt"]
        assert all(l["outcome"] == "sent" and l["carrier"] == "tsel" for l in mt), mt
        assert all(masked(l["number"], "000" + l["number"][-1]) for l in mt), mt
        assert [l["ref"] for l in mt if l["kind"] == "ack"] == [ref], mt
        assert all(l["outcome"] == "DELIVRD" for l in lines if l["kind"] == "receipt"), lines
        assert_no_full_number(path)

        # logrotate: rename, SIGHUP, then the next MO goes to a new file of the same name.
        os.rename(path, path + ".1")
        lapord.proc.signal(signal.SIGHUP)
        lapord.proc.wait_for_log(r"SIGHUP: logs reopened", 10)
        before = len(read_lines(path + ".1"))
        sim.command("script " + write_script(work, [
            {"source": "6281310000004", "destination": "1708", "text": "INFO", "label": "after"}],
            "after.jsonl"))
        wait_until(lambda: any(l["kind"] == "help" and l["dir"] == "mo" for l in parsed(path)),
                   20, "the help MO in the reopened file")
        fresh = [l for l in parsed(path) if l["dir"] == "mo" and l["kind"] != "receipt"]
        assert [l["kind"] for l in fresh] == ["help"], fresh
        assert masked(fresh[0]["number"], "0004"), fresh
        assert len(read_lines(path + ".1")) == before, "a line still went to the renamed file"
        assert_no_full_number(path)
    finally:
        lapord.stop()
        sim.stop()
        store.stop()


def test_json_lines_when_the_log_is_json():
    work = tempfile.mkdtemp(prefix="lapord-access-json-")
    path = os.path.join(work, "access.jsonl")
    store, sim, lapord = start(work, path, "json")
    try:
        wait_until(lambda: len([l for l in read_lines(path) if '"dir":"mo"' in l]) >= 5, 60,
                   "five MO lines")
        records = [json.loads(l) for l in read_lines(path)]
        complaint = [r for r in records if r["kind"] == "complaint"]
        assert len(complaint) == 1, records
        r = complaint[0]
        assert set(r) == {"ts", "dir", "carrier", "kind", "number", "ref", "institution",
                          "outcome", "ms"}, r
        assert (r["institution"], r["outcome"]) == ("36.03", "created"), r
        assert masked(r["number"], "0001"), r
        assert isinstance(r["ms"], float) and r["ms"] > 0, r
        assert_no_full_number(path)
    finally:
        lapord.stop()
        sim.stop()
        store.stop()


class UssdSetup(Setup):
    """test_ussd's two carriers and store-sim, with [log] access."""

    def __init__(self, access):  # pylint: disable=super-init-not-called
        self.workdir = tempfile.mkdtemp(prefix="lapord-access-ussd-")
        self.store = StoreSim()
        self.sims = {"tsel": SmscSim("--window", "200"), "xl": SmscSim("--window", "200")}
        line = f"access = {json.dumps(access)}\n"
        self.config = ussd_config(self.workdir, self.sims, self.store.url,
                                  edit=lambda t: t.replace("[log]\n", "[log]\n" + line, 1))
        self.lapord = Lapord(self.config, self.workdir)
        for sim in self.sims.values():
            self.lapord.wait_bound(sim)
        self.scripts = 0


def test_a_line_per_ussd_screen_and_filing():
    work = tempfile.mkdtemp(prefix="lapord-access-ussd-log-")
    path = os.path.join(work, "access.log")
    s = UssdSetup(path)
    try:
        c = Citizen("6281399990001", keyed=True)
        s.run("tsel", filing_steps(c, "jalan rusak di depan sekolah dasar kami sudah lama"))
        ref = ref_of(s.screens_to("tsel", c.msisdn)[-1])
        wait_until(lambda: len([l for l in parsed(path) if l["kind"] == "ussd_screen"]) == 5, 10,
                   "a line per screen")
        lines = parsed(path)
        screens = [l for l in lines if l["kind"] == "ussd_screen"]
        assert [l["outcome"] for l in screens[:4]] == ["next"] * 4, screens
        assert screens[4]["outcome"].startswith("last:"), screens
        assert all(l["carrier"] == "tsel" and masked(l["number"], "0001") for l in screens), screens
        filed = [l for l in lines if l["kind"] == "ussd_complaint"]
        assert len(filed) == 1, lines
        assert (filed[0]["ref"], filed[0]["inst"], filed[0]["outcome"]) == \
            (ref, "36.03", "created"), filed
        assert masked(filed[0]["number"], "0001"), filed
        with open(path, encoding="utf-8") as f:
            assert "6281399990001" not in f.read()
    finally:
        s.stop()


def test_access_off_and_a_bad_path():
    work = tempfile.mkdtemp(prefix="lapord-access-off-")
    store, sim, lapord = start(work, "off")
    try:
        wait_until(lambda: len(sim.records("script_done")) == 1, 60, "the script to finish")
        assert not [f for f in os.listdir(work) if "access" in f]
    finally:
        lapord.stop()
        sim.stop()
        store.stop()
    bad = os.path.join(work, "no-such-dir", "access.log")
    store, sim, lapord = start(tempfile.mkdtemp(prefix="lapord-access-bad-"), bad)
    try:
        assert lapord.proc.wait(10) == 2
        assert f"[log] cannot open access log {bad}" in lapord.proc.log(), lapord.proc.log()
    finally:
        sim.stop()
        store.stop()


if __name__ == "__main__":
    run_tests([test_a_line_per_mo_and_reply_and_a_reopen_after_rename,
               test_json_lines_when_the_log_is_json, test_a_line_per_ussd_screen_and_filing,
               test_access_off_and_a_bad_path])
