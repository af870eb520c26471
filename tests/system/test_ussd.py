"""USSD (*1708#) through the real daemon: smsc-sim plays two carriers' USSD gateways with
different profiles, lapord answers every screen, files complaints (SQLite row with channel
ussd, forwarded to store-sim with channel ussd, SMS acknowledgement), answers status requests
for the reporter's own ref only, drops aborted and idle dialogues, and keeps 1,000 interleaved
dialogues apart.

Profiles (docs/ussd.md):
  tsel: the default profile, keyed by its_session_info (replies echo it, end bit on the last)
  xl:   session_key = "msisdn", no session TLV at all, replies without its_session_info

Everything is checked from outside: smsc-sim's records (the screens lapord sent, with their
TLVs), store-sim's records, the SQLite file and lapord's log.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import (PG, SOURCE_DIR, binary, pg_connect, postgresql_only,  # noqa: E402
                            run_tests, store_toml, wait_until)
from test_e2e import REF_KEY, Lapord, SmscSim, StoreSim, db_rows, toml_value  # noqa: E402

SERVICE = "1708"
OP_BEGIN, OP_CONTINUE, OP_ABORT = 1, 18, 0x81  # what the gateways send (default ops)
OP_SCREEN, OP_LAST = 2, 17                     # what lapord answers (USSR request / PSSR response)
SRC = os.path.abspath(SOURCE_DIR)


def write_config(workdir, sims, store_url, timeout_s=180, edit=None, max_dialogues=100000,
                 store_dir=None, store=None):
    """lapord.toml with two carriers, one per simulator: tsel (default USSD profile) and xl
    (keyed by MSISDN, no its_session_info). `edit(text)` may change the text. The store is
    store_dir's (default: workdir's), with the extra [store] keys `store`."""
    lines = [
        "[daemon]", "shutdown_timeout_s = 5",
        "[log]", 'level = "debug"',
        "[service]",
        f"directory = {toml_value(SRC + '/config/directory/institutions.tsv')}",
        f"aliases = {toml_value(SRC + '/config/directory/aliases.tsv')}",
        f"templates = {toml_value(SRC + '/config/templates-id.txt')}",
        f"greetings = {toml_value(SRC + '/config/greetings-id.txt')}",
        f"ref_key = {toml_value(REF_KEY)}",
        "[store]", *store_toml(store_dir or workdir, **(store or {})), "reply_retry_s = 1",
        "[store_api]", f"url = {toml_value(store_url)}", 'token = "store-token"', "timeout_s = 2",
        "backoff_initial_s = 0.1", "backoff_max_s = 1", "poll_interval_s = 0.2",
        "[ussd]", f"screens = {toml_value(SRC + '/config/ussd-id.txt')}", f"timeout_s = {timeout_s}",
        f"max_dialogues = {max_dialogues}",
        "[ussd.profiles.xl]", 'session_key = "msisdn"', "echo_session_info = false",
        "abort_ops = [0x81, 0x82]",
    ]
    for name, sim, extra in (("tsel", sims["tsel"], {}), ("xl", sims["xl"], {"ussd_profile": "xl"})):
        c = {"name": name, "host": "127.0.0.1", "port": sim.port, "system_id": "lapord",
             "password": "secret", "window": 100, "submit_rate": 5000, "submit_burst": 500,
             "response_timeout_s": 5, "connect_timeout_s": 2, "reconnect_min_s": 0.05,
             "reconnect_max_s": 0.3}
        c.update(extra)
        lines.append("[[carrier]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in c.items()]
    text = "\n".join(lines) + "\n"
    path = os.path.join(workdir, "lapord.toml")
    with open(path, "w") as f:
        f.write(edit(text) if edit else text)
    return path


def run_script(sim, path, steps, timeout=60, log=lambda: ""):
    """Runs the steps as one smsc-sim script (written to path); fails on a script failure."""
    with open(path, "w", encoding="utf-8") as f:
        for s in steps:
            f.write(json.dumps(s, ensure_ascii=False) + "\n")
    sim.command(f"script {path}")
    done = wait_until(lambda: [r for r in sim.records("script_done") if r.get("script") == path],
                      timeout, f"script {os.path.basename(path)} to finish")
    failures = [r for r in sim.records("script_failed") if r.get("script") == path]
    assert done[0]["ok"] and not failures, (failures[:5], log()[-3000:])


class Setup:
    """Two smsc-sims (tsel, xl), store-sim and lapord bound to both."""

    def __init__(self, timeout_s=180, max_dialogues=100000, edit=None, xl_args=()):
        self.workdir = tempfile.mkdtemp(prefix="lapord-ussd-")
        self.store = StoreSim()
        self.sims = {"tsel": SmscSim("--window", "200"),
                     "xl": SmscSim("--window", "200", *xl_args)}
        self.config = write_config(self.workdir, self.sims, self.store.url, timeout_s,
                                   max_dialogues=max_dialogues, edit=edit)
        self.lapord = Lapord(self.config, self.workdir)
        for sim in self.sims.values():
            self.lapord.wait_bound(sim)
        self.scripts = 0

    def log(self):
        return self.lapord.proc.log()

    def run(self, carrier, steps, timeout=60):
        """Runs the steps as one smsc-sim script on that carrier; fails on a script failure."""
        self.scripts += 1
        run_script(self.sims[carrier], os.path.join(self.workdir, f"{carrier}-{self.scripts}.jsonl"),
                   steps, timeout, self.log)

    def screens_to(self, carrier, msisdn):
        return [r for r in self.sims[carrier].records("submit_sm")
                if r["destination"]["addr"] == msisdn and "ussd_service_op" in r.get("tlvs", {})]

    def sms_to(self, carrier, msisdn):
        return [r for r in self.sims[carrier].records("submit_sm")
                if r["destination"]["addr"] == msisdn and "ussd_service_op" not in r.get("tlvs", {})]

    def stop(self):
        code = self.lapord.stop()
        for sim in self.sims.values():
            sim.stop()
        self.store.stop()
        assert code == 0, self.log()[-3000:]


class Citizen:
    """One phone in a script: its dialogue name, number and (tsel) session numbering. `keyed`
    says whether the carrier's profile uses its_session_info."""

    def __init__(self, msisdn, keyed, session=1, name=None):
        self.msisdn = msisdn
        self.keyed = keyed
        self.session = session
        self.seq = 0
        self.name = name or msisdn

    def _info(self, last=False):
        return (self.session << 8) | (self.seq << 1) | (1 if last else 0)

    def send(self, text, op):
        self.seq = (self.seq + 1) % 128
        tlvs = {"ussd_service_op": op}
        if self.keyed:
            tlvs["its_session_info"] = f"{self._info():04x}"
        return {"dialogue": self.name, "source": self.msisdn, "destination": SERVICE,
                "text": text, "service_type": "USSD", "tlvs": tlvs}

    def dial(self):
        return self.send(f"*{SERVICE}#", OP_BEGIN)

    def answer(self, text):
        return self.send(text, OP_CONTINUE)

    def abort(self):
        return self.send("", OP_ABORT)

    def expect(self, text, last=False, regex=False, timeout_ms=20000):
        """Waits for lapord's screen: the op (screen or last), the text, and for a keyed profile
        its_session_info echoing this session and sequence with the end bit on the last."""
        match = {"destination": self.msisdn, "ussd_service_op": OP_LAST if last else OP_SCREEN,
                 "service_type": "USSD", ("text_regex" if regex else "text_contains"): text}
        if self.keyed:
            match["its_session_info"] = self._info(last)
        return {"dialogue": self.name, "wait": "submit_sm", "match": match, "timeout_ms": timeout_ms}


