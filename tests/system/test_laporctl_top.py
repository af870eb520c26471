"""laporctl top in a real terminal: tmux (a private server socket) runs it at 80x24 against the
real lapord, with smsc-sim flooding MO and store-sim refusing the first two forwards; the
screen (capture-pane) must show the bind, a non-zero MO rate while the flood runs, then the
totals and the parked count of the same lapord's /metrics and the refs of its newest
complaints; `q` ends it.
"""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import binary, run_tests, wait_until  # noqa: E402
from test_e2e import Stack, db_rows  # noqa: E402
from test_metrics import scrape, total, value  # noqa: E402

TOKEN = "admin-token-for-top-tests"
FLOOD = 60


class Tmux:
    """A tmux server of the test's own (-L), so it never touches a user's sessions."""

    def __init__(self):
        self.socket = f"lapord-top-test-{os.getpid()}"

    def run(self, *args, check=True):
        return subprocess.run(["tmux", "-L", self.socket] + list(args), capture_output=True,
                              text=True, timeout=20, check=check)

    def screen(self):
        return self.run("capture-pane", "-p", "-t", "top").stdout

    def alive(self):
        return self.run("has-session", "-t", "top", check=False).returncode == 0

    def kill(self):
        self.run("kill-server", check=False)


def shown(screen, name):
    """(per second, total) of a rate line, or None."""
    m = re.search(rf"^  {name}\s+(\S+)\s+(\d+)\s*$", screen, re.M)
    if not m:
        return None
    return (None if m.group(1) == "-" else float(m.group(1)), int(m.group(2)))


def test_top_shows_the_running_lapord():
    assert shutil.which("tmux"), "tmux is needed (scripts/deps)"
    os.environ["LAPORD_TEST_TOP_TOKEN"] = TOKEN
    s = Stack(sim_args=["--receipts", "--flood", str(FLOOD), "--rate", "6",
                        "--flood-sources", "60", "--flood-text",
                        "LAPOR SLEMAN banjir di perumahan kami belum surut, laporan {n}"],
              store_args=["--fail-first", "2", "--fail-status", "422"],
              admin={"token_env": "LAPORD_TEST_TOP_TOKEN"})
    tmux = Tmux()
    try:
        log = s.lapord.proc
        log.wait_for_log(r"admin listener on 127\.0\.0\.1:\d+", 10)
        port = int(re.search(r"admin listener on 127\.0\.0\.1:(\d+)", log.log()).group(1))
        command = (f"env LAPORD_ADMIN_TOKEN={TOKEN} {binary('laporctl')} "
                   f"--admin http://127.0.0.1:{port} top")
        tmux.run("new-session", "-d", "-s", "top", "-x", "80", "-y", "24", command)
        # While the flood runs: the bind, and some frame with MO arriving.
        def flowing():
            screen = tmux.screen()
            mo = shown(screen, "MO")
            return screen if "tsel/trx up" in screen and mo and mo[0] and mo[0] > 0 else None
        screen = wait_until(flowing, 30, "a frame with a non-zero MO rate", interval=0.2)
        assert screen.startswith(f"lapord top  http://127.0.0.1:{port}  "), screen
        assert shown(screen, "complaints") is not None, screen

        # The flood over, the forwards answered (2 parked) and the depth sampled: the screen's
        # numbers become those of /metrics and the newest complaints those of the store.
        wait_until(lambda: total(scrape(port), "lapord_complaints_created_total") == FLOOD, 60,
                   "every flood MO a complaint")
        wait_until(lambda: value(scrape(port), "lapord_outbox_depth", state="parked") == 2, 30,
                   "2 parked")
        newest = None

        def settled():
            nonlocal newest
            f = scrape(port)
            screen = tmux.screen()
            want = {"MO": total(f, "lapord_mo_received_total"),
                    "complaints": total(f, "lapord_complaints_created_total"),
                    "replies": total(f, "lapord_replies_sent_total"),
                    "forwarded": value(f, "lapord_outbox_forwarded_total")}
            got = {k: (shown(screen, k) or (None, None))[1] for k in want}
            newest = [r[0] for r in db_rows(s.db, "SELECT ref FROM complaints "
                                                  "ORDER BY rowid DESC LIMIT 10")]
            same = got == {k: int(v) for k, v in want.items()} and \
                "parked 2" in screen and all(ref in screen for ref in newest)
            return screen if same else None
        screen = wait_until(settled, 30, "the screen to match /metrics and the store",
                            interval=0.3)
        assert "parked 2" in screen
        assert shown(screen, "complaints")[1] == FLOOD, screen
        lines = screen.rstrip("\n").split("\n")
        assert len(lines) <= 24 and all(len(l) <= 80 for l in lines), screen
        assert lines[-1].startswith("q quits"), screen
        assert not re.search(r"\b62812\d{8}\b", screen), "a full number on the screen"
        assert re.search(r"62812\*+\d{4}", screen), "the reporters, masked"

        tmux.run("send-keys", "-t", "top", "q")
        wait_until(lambda: not tmux.alive(), 10, "q to end laporctl top")
    finally:
        tmux.kill()
        s.stop()


if __name__ == "__main__":
    run_tests([test_top_shows_the_running_lapord])
