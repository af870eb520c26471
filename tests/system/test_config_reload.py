"""SIGHUP: lapord reopens its log file, applies a new log level at once, names every change
that needs a restart, and keeps running (and its bind up) when the new file is bad. Carrier list
changes: test_reload_carriers.py."""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import run_tests, wait_until  # noqa: E402
from test_carrier import Sim, carrier, lapord_workdir, start_lapord, stop_all, write_config  # noqa: E402


def test_sighup_applies_the_level_and_names_what_needs_a_restart():
    sim = Sim()
    work = lapord_workdir()
    cfg = carrier("tsel", sim.port, enquire_link_interval_s=0.2)
    path = write_config(work, [cfg], log={"level": "info"})
    lapord = start_lapord(path)
    try:
        lapord.wait_for_log(r"\[tsel\] bind up")
        assert "connecting to" not in lapord.log(), "debug lines are hidden at info"

        # Same file: nothing to report.
        lapord.signal(signal.SIGHUP)
        lapord.wait_for_log(r"SIGHUP: logs reopened")
        lapord.wait_for_log(r"SIGHUP: nothing changed")

        # A new level (applied) and a new [daemon] value (needs a restart).
        write_config(work, [cfg], daemon={"shutdown_timeout_s": 4}, log={"level": "debug"})
        lapord.signal(signal.SIGHUP)
        lapord.wait_for_log(r"SIGHUP: applied: log level is now debug")
        lapord.wait_for_log(r"(?m)SIGHUP: 1 change\(s\) applied; these changes need a restart to "
                            r"take effect: \[daemon\]$")

        # A broken file: lapord says so (with the file's line) and runs on, still bound.
        with open(path, "a") as f:
            f.write("bogus_key = 1\n")
        lapord.signal(signal.SIGHUP)
        lapord.wait_for_log(r"SIGHUP: configuration not re-read \(.*lapord\.toml:\d+: "
                            r".*unknown key \"bogus_key\" in \[[^)]*\), running on as before")
        binds_before = len(sim.records("bind"))
        sim.wait_for("enquire_link", count=len(sim.records("enquire_link")) + 2)
        assert len(sim.records("bind")) == binds_before == 1, "the bind was never dropped"
        assert lapord.proc.poll() is None
        assert lapord.stop() == 0
    finally:
        stop_all(lapord, sim)


if __name__ == "__main__":
    run_tests([test_sighup_applies_the_level_and_names_what_needs_a_restart])