MENU = "1 Buat laporan\n2 Cek status laporan\n3 Bantuan"


def filing_steps(c, text, keyword="TANGKAB", institution="Kab. Tangerang"):
    return [c.dial(), c.expect(MENU),
            c.answer("1"), c.expect("Kata kunci daerah"),
            c.answer(keyword), c.expect("Tulis laporan Anda:"),
            c.answer(text), c.expect(f"Kirim ke {institution}?\n1 Kirim\n2 Batal"),
            c.answer("1"), c.expect(r"^Laporan diterima\. Tiket \d{8} utk " + re.escape(institution),
                                    last=True, regex=True)]


def ref_of(screen):
    return re.search(r"Tiket (\d{8})", screen["text"]).group(1)


def check_filed(s, carrier, msisdn, text, keyed):
    """The last screen's ref: the SQLite row (channel ussd), store-sim's copy (channel ussd),
    the SMS acknowledgement with the same ref on the same carrier, and the screens' TLVs."""
    screens = s.screens_to(carrier, msisdn)
    assert [r["tlvs"]["ussd_service_op"] for r in screens] == [OP_SCREEN] * 4 + [OP_LAST], screens
    for r in screens:
        assert r["service_type"] == "USSD" and r["source"]["addr"] == SERVICE, r
        assert ("its_session_info" in r["tlvs"]) == keyed, r
    if keyed:
        infos = [r["tlvs"]["its_session_info"] for r in screens]
        assert infos == [(1 << 8) | (k << 1) for k in range(1, 5)] + [(1 << 8) | (5 << 1) | 1], infos
    ref = ref_of(screens[-1])
    row = db_rows(os.path.join(s.workdir, "lapord.db"),
                  "SELECT channel, carrier, service_number, reporter, text, institution_code "
                  "FROM complaints WHERE ref = ?", (ref,))
    assert row == [("ussd", carrier, SERVICE, "+" + msisdn, text, "36.03")], row
    wait_until(lambda: s.sms_to(carrier, msisdn), 20, "the SMS acknowledgement")
    ack = s.sms_to(carrier, msisdn)
    assert len(ack) == 1 and ref in ack[0]["text"] and ack[0]["text"].startswith("LAPOR! Laporan diterima"), ack
    assert ack[0]["service_type"] == "" and ack[0]["source"]["addr"] == SERVICE, ack

    def forwarded():
        return [r for r in s.store.records() if r.get("ref") == ref and r.get("status") == 201]
    got = wait_until(forwarded, 20, f"complaint {ref} at store-sim")
    body = json.loads(got[0]["body"]) if isinstance(got[0]["body"], str) else got[0]["body"]
    assert body["channel"] == "ussd" and body["carrier"] == carrier and body["text"] == text, body
    assert body["institution"]["code"] == "36.03" and body["service_number"] == SERVICE, body
    return ref


