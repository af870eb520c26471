"""config/lapord.toml runs as it is (issue 15 item 6): with no LAPORD_* variable in the
environment it passes --check-config, binds both its carriers to smsc-sim (the second one with
its own account, as a transmitter + receiver pair) and STORES what a citizen sends: the
complaint is in lapord.db next to the configuration and the citizen gets a ticket.

The file is copied with its data files into a temporary folder; only its port numbers are
changed (to free ones, so parallel tests do not clash). Nothing else is edited."""
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import SOURCE_DIR, binary, free_port, run_tests, wait_until  # noqa: E402
from test_e2e import Lapord, SmscSim, db_rows, submits_to, write_script  # noqa: E402
import subprocess  # noqa: E402


def copy_example(workdir, tsel_port, xl_port, admin_port):
    config = os.path.join(SOURCE_DIR, "config")
    for name in ("templates-id.txt", "greetings-id.txt", "ussd-id.txt"):
        shutil.copy(os.path.join(config, name), workdir)
    shutil.copytree(os.path.join(config, "directory"), os.path.join(workdir, "directory"))
    text = open(os.path.join(config, "lapord.toml"), encoding="utf-8").read()
    text = text.replace("port = 2775", f"port = {tsel_port}", 1)
    text = text.replace("port = 2776", f"port = {xl_port}", 1)
    if re.search(r"^\[admin\]", text, re.M):
        text = text.replace("127.0.0.1:8471", f"127.0.0.1:{admin_port}")
    else:  # an [admin]-less file would take the default port 8471 (other tests may hold it)
        text += f'\n[admin]\nlisten = "127.0.0.1:{admin_port}"\n'
    path = os.path.join(workdir, "lapord.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def no_secrets():
    return {k: v for k, v in os.environ.items() if not k.startswith("LAPORD_")}


def test_the_example_checks_without_any_secret_in_the_environment():
    example = os.path.join(SOURCE_DIR, "config", "lapord.toml")
    p = subprocess.run([binary("lapord"), "--config", example, "--check-config"],
                       capture_output=True, text=True, timeout=30, env=no_secrets())
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == f"lapord: {example}: configuration OK (2 carriers)", p.stdout
    assert p.stderr == "", p.stderr


def test_the_example_runs_against_the_simulator_and_stores():
    workdir = tempfile.mkdtemp(prefix="lapord-example-")
    script = write_script(workdir, [{"source": "6281234567890", "destination": "1708",
                                     "text": "LAPOR TANGKAB jalan rusak di Desa Suka Maju"}])
    for sub in ("tsel", "xl"):
        os.makedirs(os.path.join(workdir, sub))
    tsel = SmscSim("--script", script, workdir=os.path.join(workdir, "tsel"))
    xl = None
    lapord = None
    try:
        xl = SmscSim("--account", "lapord-xl:xlpass", workdir=os.path.join(workdir, "xl"))
        config = copy_example(workdir, tsel.port, xl.port, free_port())
        env = no_secrets()
        lapord = Lapord(config, workdir, env=env)
        lapord.wait_bound(tsel)
        # xl binds twice: a transmitter and a receiver.
        wait_until(lambda: len([b for b in xl.records("bind") if b.get("status") == 0]) >= 2,
                   30, "both xl binds")
        ack = wait_until(lambda: submits_to(tsel, "6281234567890"), 30, "the citizen's ticket")
        rows = db_rows(os.path.join(workdir, "lapord.db"),
                       "select ref, institution_code from complaints")
        assert len(rows) == 1, rows
        assert rows[0][1] == "36.03", rows
        assert rows[0][0] in (ack[0].get("text") or ""), (rows, ack)
        assert "NOT stored" not in lapord.proc.log()
        assert lapord.stop() == 0
    finally:
        if lapord:
            lapord.kill()
        tsel.stop()
        if xl:
            xl.stop()


if __name__ == "__main__":
    run_tests([test_the_example_checks_without_any_secret_in_the_environment,
               test_the_example_runs_against_the_simulator_and_stores])
