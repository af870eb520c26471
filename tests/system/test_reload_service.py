"""SIGHUP and the complaint service, with the store-backed pipeline and two carriers bound to two
smsc-sims: a new reply template is used by the next reply, an alias added to the aliases file
routes the next MO with that keyword, a broken templates file is refused with its file:line
and the old texts stay in use, and a change only a restart can make is named as such. Neither
carrier's bind is dropped by any of it (one `bind`, no `unbind` in each simulator's records)."""
import os
import re
import shutil
import signal
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import SOURCE_DIR, run_tests, store_keys, wait_until, write_toml  # noqa: E402
from test_e2e import (REF_KEY, Lapord, SmscSim, db_rows, submits_to, toml_value,  # noqa: E402
                      write_script)

ACK = ("ack = LAPOR! Laporan diterima, tiket {ref} utk {institution}. Cek status: ketik CEK {ref} "
       "kirim ke {number}")
NEW_ACK = "ack = LAPOR! Aduan dicatat (teks baru), tiket {ref} utk {institution}. CEK {ref} ke {number}"


def write_config(workdir, ports, store=None, service=None):
    src = os.path.abspath(SOURCE_DIR)
    tables = [
        ("daemon", {"shutdown_timeout_s": 5}),
        ("log", {"level": "info"}),
        ("service", dict({"directory": f"{src}/config/directory/institutions.tsv",
                          "aliases": os.path.join(workdir, "aliases.tsv"),
                          "templates": os.path.join(workdir, "templates-id.txt"),
                          "greetings": f"{src}/config/greetings-id.txt",
                          "ref_key": REF_KEY}, **(service or {}))),
        ("store", store_keys(workdir, **(store or {}))),
    ]
    lines = []
    for name, keys in tables:
        lines.append(f"[{name}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in keys.items()]
    for name, port in ports.items():
        c = {"name": name, "host": "127.0.0.1", "port": port, "system_id": "lapord",
             "password": "secret", "window": 50, "submit_rate": 1000, "submit_burst": 50,
             "response_timeout_s": 5, "connect_timeout_s": 2, "reconnect_min_s": 0.05,
             "reconnect_max_s": 0.3, "enquire_link_interval_s": 0.3}
        lines.append("[[carrier]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in c.items()]
    return write_toml(workdir, lines)


def replace_line(path, prefix, new_line):
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    hits = [i for i, l in enumerate(lines) if l.startswith(prefix)]
    assert len(hits) == 1, (prefix, hits)
    lines[hits[0]] = new_line
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return hits[0] + 1  # the 1-based line number


def test_templates_aliases_and_a_broken_file_on_sighup_with_both_binds_kept():
    work = tempfile.mkdtemp(prefix="lapord-reload-service-")
    shutil.copy(os.path.join(SOURCE_DIR, "config/templates-id.txt"), work)
    shutil.copy(os.path.join(SOURCE_DIR, "config/directory/aliases.tsv"), work)
    tsel = SmscSim(workdir=tempfile.mkdtemp(prefix="lapord-reload-tsel-"))
    isat = SmscSim(workdir=tempfile.mkdtemp(prefix="lapord-reload-isat-"))
    ports = {"tsel": tsel.port, "isat": isat.port}
    path = write_config(work, ports)
    lapord = Lapord(path, work)
    db = os.path.join(work, "lapord.db")
    sent = [0]

    def mo(sim, number, text):
        """One MO through `sim`; returns the text of the reply lapord sends back to `number`."""
        sent[0] += 1
        before = len(submits_to(sim, number))
        sim.command("script " + write_script(work, [{"source": number, "destination": "1708",
                                                     "text": text}], f"mo{sent[0]}.jsonl"))
        return wait_until(lambda: len(submits_to(sim, number)) > before and
                          submits_to(sim, number)[-1]["text"], 30, f"the reply to {number}")

    def reloads(count):
        lapord.proc.wait_for_log(r"SIGHUP: (nothing changed|\d+ change\(s\) applied|configuration "
                                 r"not re-read)", count=count)

    try:
        lapord.wait_bound(tsel)
        lapord.wait_bound(isat)
        first = mo(tsel, "6281111111111", "LAPOR TANGKAB jalan rusak di desa kami")
        assert "Laporan diterima, tiket" in first, first

        # (a) A new ack text: applied at the next reply, whichever carrier it goes out on.
        replace_line(os.path.join(work, "templates-id.txt"), "ack =", NEW_ACK)
        lapord.proc.signal(signal.SIGHUP)
        reloads(1)
        log = lapord.proc.log()
        assert re.search(r"SIGHUP: applied: \[service\] templates reloaded: .*templates-id\.txt "
                         r"changed", log), log
        assert re.search(r"SIGHUP: 1 change\(s\) applied, nothing needs a restart", log), log
        second = mo(isat, "6281222222222", "LAPOR TANGKAB lampu jalan mati sejak minggu lalu")
        assert "Aduan dicatat (teks baru)" in second and "Kab. Tangerang" in second, second

        # (b) An alias added to the aliases file routes the next MO with that keyword.
        with open(os.path.join(work, "aliases.tsv"), "a", encoding="utf-8") as f:
            f.write("BANDUNGKU\t32.73\n")
        lapord.proc.signal(signal.SIGHUP)
        reloads(2)
        lapord.proc.wait_for_log(r"SIGHUP: applied: \[service\] aliases reloaded: .*aliases\.tsv "
                                 r"changed")
        third = mo(tsel, "6281333333333", "LAPOR BANDUNGKU trotoar rusak di depan sekolah")
        assert "Kota Bandung" in third, third
        rows = db_rows(db, "SELECT institution_code, institution_keyword FROM complaints "
                           "WHERE reporter = '+6281333333333'")
        assert rows == [("32.73", "BANDUNGKU")], rows

        # (e) A broken templates file: refused with its file:line, the texts of (a) stay.
        bad_line = replace_line(os.path.join(work, "templates-id.txt"), "ack =",
                                "ack = LAPOR! tiket {ref} {bogus_placeholder}")
        lapord.proc.signal(signal.SIGHUP)
        reloads(3)
        lapord.proc.wait_for_log(r"SIGHUP: configuration not re-read \(.*templates-id\.txt:"
                                 + str(bad_line) + r": .*\), running on as before")
        fourth = mo(isat, "6281444444444", "LAPOR TANGKAB saluran air tersumbat")
        assert "Aduan dicatat (teks baru)" in fourth, fourth

        # (f) Fixed again, plus changes only a restart makes: the ref key and a [store] key.
        replace_line(os.path.join(work, "templates-id.txt"), "ack =", ACK)
        write_config(work, ports, store={"reply_batch": 7},
                     service={"ref_key": REF_KEY + "-rotated"})
        lapord.proc.signal(signal.SIGHUP)
        reloads(4)
        lapord.proc.wait_for_log(r"SIGHUP: applied: \[service\] templates reloaded")
        lapord.proc.wait_for_log(r"SIGHUP: 1 change\(s\) applied; these changes need a restart "
                                 r"to take effect: \[store\], \[service\] ref_key")
        assert "rotated" not in lapord.proc.log(), "the ref key must never be logged"
        fifth = mo(tsel, "6281555555555", "LAPOR TANGKAB pohon tumbang menutup jalan")
        assert "Laporan diterima, tiket" in fifth, fifth
        # Refs are still made with the running key: every ref unique, all of one length.
        refs = [r[0] for r in db_rows(db, "SELECT ref FROM complaints")]
        assert len(refs) == 5 == len(set(refs)) and len({len(r) for r in refs}) == 1, refs

        # Neither bind was dropped by any reload.
        for sim in (tsel, isat):
            binds = sim.records("bind")
            assert len(binds) == 1 and binds[0]["status"] == 0, binds
            assert not sim.records("unbind"), sim.records("unbind")
        assert lapord.stop() == 0
    finally:
        lapord.kill()
        tsel.stop()
        isat.stop()


if __name__ == "__main__":
    run_tests([test_templates_aliases_and_a_broken_file_on_sighup_with_both_binds_kept])