# --- tests ----------------------------------------------------------------------------------

class _Port:
    def __init__(self, port):
        self.port = port


def check_config(edit=None):
    workdir = tempfile.mkdtemp(prefix="lapord-ussd-check-")
    path = write_config(workdir, {"tsel": _Port(2775), "xl": _Port(2776)}, "http://127.0.0.1:1",
                        edit=edit)
    p = subprocess.run([binary("lapord"), "--config", path, "--check-config"],
                       capture_output=True, text=True, timeout=60)
    return p, path, open(path).read().splitlines()


def line_of(lines, needle):
    return next(i + 1 for i, line in enumerate(lines) if line.startswith(needle))


def test_check_config_reads_the_ussd_table():
    p, path, _ = check_config()
    assert p.returncode == 0 and "configuration OK (2 carriers)" in p.stdout, (p.stdout, p.stderr)

    # A carrier naming a profile that does not exist: that line.
    p, path, lines = check_config(lambda t: t.replace('ussd_profile = "xl"', 'ussd_profile = "xll"'))
    assert p.returncode == 2, p.stderr
    assert p.stderr.startswith(f"lapord: {path}:{line_of(lines, 'ussd_profile')}: "), p.stderr
    assert 'ussd_profile "xll" is not a [ussd.profiles.xll] table' in p.stderr, p.stderr

    # A timeout under the reader's minimum.
    p, path, lines = check_config(lambda t: t.replace("timeout_s = 180", "timeout_s = 5"))
    assert p.returncode == 2 and f"{path}:{line_of(lines, 'timeout_s = 5')}: " in p.stderr, p.stderr
    assert "timeout_s must be an integer from 10 to 3600" in p.stderr, p.stderr

    # A profile whose screens are too small for the menu: caught by --check-config too.
    p, path, lines = check_config(lambda t: t.replace('session_key = "msisdn"',
                                                       'session_key = "msisdn"\nmax_screen = 40'))
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "ussd-id.txt:" in p.stderr and "profile xl's max_screen" in p.stderr, p.stderr

    # An unknown key in a profile, and ussd_profile of the wrong type.
    p, path, lines = check_config(lambda t: t.replace("abort_ops = [0x81, 0x82]",
                                                       "abort_ops = [0x81, 0x82]\nabort_op = 3"))
    assert p.returncode == 2 and f"{path}:{line_of(lines, 'abort_op = 3')}: " in p.stderr, p.stderr
    assert 'unknown key "abort_op"' in p.stderr, p.stderr
    p, path, lines = check_config(lambda t: t.replace('ussd_profile = "xl"', "ussd_profile = 7"))
    assert p.returncode == 2 and "ussd_profile must be a string" in p.stderr, p.stderr


