"""SIGHUP with a new carrier list: an added carrier binds (and carries MO and MT), a removed
one unbinds cleanly, a changed one rebinds with its new settings, and a carrier left as it was
is never touched: its one TCP connection and its one bind stay up through every reload (the
simulator's records: one `bind`, no `unbind`/`disconnect`, enquire_link on the same `conn`).
A reload that cannot be applied whole (a TLS file that does not load) changes nothing."""
import os
import re
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import run_tests, wait_until  # noqa: E402
from test_carrier import Sim, carrier, lapord_workdir, start_lapord, stop_all, write_config  # noqa: E402
from test_carrier_mo import script_file  # noqa: E402

DAEMON = {"test_echo": True, "shutdown_timeout_s": 5}


def untouched(sim, conn):
    """The simulator saw one connection and one bind from lapord, never closed."""
    binds = sim.records("bind")
    assert len(binds) == 1 and binds[0]["status"] == 0 and binds[0]["conn"] == conn, binds
    assert not sim.records("unbind"), sim.records("unbind")
    assert not sim.records("disconnect"), sim.records("disconnect")
    assert len(sim.records("connect")) == 1, sim.records("connect")


def reloaded(lapord, count):
    """Waits for the count-th reload's last line (the one saying what needs a restart)."""
    lapord.wait_for_log(r"SIGHUP: (nothing changed|\d+ change\(s\) applied|configuration not "
                        r"re-read)", count=count)


def test_carriers_added_removed_changed_and_the_untouched_one_keeps_its_bind():
    tsel = Sim(name="sim-tsel")
    xl = Sim(name="sim-xl")
    isat = Sim("--script", script_file({"source": "6281234567890", "destination": "1708",
                                        "text": "LAPOR lewat isat", "wait_ack": True}),
               name="sim-isat")
    work = lapord_workdir()
    keep = carrier("tsel", tsel.port, enquire_link_interval_s=0.2)
    path = write_config(work, [keep, carrier("xl", xl.port)], daemon=DAEMON)
    lapord = start_lapord(path)
    try:
        lapord.wait_for_log(r"\[tsel\] bind up")
        lapord.wait_for_log(r"\[xl\] bind up")
        conn = tsel.wait_for("bind")[0]["conn"]
        assert not isat.records("connect"), "isat is not configured yet"

        # Added and removed in one reload; tsel's table is byte for byte the same.
        write_config(work, [keep, carrier("isat", isat.port)], daemon=DAEMON)
        lapord.signal(signal.SIGHUP)
        reloaded(lapord, 1)
        log = lapord.log()
        assert re.search(r"SIGHUP: applied: \[\[carrier\]\] \"xl\" removed: draining, then "
                         r"unbinding", log), log
        assert re.search(r"SIGHUP: applied: \[\[carrier\]\] \"isat\" added: binding to "
                         r"127\.0\.0\.1:\d+ as transceiver", log), log
        assert re.search(r"SIGHUP: 2 change\(s\) applied, nothing needs a restart", log), log
        assert "\"tsel\"" not in "".join(l for l in log.splitlines() if "SIGHUP" in l)

        # xl: a clean unbind from lapord's side, then the connection closed.
        xl.wait_for("unbind", where=lambda r: r.get("by") == "esme")
        xl.wait_for("disconnect")
        lapord.wait_for_log(r"\[xl\] closed")
        # isat: binds, and carries MO in and MT out (test_echo answers the MO by submit_sm).
        assert isat.wait_for("bind")[0]["status"] == 0
        isat.wait_for("deliver_sm_resp", where=lambda r: r["status"] == 0)
        echo = isat.wait_for("submit_sm")[0]
        assert echo["destination"]["addr"] == "6281234567890" and echo["status"] == 0, echo

        # Changed: isat's window. It unbinds and binds again; tsel is still not touched.
        write_config(work, [keep, carrier("isat", isat.port, window=3)], daemon=DAEMON)
        lapord.signal(signal.SIGHUP)
        reloaded(lapord, 2)
        lapord.wait_for_log(r"SIGHUP: applied: \[\[carrier\]\] \"isat\" changed \(window\): "
                            r"draining, then binding again with the new settings")
        isat.wait_for("unbind", where=lambda r: r.get("by") == "esme")
        isat.wait_for("bind", count=2, where=lambda r: r["status"] == 0)
        lapord.wait_for_log(r"\[isat\] bind up", count=2)

        # The same file again: nothing to do.
        lapord.signal(signal.SIGHUP)
        reloaded(lapord, 3)
        lapord.wait_for_log(r"SIGHUP: nothing changed")

        # tsel kept its connection all along: it is still answering enquire_link on it.
        seen = len(tsel.records("enquire_link"))
        tsel.wait_for("enquire_link", count=seen + 2, where=lambda r: r["conn"] == conn)
        untouched(tsel, conn)
        assert lapord.proc.poll() is None
        assert lapord.stop() == 0
    finally:
        stop_all(lapord, tsel, xl, isat)


def test_a_reload_that_cannot_be_applied_whole_changes_nothing():
    tsel = Sim(name="sim-tsel")
    xl = Sim(name="sim-xl")
    work = lapord_workdir()
    bad_ca = os.path.join(work, "not-a-certificate.pem")
    with open(bad_ca, "w") as f:
        f.write("this is not PEM\n")
    keep = [carrier("tsel", tsel.port), carrier("xl", xl.port)]
    path = write_config(work, keep, daemon=DAEMON)
    lapord = start_lapord(path)
    try:
        lapord.wait_for_log(r"\[tsel\] bind up")
        lapord.wait_for_log(r"\[xl\] bind up")
        conn = xl.wait_for("bind")[0]["conn"]
        # xl removed and a TLS carrier whose CA file cannot be loaded, in one reload.
        write_config(work, [carrier("tsel", tsel.port),
                            carrier("tls", tsel.port, tls=True, tls_ca_file=bad_ca)], daemon=DAEMON)
        lapord.signal(signal.SIGHUP)
        # Refused while the file is read (the TLS files are loaded with it), naming the line.
        lapord.wait_for_log(r"SIGHUP: configuration not re-read \(.*lapord\.toml:\d+: "
                            r"\[\[carrier\]\] \"tls\": "
                            r"tls_ca_file \".*not-a-certificate\.pem\" cannot be loaded: .*\), "
                            r"running on as before")
        assert "applied:" not in lapord.log()
        # Back to the running list: nothing changed, so xl was never touched.
        write_config(work, keep, daemon=DAEMON)
        lapord.signal(signal.SIGHUP)
        lapord.wait_for_log(r"SIGHUP: nothing changed")
        untouched(xl, conn)
        assert len(tsel.records("bind")) == 1
        assert lapord.stop() == 0
        # A clean stop unbinds both as usual.
        assert xl.wait_for("unbind")[0]["by"] == "esme"
    finally:
        stop_all(lapord, tsel, xl)


if __name__ == "__main__":
    run_tests([test_carriers_added_removed_changed_and_the_untouched_one_keeps_its_bind,
               test_a_reload_that_cannot_be_applied_whole_changes_nothing])
