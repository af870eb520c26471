"""End to end with the real binaries on loopback: smsc-sim sends citizens' messages to lapord,
lapord keeps them in SQLite, answers each deliver_sm after its commit, replies by submit_sm and
forwards the complaints to store-sim. Checked from outside: smsc-sim's and store-sim's records
and the store (SQLite or PostgreSQL: LAPORD_TEST_BACKEND, see lapord_harness.py).

Also the helpers of test_crash*.py, test_outage*.py and test_callback*.py (they import this
module; its tests run only when it is the script ctest started).
"""
import json
import os
import re
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import (SOURCE_DIR, Proc, binary, db_rows, free_port, run_tests,  # noqa: E402,F401
                            store_keys, toml_value, wait_until, write_toml)

REF_KEY = "e2e-test-ref-key-0123456789abcdef"
API_TOKEN = "callback-token-for-tests"


# --- helpers --------------------------------------------------------------------------------

def jsonl(path):
    out = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass  # a line being written right now
    except FileNotFoundError:
        pass
    return out


class SmscSim:
    """smsc-sim on a free loopback port; its records as a list of dicts."""

    def __init__(self, *args, workdir=None, port=0):
        self.workdir = workdir or tempfile.mkdtemp(prefix="lapord-e2e-sim-")
        self.records_path = os.path.join(self.workdir, "sim.jsonl")
        port_file = os.path.join(self.workdir, "sim.port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.control_path = os.path.join(self.workdir, "sim.ctl")
        if not os.path.exists(self.control_path):
            os.mkfifo(self.control_path)
        argv = [binary("smsc-sim"), "--port", str(port), "--port-file", port_file,
                "--records", self.records_path, "--account", "lapord:secret",
                "--control", self.control_path] + list(args)
        self.proc = Proc(argv, name="smsc-sim", workdir=self.workdir)
        wait_until(lambda: os.path.exists(port_file) or self.proc.proc.poll() is not None,
                   10, "smsc-sim to listen")
        if self.proc.proc.poll() is not None:
            raise AssertionError("smsc-sim exited: " + self.proc.log())
        with open(port_file) as f:
            self.port = int(f.read().strip())

    def records(self, event=None):
        return [r for r in jsonl(self.records_path) if event is None or r.get("event") == event]

    def command(self, line):
        """A control command (docs/smsc-sim.md), e.g. `script FILE`."""
        with open(self.control_path, "w") as f:
            f.write(line + "\n")

    def stop(self):
        return self.proc.stop()


class StoreSim:
    """store-sim on a loopback port (free unless given); its records as a list of dicts."""

    def __init__(self, *args, workdir=None, port=0):
        self.workdir = workdir or tempfile.mkdtemp(prefix="lapord-e2e-store-")
        self.records_path = os.path.join(self.workdir, "store.jsonl")
        self.proc = Proc([binary("store-sim"), "--port", str(port), "--records",
                          self.records_path] + list(args), name="store-sim", workdir=self.workdir)
        self.proc.wait_for_log(r"store-sim listening on 127\.0\.0\.1:\d+", 10)
        self.port = int(re.search(r"listening on 127\.0\.0\.1:(\d+)", self.proc.log()).group(1))
        self.url = f"http://127.0.0.1:{self.port}"

    def records(self):
        return jsonl(self.records_path)

    def taken(self):
        """ref -> number of 201 answers (a ref taken more than once would be a bug)."""
        counts = {}
        for r in self.records():
            if r.get("status") == 201:
                counts[r["ref"]] = counts.get(r["ref"], 0) + 1
        return counts

    def stop(self):
        return self.proc.stop()


def write_config(workdir, smsc_port, store_url=None, api_port=None, store=None, store_api=None,
                 carrier=None, log_level="info", admin=None, log=None):
    """A whole lapord.toml: one carrier at smsc-sim, the shipped directory and templates, the
    SQLite file in workdir, forwarding to store_url and the callback API on api_port."""
    src = os.path.abspath(SOURCE_DIR)
    tables = [
        ("daemon", {"shutdown_timeout_s": 5}),
        ("log", dict({"level": log_level}, **(log or {}))),
        ("service", {"directory": f"{src}/config/directory/institutions.tsv",
                     "aliases": f"{src}/config/directory/aliases.tsv",
                     "templates": f"{src}/config/templates-id.txt",
                     "greetings": f"{src}/config/greetings-id.txt",
                     "ref_key": REF_KEY}),
        ("store", store_keys(workdir, **(store or {}))),
    ]
    if store_url:
        tables.append(("store_api", dict({"url": store_url, "token": "store-token",
                                          "timeout_s": 2, "backoff_initial_s": 0.1,
                                          "backoff_max_s": 1, "breaker_open_s": 0.5,
                                          "poll_interval_s": 0.2}, **(store_api or {}))))
    if api_port:
        tables.append(("api", {"listen": f"127.0.0.1:{api_port}", "token": API_TOKEN}))
    # A free port of lapord's choosing (logged), so parallel tests never collide on 8471.
    tables.append(("admin", dict({"listen": "127.0.0.1:0"}, **(admin or {}))))
    lines = []
    for name, keys in tables:
        lines.append(f"[{name}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in keys.items()]
    c = {"name": "tsel", "host": "127.0.0.1", "port": smsc_port, "system_id": "lapord",
         "password": "secret", "window": 50, "submit_rate": 1000, "submit_burst": 50,
         "response_timeout_s": 5, "connect_timeout_s": 2, "reconnect_min_s": 0.05,
         "reconnect_max_s": 0.3}
    c.update(carrier or {})
    lines.append("[[carrier]]")
    lines += [f"{k} = {toml_value(v)}" for k, v in c.items()]
    return write_toml(workdir, lines)


class Lapord:
    def __init__(self, config_path, workdir, name="lapord", env=None):
        self.proc = Proc([binary("lapord"), "--config", config_path], name=name, workdir=workdir,
                         env=env)

    def wait_bound(self, sim, binds_before=0, timeout=30):
        wait_until(lambda: self.proc.proc.poll() is not None or
                   len([b for b in sim.records("bind") if b.get("status") == 0]) > binds_before,
                   timeout, "lapord to bind")
        if self.proc.proc.poll() is not None:
            raise AssertionError(f"lapord exited ({self.proc.proc.returncode}):\n{self.proc.log()}")

    def stop(self):
        return self.proc.stop()

    def kill(self):
        self.proc.kill()


def api(port, method, path, body=None, token=API_TOKEN):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw or b"null")
        except ValueError:
            return e.code, raw.decode("utf-8", "replace")


def submits_to(sim, number):
    return [r for r in sim.records("submit_sm") if r["destination"]["addr"] == number]


def write_script(workdir, steps, name="script.jsonl"):
    path = os.path.join(workdir, name)
    with open(path, "w", encoding="utf-8") as f:
        for s in steps:
            f.write(json.dumps(s, ensure_ascii=False) + "\n")
    return path


# --- the citizens' script -----------------------------------------------------------------

LONG_TEXT = ("LAPOR KULONPROGO jembatan gantung di dusun kami putus sejak banjir bulan lalu. "
             "Anak-anak sekolah harus memutar lewat jalan desa sejauh tujuh kilometer dan "
             "sebagian tidak masuk sekolah. Warga sudah melapor ke kecamatan dua kali tapi "
             "belum ada tanggapan. Mohon segera diperbaiki karena musim hujan sudah mulai dan "
             "sungai makin deras setiap sore.")
SAR_TEXT = ("LAPOR JATENG pasokan air bersih ke kampung kami berhenti sudah dua minggu, warga "
            "membeli air galon setiap hari dan biaya itu berat bagi keluarga petani. PDAM "
            "belum memberi penjelasan apa pun kepada warga.")
UCS2_TEXT = "Lapor Kota Bandung: lampu jalan mati 😡 tolong diperbaiki “segera”"

SCRIPT = [
    {"dialogue": "plain", "source": "6281111111111", "destination": "1708",
     "text": "LAPOR TANGKAB jalan rusak di Desa Suka Maju sudah 3 bulan", "label": "plain"},
    {"dialogue": "typo", "source": "6281222222222", "destination": "1708",
     "text": "SLEMNA sampah menumpuk di pasar Godean", "label": "typo"},
    {"dialogue": "long", "source": "6281333333333", "destination": "1708", "text": LONG_TEXT,
     "split": "udh8", "label": "long"},
    {"dialogue": "sar", "source": "6281333333334", "destination": "1708", "text": SAR_TEXT,
     "split": "sar", "label": "sar"},
    {"dialogue": "ucs2", "source": "6281444444444", "destination": "1708", "text": UCS2_TEXT,
     "data_coding": 8, "label": "ucs2"},
    {"dialogue": "dup", "source": "6281555555555", "destination": "1708",
     "text": "LAPOR JABAR banjir di perumahan kami belum surut", "label": "dup1"},
    {"dialogue": "dup", "wait": "submit_sm",
     "match": {"destination": "6281555555555", "text_contains": "tiket"}, "timeout_ms": 20000},
    # Sent again, typed a little differently (folded, the same text: the duplicate reply; a
    # byte-identical repeat gets it too, tests/system/test_repeats.py).
    {"dialogue": "dup", "source": "6281555555555", "destination": "1708",
     "text": "lapor jabar banjir di perumahan kami belum surut", "label": "dup2"},
    {"dialogue": "stop", "source": "6281666666666", "destination": "1708",
     "text": "LAPOR DIY jalan berlubang di depan sekolah dasar", "label": "stop1"},
    {"dialogue": "stop", "wait": "submit_sm",
     "match": {"destination": "6281666666666", "text_contains": "tiket"}, "timeout_ms": 20000},
    {"dialogue": "stop", "source": "6281666666666", "destination": "1708", "text": "UNREG LAPOR",
     "label": "stop2"},
    {"dialogue": "alpha", "source": "TELKOMSEL", "source_ton": 5, "source_npi": 0,
     "destination": "1708", "text": "Promo paket data murah khusus hari ini", "label": "alpha"},
    {"dialogue": "help", "source": "6281777777777", "destination": "1708", "text": "INFO",
     "label": "help"},
    {"dialogue": "secret", "source": "6281888888888", "destination": "1708",
     "text": "Yth Walikota Bandung, RAHASIA pungli di kantor kelurahan setiap hari",
     "label": "secret"},
]


class Stack:
    """store-sim + smsc-sim (with the script and receipts) + lapord, in one temp dir."""

    def __init__(self, script=None, sim_args=(), store_args=(), with_store=True, api=True,
                 store=None, store_api=None, admin=None, carrier=None):
        self.workdir = tempfile.mkdtemp(prefix="lapord-e2e-")
        self.store = StoreSim(*store_args, workdir=self.workdir) if with_store else None
        args = list(sim_args)
        if script:
            args += ["--script", write_script(self.workdir, script)]
        self.sim = SmscSim(*args, workdir=self.workdir)
        self.api_port = free_port() if api else None
        self.db = os.path.join(self.workdir, "lapord.db")
        self.config = write_config(self.workdir, self.sim.port,
                                   self.store.url if self.store else None, self.api_port,
                                   store=store, store_api=store_api, admin=admin,
                                   carrier=carrier)
        self.lapord = Lapord(self.config, self.workdir)
        self.lapord.wait_bound(self.sim)

    def stop(self):
        code = self.lapord.stop()
        self.sim.stop()
        if self.store:
            self.store.stop()
        return code


def script_refs_ok(sim, labels):
    """mo numbers of the script MO with these labels that got ESME_ROK."""
    mo_of = {r["mo"]: r.get("label") for r in sim.records("deliver_sm")}
    ok = {r["mo"] for r in sim.records("deliver_sm_resp") if r["status"] == 0}
    return {mo_of[m] for m in ok if mo_of.get(m) in labels}


# --- tests ----------------------------------------------------------------------------------

def test_citizens_script_end_to_end():
    s = Stack(script=SCRIPT, sim_args=["--receipts"])
    try:
        complaints = {"plain", "typo", "long", "sar", "ucs2", "dup1", "stop1", "secret"}
        # Every script MO acknowledged (the long ones in parts, each part acked).
        wait_until(lambda: len(s.sim.records("script_done")) == 1, 60, "the script to finish")
        assert s.sim.records("script_done")[0]["ok"], s.sim.records("script_failed")
        labels = {st["label"] for st in SCRIPT if "label" in st}
        wait_until(lambda: script_refs_ok(s.sim, labels) == labels, 30, "every MO acked")
        # Complaints reach store-sim once each.
        wait_until(lambda: len(s.store.taken()) == len(complaints), 30,
                   f"{len(complaints)} complaints at store-sim")
        bodies = {}
        for r in s.store.records():
            if r["status"] == 201:
                bodies[r["body"]["reporter"]["msisdn"]] = r
        assert all(n == 1 for n in s.store.taken().values()), s.store.taken()
        plain = bodies["+6281111111111"]
        assert plain["body"]["text"] == "jalan rusak di Desa Suka Maju sudah 3 bulan", plain
        assert plain["body"]["institution"]["keyword"] == "TANGKAB"
        assert plain["body"]["institution"]["code"] == "36.03"
        assert plain["body"]["carrier"] == "tsel" and plain["body"]["service_number"] == "1708"
        assert plain["auth_ok"] and plain["ref"] == plain["body"]["ref"]
        typo = bodies["+6281222222222"]["body"]
        assert typo["institution"]["keyword"] == "SLEMAN" and typo["institution"]["keyword_corrected"]
        long_ = bodies["+6281333333333"]["body"]
        assert long_["text"] == LONG_TEXT[len("LAPOR KULONPROGO "):], long_["text"]
        assert long_["segments"] >= 2 and not long_["incomplete"]
        sar = bodies["+6281333333334"]["body"]
        assert sar["text"] == SAR_TEXT[len("LAPOR JATENG "):] and sar["segments"] >= 2
        ucs2 = bodies["+6281444444444"]["body"]
        assert ucs2["text"] == UCS2_TEXT[len("Lapor Kota Bandung: "):], ucs2["text"]
        assert ucs2["institution"]["code"] == "32.73"
        assert bodies["+6281888888888"]["body"]["confidential"] is True
        assert bodies["+6281555555555"]["body"]["institution"]["keyword"] == "JABAR"

        # Replies: an ack with the ref to each complainant, the duplicate gets the same ref,
        # help for INFO, the STOP confirmation, nothing to the alphanumeric sender.
        refs = {b["body"]["reporter"]["msisdn"]: b["ref"] for b in bodies.values()}
        for number, ref in refs.items():
            wait_until(lambda: any(ref in (r.get("text") or "") for r in submits_to(s.sim, number[1:])),
                       30, f"the ack with {ref} to {number}")
        dup_replies = lambda: [r for r in submits_to(s.sim, "6281555555555")
                               if refs["+6281555555555"] in (r.get("text") or "")]
        wait_until(lambda: len(dup_replies()) == 2, 30, "the duplicate's reply with the same ref")
        assert "sudah diterima" in dup_replies()[1]["text"], dup_replies()
        wait_until(lambda: submits_to(s.sim, "6281777777777"), 30, "the help reply")
        wait_until(lambda: any("tidak akan menerima" in (r.get("text") or "")
                               for r in submits_to(s.sim, "6281666666666")), 30, "the STOP reply")
        ack = [r for r in submits_to(s.sim, "6281444444444")][0]
        assert ack["source"]["addr"] == "1708" and ack["registered_delivery"] == 1
        assert not submits_to(s.sim, "TELKOMSEL")
        assert not [r for r in s.sim.records("submit_sm") if r["source"]["addr"] != "1708"]

        # Receipts: every reply ends delivered (smsc-sim sends a receipt for each submit_sm).
        def delivered():
            return db_rows(s.db, "SELECT count(*), sum(CASE WHEN state = 'delivered' THEN 1 ELSE 0 END) FROM replies")[0]
        wait_until(lambda: delivered()[0] == delivered()[1], 30, "every reply delivered")

        # The SQLite file.
        db = s.db
        rows = db_rows(db, "SELECT reporter, text, segments, incomplete, confidential, "
                           "institution_keyword, institution_corrected FROM complaints")
        assert len(rows) == len(complaints), rows
        by_reporter = {r[0]: r for r in rows}
        assert by_reporter["+6281444444444"][1] == UCS2_TEXT[len("Lapor Kota Bandung: "):]
        assert by_reporter["+6281222222222"][5:] == ("SLEMAN", 1)
        assert by_reporter["+6281888888888"][4] == 1
        # How each was routed: the addressee (greetings-id.txt loaded by the daemon), a keyword.
        routed = dict(db_rows(db, "SELECT reporter, routed_by FROM complaints"))
        assert routed["+6281888888888"] == "addressee" and routed["+6281111111111"] == "keyword"
        assert bodies["+6281888888888"]["body"]["institution"]["code"] == "32.73"
        assert bodies["+6281888888888"]["body"]["text"] == "pungli di kantor kelurahan setiap hari"
        received = db_rows(db, "SELECT count(*) FROM received")[0][0]
        distinct_mo = len({r["mo"] for r in s.sim.records("deliver_sm")})
        assert received == distinct_mo, (received, distinct_mo)  # parts and receipts included
        assert db_rows(db, "SELECT count(*) FROM parts")[0][0] == 0
        assert db_rows(db, "SELECT opted_out FROM reporters WHERE msisdn = '+6281666666666'") == [(1,)]
        # store-sim has taken them all; the outbox records each answer just after it (a loaded
        # machine can read the file in between).
        forwarded = lambda: db_rows(db, "SELECT count(*) FROM complaints "
                                     "WHERE forward_state = 'forwarded'")[0][0]
        wait_until(lambda: forwarded() == len(complaints), 30, "every forward recorded")
        tracking = db_rows(db, "SELECT count(*) FROM complaints WHERE tracking_id LIKE 'SIM-%'")
        assert tracking[0][0] == len(complaints)
        print(f"e2e: {len(s.sim.records('deliver_sm'))} deliver_sm, {received} received rows, "
              f"{len(rows)} complaints, {len(s.sim.records('submit_sm'))} submit_sm, "
              f"{forwarded()} forwarded")
    finally:
        assert s.stop() == 0, s.lapord.proc.log()


def test_cek_answers_from_the_store():
    s = Stack(script=SCRIPT[:1])
    try:
        wait_until(lambda: submits_to(s.sim, "6281111111111"), 30, "the ack")
        ref = re.search(r"tiket (\d+)", submits_to(s.sim, "6281111111111")[0]["text"]).group(1)
        wrong = ref[:-1] + str((int(ref[-1]) + 1) % 10)  # a wrong check digit
        steps = [{"dialogue": "own", "source": "6281111111111", "destination": "1708",
                  "text": f"cek {ref[:4]}-{ref[4:]}"},
                 {"dialogue": "own", "wait": "submit_sm",
                  "match": {"destination": "6281111111111", "text_contains": "DITERIMA"}},
                 {"dialogue": "own", "source": "6281111111111", "destination": "1708",
                  "text": f"CEK {wrong}"},
                 {"dialogue": "other", "source": "6289900000000", "destination": "1708",
                  "text": f"CEK {ref}"}]
        s.sim.command("script " + write_script(s.workdir, steps, "cek.jsonl"))
        wait_until(lambda: len(submits_to(s.sim, "6281111111111")) == 3, 30, "two CEK answers")
        wait_until(lambda: submits_to(s.sim, "6289900000000"), 30, "the stranger's answer")
        texts = [r["text"] for r in submits_to(s.sim, "6281111111111")[1:]]
        assert "DITERIMA" in texts[0] and ref in texts[0] and "Kab. Tangerang" in texts[0], texts
        assert "tidak ditemukan" in texts[1], texts
        stranger = submits_to(s.sim, "6289900000000")[0]["text"]
        assert "tidak ditemukan" in stranger and "DITERIMA" not in stranger, stranger
    finally:
        assert s.stop() == 0, s.lapord.proc.log()


if __name__ == "__main__":
    run_tests([test_citizens_script_end_to_end, test_cek_answers_from_the_store])