def test_file_check_abort_and_time_out_on_both_profiles():
    s = Setup(timeout_s=10)  # the reader's minimum, so the timeout is seen within the test
    try:
        for carrier, keyed, base in (("tsel", True, "6281100000"), ("xl", False, "6281700000")):
            # File a complaint through the menu.
            filer = Citizen(base + "001", keyed)
            text = f"Jalan berlubang di depan pasar lama via {carrier} sudah dua bulan"
            s.run(carrier, filing_steps(filer, text))
            ref = check_filed(s, carrier, filer.msisdn, text, keyed)
            assert re.search(rf"ussd {carrier} \+?\d+\*+\d+: complaint {ref} filed", s.log()), s.log()[-2000:]
            assert filer.msisdn not in s.log(), "an MSISDN in the log unmasked"

            # The reporter checks it: the same answer as CEK by SMS.
            checker = Citizen(filer.msisdn, keyed, session=2)
            s.run(carrier, [checker.dial(), checker.expect(MENU), checker.answer("2"),
                            checker.expect("Nomor tiket:"), checker.answer(f"{ref[:4]} {ref[4:]}"),
                            checker.expect(f"LAPOR! Tiket {ref}: ", last=True)])
            # Someone else's ref reads like an unknown one.
            other = Citizen(base + "002", keyed)
            s.run(carrier, [other.dial(), other.expect(MENU), other.answer("2"),
                            other.expect("Nomor tiket:"), other.answer(ref),
                            other.expect(f"LAPOR! Tiket {ref} tidak ditemukan", last=True)])

            # Abort halfway: the dialogue is gone, an answer after it gets the expired screen.
            quitter = Citizen(base + "003", keyed)
            s.run(carrier, [quitter.dial(), quitter.expect(MENU), quitter.answer("1"),
                            quitter.expect("Kata kunci daerah"), quitter.abort()])
            wait_until(lambda: re.search(rf"ussd {carrier} \S+: dialogue ended by the network \(abort\)",
                                         s.log()), 10, "the abort in the log")
            s.run(carrier, [quitter.answer("TANGKAB"),
                            quitter.expect("Sesi sudah berakhir", last=True)])

            # Idle past the timeout: dropped, nothing stored, a late answer gets the expired screen.
            idle = Citizen(base + "004", keyed)
            timed_out = rf"ussd {carrier}: \d+ idle dialogue\(s\) timed out"
            before = len(re.findall(timed_out, s.log()))
            s.run(carrier, [idle.dial(), idle.expect(MENU), idle.answer("1"),
                            idle.expect("Kata kunci daerah"), idle.answer("TANGKAB"),
                            idle.expect("Tulis laporan Anda:")])
            wait_until(lambda: len(re.findall(timed_out, s.log())) > before, 30,
                       "the timeout in the log")
            s.run(carrier, [idle.answer("Lampu jalan mati di gang kami sejak lama"),
                            idle.expect("Sesi sudah berakhir", last=True)])
            assert db_rows(os.path.join(s.workdir, "lapord.db"),
                           "SELECT count(*) FROM complaints WHERE reporter IN (?, ?)",
                           ("+" + quitter.msisdn, "+" + idle.msisdn)) == [(0,)]
            # No SMS to those who did not file.
            for c in (other, quitter, idle):
                assert not s.sms_to(carrier, c.msisdn), s.sms_to(carrier, c.msisdn)
    finally:
        s.stop()


def test_a_restart_keeps_the_dialogues_in_progress():
    """kill -9 mid-dialogue: the filed complaint (and its SMS ack and forward) survives, and so
    does the open dialogue (it is in the store between two screens): its next answer after the
    restart goes on where it was and files its complaint, once."""
    s = Setup()
    try:
        filer = Citizen("6281100000101", True)
        text = "Lampu penerangan jalan di perempatan balai desa mati sejak tiga minggu"
        s.run("tsel", filing_steps(filer, text))
        ref = check_filed(s, "tsel", filer.msisdn, text, True)
        writer = Citizen("6281100000102", True)
        s.run("tsel", [writer.dial(), writer.expect(MENU), writer.answer("1"),
                       writer.expect("Kata kunci daerah"), writer.answer("TANGKAB"),
                       writer.expect("Tulis laporan Anda:")])
        binds = {c: len([b for b in sim.records("bind") if b.get("status") == 0])
                 for c, sim in s.sims.items()}
        s.lapord.kill()
        s.lapord = Lapord(s.config, s.workdir, name="lapord-again")
        for c, sim in s.sims.items():
            s.lapord.wait_bound(sim, binds_before=binds[c])
        later = "Jalan desa berlubang besar di depan sekolah dasar"
        s.run("tsel", [writer.answer(later), writer.expect("Kirim ke Kab. Tangerang?"),
                       writer.answer("1"),
                       writer.expect(r"^Laporan diterima\. Tiket \d{8} utk Kab\. Tangerang",
                                     last=True, regex=True)])
        rows = db_rows(os.path.join(s.workdir, "lapord.db"),
                       "SELECT ref, channel, reporter FROM complaints ORDER BY rowid")
        assert rows == [(ref, "ussd", "+" + filer.msisdn),
                        (ref_of(s.screens_to("tsel", writer.msisdn)[-1]), "ussd",
                         "+" + writer.msisdn)], rows
        wait_until(lambda: s.sms_to("tsel", writer.msisdn), 20, "the second SMS acknowledgement")
        assert len(s.sms_to("tsel", writer.msisdn)) == 1
        assert db_rows(os.path.join(s.workdir, "lapord.db"),
                       "SELECT count(*) FROM ussd_dialogues") == [(0,)]
    finally:
        s.stop()


@postgresql_only("two instances share one store on PostgreSQL")
def test_a_dialogue_begun_on_one_instance_goes_on_on_the_other():
    """Two lapord instances on one PostgreSQL store, each bound to the carrier (tsel) through
    its own bind (its own smsc-sim): the carrier sends the dial and the first answer to one and
    the rest of the dialogue to the other. Exactly one complaint is filed, with one SMS
    acknowledgement and one forward, and nothing of the dialogue is left in the store."""
    work = tempfile.mkdtemp(prefix="lapord-ussd-two-")
    store = StoreSim()
    xl = SmscSim("--window", "200")
    sims = {n: SmscSim("--window", "200") for n in ("a", "b")}
    lapords = {}
    try:
        for n in ("a", "b"):
            folder = os.path.join(work, n)
            os.makedirs(folder)
            config = write_config(folder, {"tsel": sims[n], "xl": xl}, store.url, store_dir=work,
                                  store={"instance": f"gw-{n}"})
            lapords[n] = Lapord(config, folder, name=f"lapord-{n}")
            lapords[n].wait_bound(sims[n])
        c = Citizen("6281100000501", True)
        text = "Gorong-gorong di depan kantor desa ambrol sejak hujan deras minggu lalu"
        run_script(sims["a"], os.path.join(work, "a.jsonl"),
                   [c.dial(), c.expect(MENU), c.answer("1"), c.expect("Kata kunci daerah")])
        run_script(sims["b"], os.path.join(work, "b.jsonl"),
                   [c.answer("TANGKAB"), c.expect("Tulis laporan Anda:"), c.answer(text),
                    c.expect("Kirim ke Kab. Tangerang?\n1 Kirim\n2 Batal"), c.answer("1"),
                    c.expect(r"^Laporan diterima\. Tiket \d{8} utk Kab\. Tangerang", last=True,
                             regex=True)])
        db = os.path.join(work, "lapord.db")
        rows = db_rows(db, "SELECT ref, channel, carrier, reporter, text FROM complaints")
        assert len(rows) == 1 and rows[0][1:] == ("ussd", "tsel", "+" + c.msisdn, text), rows
        ref = rows[0][0]

        def acks():
            return [r for sim in sims.values() for r in sim.records("submit_sm")
                    if r["destination"]["addr"] == c.msisdn
                    and "ussd_service_op" not in r.get("tlvs", {})]
        wait_until(acks, 20, "the SMS acknowledgement")
        wait_until(lambda: [r for r in store.records() if r.get("ref") == ref
                            and r.get("status") == 201], 20, f"complaint {ref} at store-sim")
        assert len(acks()) == 1 and ref in acks()[0]["text"], acks()
        assert [r["ref"] for r in store.records() if r.get("status") == 201] == [ref]
        assert db_rows(db, "SELECT count(*) FROM ussd_dialogues") == [(0,)]
        # Each instance showed its own screens: two by the first, three by the second.
        screens = {n: len([r for r in sims[n].records("submit_sm")
                           if "ussd_service_op" in r.get("tlvs", {})]) for n in sims}
        assert screens == {"a": 2, "b": 3}, screens
        assert re.search(rf"ussd tsel \+?\d+\*+\d+: complaint {ref} filed",
                         lapords["b"].proc.log()), lapords["b"].proc.log()[-2000:]
    finally:
        codes = [lap.stop() for lap in lapords.values()]
        for sim in (*sims.values(), xl):
            sim.stop()
        store.stop()
        assert codes == [0] * len(lapords), [lap.proc.log()[-2000:] for lap in lapords.values()]


def test_a_full_table_answers_busy_and_keeps_the_open_dialogues():
    """max_dialogues = 2 per carrier: a third caller gets the busy screen (last screen, nothing
    kept), the two open dialogues go on; the other carrier's table is its own."""
    s = Setup(max_dialogues=2)
    try:
        a, b, c = (Citizen(f"628110000020{i}", True, name=f"c{i}") for i in range(3))
        s.run("tsel", [a.dial(), a.expect(MENU), b.dial(), b.expect(MENU)])
        s.run("tsel", [c.dial(), c.expect("Maaf, layanan sedang sibuk", last=True)])
        x = Citizen("6281700000201", False)
        s.run("xl", [x.dial(), x.expect(MENU), x.answer("3"),
                     x.expect("Lewat USSD: tekan *1708#", last=True)])
        s.run("tsel", [a.answer("3"), a.expect("Lewat USSD: tekan *1708#", last=True),
                       b.answer("2"), b.expect("Nomor tiket:")])
        # a's dialogue ended: a slot is free again.
        s.run("tsel", [c.dial(), c.expect(MENU)])
        assert "ussd tsel 62811****0202: dialogue ended (busy)" in s.log(), s.log()[-2000:]
    finally:
        s.stop()


def dialogue_for(i, keyed):
    """One of four dialogues, by i: file a complaint, cancel at the confirmation, ask for help,
    two wrong choices then check a ref with a wrong check digit."""
    c = Citizen(f"62813{i:08d}", keyed, session=i % 256, name=f"d{i}")
    kind = i % 4
    if kind == 0:
        steps = filing_steps(c, f"Saluran air tersumbat di RT {i} sejak minggu lalu mohon dibersihkan")
    elif kind == 1:
        steps = [c.dial(), c.expect(MENU), c.answer("1"), c.expect("Kata kunci daerah"),
                 c.answer("0"), c.expect("Tulis laporan Anda:"),
                 c.answer(f"Pelayanan kantor lambat sekali nomor antrian {i} tidak dipanggil"),
                 c.expect("1 Kirim\n2 Batal"), c.answer("2"),
                 c.expect("Laporan dibatalkan.", last=True)]
    elif kind == 2:
        steps = [c.dial(), c.expect(MENU), c.answer("3"),
                 c.expect("Lewat USSD: tekan *1708#", last=True)]
    else:
        steps = [c.dial(), c.expect(MENU), c.answer("9"), c.expect("Pilihan salah.\nLAPOR! 1708"),
                 c.answer("x"), c.expect("Pilihan salah.\nLAPOR! 1708"), c.answer("2"),
                 c.expect("Nomor tiket:"), c.answer("12345678"),
                 c.expect("tidak ditemukan", last=True)]
    return c, kind, steps


def test_a_thousand_interleaved_dialogues():
    """500 dialogues on each carrier at once (smsc-sim runs a script's dialogues concurrently):
    every one gets exactly its own screens in order."""
    s = Setup()
    try:
        expected = {"tsel": [dialogue_for(i, True) for i in range(500)],
                    "xl": [dialogue_for(10_000 + i, False) for i in range(500)]}
        paths = {}
        for carrier, dialogues in expected.items():
            paths[carrier] = os.path.join(s.workdir, f"{carrier}-bulk.jsonl")
            with open(paths[carrier], "w", encoding="utf-8") as f:
                for _, _, steps in dialogues:
                    for st in steps:
                        f.write(json.dumps(st, ensure_ascii=False) + "\n")
        for carrier, path in paths.items():  # both carriers at once
            s.sims[carrier].command(f"script {path}")
        for carrier, path in paths.items():
            sim = s.sims[carrier]
            done = wait_until(lambda: [r for r in sim.records("script_done") if r.get("script") == path],
                              240, f"the {carrier} bulk script", interval=0.5)
            failures = [r for r in sim.records("script_failed") if r.get("script") == path]
            assert done[0]["ok"] and done[0]["dialogues"] == 500 and not failures, \
                (len(failures), failures[:3], s.log()[-3000:])
        filed = 0
        for carrier, dialogues in expected.items():
            filers = {c.msisdn for c, kind, _ in dialogues if kind == 0}
            sim = s.sims[carrier]

            def acks():
                return [r for r in sim.records("submit_sm")
                        if "ussd_service_op" not in r.get("tlvs", {})]
            wait_until(lambda: len(acks()) >= len(filers), 60, f"{len(filers)} SMS acknowledgements",
                       interval=0.5)
            records = sim.records("submit_sm")  # read once: the file has ~10,000 lines
            screens, sms = {}, {}
            for r in records:
                into = screens if "ussd_service_op" in r.get("tlvs", {}) else sms
                into.setdefault(r["destination"]["addr"], []).append(r)
            assert set(sms) == filers and all(len(v) == 1 for v in sms.values()), len(sms)
            for c, kind, steps in dialogues:
                got = screens.get(c.msisdn, [])
                waits = [st for st in steps if "wait" in st]
                # Exactly the screens waited for (none extra), in order, each with its op.
                assert [g["tlvs"]["ussd_service_op"] for g in got] == \
                    [w["match"]["ussd_service_op"] for w in waits], (c.msisdn, [g["text"] for g in got])
                for g, w in zip(got, waits):
                    m = w["match"]
                    assert (m["text_contains"] in g["text"]) if "text_contains" in m \
                        else re.search(m["text_regex"], g["text"]), (c.msisdn, g["text"], m)
                    if c.keyed:
                        assert g["tlvs"]["its_session_info"] == m["its_session_info"], (c.msisdn, g)
                if kind == 0:
                    assert ref_of(got[-1]) in sms[c.msisdn][0]["text"], sms[c.msisdn]
                    filed += 1
        assert filed == 250
        rows = db_rows(os.path.join(s.workdir, "lapord.db"),
                       "SELECT channel, count(*) FROM complaints GROUP BY channel")
        assert rows == [("ussd", filed)], rows
    finally:
        s.stop()


class PgFailingInserts:
    """A trigger that fails every INSERT into complaints as a full disk would (53100)."""

    def __init__(self, db):
        self.db = db

    def _run(self, sql):
        con = pg_connect(self.db)
        try:
            con.cursor().execute(sql)
            con.commit()
        finally:
            con.close()

    def on(self):
        self._run("CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                  "RAISE EXCEPTION 'no space left (test)' USING ERRCODE = '53100'; END $$; "
                  "CREATE TRIGGER disk_full BEFORE INSERT ON complaints "
                  "FOR EACH ROW EXECUTE FUNCTION disk_full()")

    def off(self):
        self._run("DROP TRIGGER IF EXISTS disk_full ON complaints")


def start_filing(c, text):
    """The steps up to the confirmation screen (the store is not touched until "1 Kirim")."""
    return [c.dial(), c.expect(MENU), c.answer("1"), c.expect("Kata kunci daerah"),
            c.answer("TANGKAB"), c.expect("Tulis laporan Anda:"),
            c.answer(text), c.expect("Kirim ke Kab. Tangerang?\n1 Kirim\n2 Batal")]


def test_the_store_failing_mid_dialogue_gives_the_filing_failed_screen():
    """The database turns read-only (chattr +i, as test_outage.py's read-only test; on
    PostgreSQL a trigger failing every complaint's INSERT as a full disk, SQLSTATE 53100) while a
    citizen is at the confirmation screen: "1 Kirim" gets the filing_failed screen (the last one,
    naming the SMS number), nothing is stored and no SMS acknowledgement goes out."""
    from test_outage import immutable_flag_unavailable, set_immutable
    s = Setup()
    db = os.path.join(s.workdir, "lapord.db")
    # Not the -shm index: a reader must be able to mark what it reads there, or SQLite retries
    # the read for ever (the dialogue's state, read before the filing, would never come back).
    files = [db, db + "-wal"]
    failing = PgFailingInserts(db) if PG else None
    try:
        why_not = None if PG else immutable_flag_unavailable(s.workdir)
        if why_not:
            print(f"SKIP filing_failed: {why_not}")
            return
        citizen = Citizen("6281100000301", True)
        text = "Saluran air di depan puskesmas tersumbat sampah sejak sebulan"
        s.run("tsel", start_filing(citizen, text))
        failing.on() if PG else set_immutable(files, True)
        try:
            s.run("tsel", [citizen.answer("1"),
                           citizen.expect("Maaf, laporan belum dapat disimpan. Silakan coba lagi "
                                          "nanti atau kirim SMS ke 1708.", last=True)])
        finally:
            failing.off() if PG else set_immutable(reversed(files), False)
        assert re.search(r"ussd tsel \+?\d+\*+\d+: complaint not stored \(.*\); the citizen is "
                         r"told to try again", s.log()), s.log()[-3000:]
        assert db_rows(db, "SELECT count(*) FROM complaints") == [(0,)]
        assert not s.sms_to("tsel", citizen.msisdn)
        assert citizen.msisdn not in s.log()
    finally:
        set_immutable(reversed(files), False)
        s.stop()


def test_sighup_swaps_the_menu_texts_for_new_dialogues_only():
    """The screens file is edited and lapord gets SIGHUP: a dialogue open before it finishes on
    the texts it began with; a citizen who dials afterwards gets the new ones; once the old
    dialogue ends the old menu goes (logged). A broken screens file changes nothing."""
    screens = None
    s = None
    try:
        workdir = tempfile.mkdtemp(prefix="lapord-ussd-screens-")
        screens = os.path.join(workdir, "ussd-id.txt")
        with open(os.path.join(SRC, "config", "ussd-id.txt"), encoding="utf-8") as f:
            original = f.read()
        with open(screens, "w", encoding="utf-8") as f:
            f.write(original)
        s = Setup(edit=lambda t: t.replace(toml_value(SRC + "/config/ussd-id.txt"),
                                           toml_value(screens)))
        before = Citizen("6281100000401", True)
        s.run("tsel", [before.dial(), before.expect(MENU), before.answer("2"),
                       before.expect("Nomor tiket:")])
        new_text = original.replace("ask_ref = Nomor tiket:", "ask_ref = Ketik nomor tiket Anda:")
        new_text = new_text.replace("3 Bantuan\n", "3 Bantuan LAPOR\n", 1)
        assert new_text != original
        with open(screens, "w", encoding="utf-8") as f:
            f.write(new_text)
        s.lapord.proc.proc.send_signal(signal.SIGHUP)
        s.lapord.proc.wait_for_log(r"SIGHUP: applied: USSD menu reloaded", 20)
        log = s.log()
        assert "SIGHUP: 1 change(s) applied, nothing needs a restart" in log, log[-2000:]
        # A new dialogue: the new texts.
        after = Citizen("6281100000402", True)
        s.run("tsel", [after.dial(), after.expect("3 Bantuan LAPOR"), after.answer("2"),
                       after.expect("Ketik nomor tiket Anda:")])
        # The old one goes on with the old texts: its last screen (not found) comes from the old
        # menu, and then the old menu is dropped.
        s.run("tsel", [before.answer("99999999"), before.expect("99999999", last=True)])
        s.lapord.proc.wait_for_log(r"ussd tsel: the menu before the reload has no dialogue left",
                                   10)
        old_screens = [r["text"] for r in s.screens_to("tsel", before.msisdn)]
        assert old_screens[0].endswith("3 Bantuan") and old_screens[1] == "Nomor tiket:", old_screens
        assert not any("Ketik nomor" in t for t in old_screens), old_screens
        # A broken screens file: the reload is refused, the menu stays the new one.
        with open(screens, "w", encoding="utf-8") as f:
            f.write(new_text + "menu_typo = x\n")
        s.lapord.proc.proc.send_signal(signal.SIGHUP)
        s.lapord.proc.wait_for_log(r"SIGHUP: configuration not re-read \(.*ussd-id\.txt:\d+", 20)
        third = Citizen("6281100000403", True)
        s.run("tsel", [third.dial(), third.expect("3 Bantuan LAPOR")])
    finally:
        if s:
            s.stop()


if __name__ == "__main__":
    run_tests([test_check_config_reads_the_ussd_table,
               test_file_check_abort_and_time_out_on_both_profiles,
               test_a_restart_keeps_the_dialogues_in_progress,
               test_a_dialogue_begun_on_one_instance_goes_on_on_the_other,
               test_a_full_table_answers_busy_and_keeps_the_open_dialogues,
               test_a_thousand_interleaved_dialogues,
               test_the_store_failing_mid_dialogue_gives_the_filing_failed_screen,
               test_sighup_swaps_the_menu_texts_for_new_dialogues_only])
