"""What an operator sees when PostgreSQL misbehaves without failing (issue 13, operations):

- The only synchronous standby stops: every COMMIT waits for it, none fails. lapord's /readyz
  must say 503 once a batch has waited past [store] stalled_after_s, lapord_store_waiting_seconds
  must show the wait, and once the standby is back intake resumes: every MO acknowledged, each
  stored once, no complaint twice (the SMSC redelivers what waited past its own timeout).
- A wrong password: at start, one clear log line (libpq's FATAL) without the password; while
  running (the role's password changed under lapord), one line for the whole series of failed
  reconnect attempts, not one per attempt, and one when it connects again.

Clusters of this test's own (tests/system/pg_cluster.py), on free loopback ports, removed at
the end. Real binaries on loopback; see test_e2e.py."""
import os
import re
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pg_cluster  # noqa: E402
from lapord_harness import run_tests, wait_until  # noqa: E402
from test_e2e import Lapord, SmscSim, write_config  # noqa: E402
from test_pg_failover import DB, Answers, start_pair, store_contents  # noqa: E402

N = 600
TEXT = "LAPOR SLEMAN keluhan nomor {n} jalan rusak parah"
URL_ENV = "LAPORD_STANDBY_PG_URL"
STALLED_AFTER_S = 2


def get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def admin_port(lapord):
    lapord.proc.wait_for_log(r"admin listener on 127\.0\.0\.1:\d+", 20)
    return int(re.search(r"admin listener on 127\.0\.0\.1:(\d+)", lapord.proc.log()).group(1))


def waiting_seconds(port):
    m = re.search(r"^lapord_store_waiting_seconds (\d+)$", get(port, "/metrics")[1], re.M)
    return int(m.group(1)) if m else None


def test_standby_lost_readyz_503_then_back_nothing_lost_nothing_twice():
    work = tempfile.mkdtemp(prefix="lapord-standby-lost-")
    primary, standby = start_pair()
    os.environ[URL_ENV] = (f"host=127.0.0.1 port={primary.port} user=postgres dbname={DB} "
                           "connect_timeout=2")
    # --mo-timeout: like a real SMSC, an MO unanswered for 4 s is delivered again (while the
    # COMMIT waits): the copy must be recognised, not stored twice.
    sim = SmscSim("--flood", str(N), "--rate", "60", "--window", "50", "--flood-text", TEXT,
                  "--flood-sources", str(N // 2), "--retry-delay", "100", "--mo-timeout", "4000",
                  workdir=work)
    config = write_config(work, sim.port, None, None, log_level="info",
                          store={"backend": "postgresql", "url_env": URL_ENV,
                                 "instance": "gw-standby", "stalled_after_s": STALLED_AFTER_S})
    lapord = Lapord(config, work)
    seen = Answers(sim)
    code = None
    try:
        lapord.wait_bound(sim)
        port = admin_port(lapord)
        wait_until(lambda: get(port, "/readyz")[0] == 200, 20, "/readyz 200 once bound")
        wait_until(lambda: len(seen.acked()) >= 60, 60, "60 MO acked", interval=0.1)
        standby.stop("immediate")
        stopped_at = time.monotonic()
        # Intake stops: a COMMIT now waits for the standby. /readyz says so past the bound.
        wait_until(lambda: get(port, "/readyz")[0] == 503, STALLED_AFTER_S + 10,
                   "/readyz 503 with the standby gone", interval=0.1)
        not_ready_after = time.monotonic() - stopped_at
        status, body = get(port, "/readyz")
        assert "store: a batch has waited" in body and "synchronous standby" in body, body
        assert lapord.proc.proc.poll() is None
        wait_until(lambda: (waiting_seconds(port) or 0) >= STALLED_AFTER_S, 10,
                   "lapord_store_waiting_seconds to show the wait", interval=0.1)
        stalled_acks = len(seen.acked())
        # Long enough for the SMSC to give up on some MO and deliver them again.
        wait_until(lambda: any(r for r in sim.records("mo_unanswered")), 30,
                   "the SMSC to redeliver an MO it got no answer for", interval=0.1)
        assert len(seen.acked()) == stalled_acks, "an MO was acknowledged without the standby"
        standby.start()
        restarted_at = time.monotonic()
        wait_until(lambda: get(port, "/readyz")[0] == 200, 60, "/readyz 200 with the standby back",
                   interval=0.1)
        ready_after = time.monotonic() - restarted_at
        assert waiting_seconds(port) < STALLED_AFTER_S
        wait_until(lambda: seen.update().flood_done, 120, "the flood to be acked in full",
                   interval=0.2)
        assert seen.acked() == set(range(N)), f"{N - len(seen.acked())} MO never acked"
        received, complaints = store_contents(primary)
        # A whole message delivered again is kept again (a citizen may repeat one: docs/store.md)
        # and answered with the first ref: the duplicate rule keeps it from a second complaint.
        assert set(received) == set(range(N)), f"{N - len(set(received))} acked MO not stored"
        twice = {n: refs for n, refs in complaints.items() if len(refs) != 1}
        assert not twice, f"complaints created twice: {list(twice.items())[:10]}"
        assert set(complaints) == set(range(N))
        redelivered = sum(1 for st in seen.by_mo.values() if len(st) > 1)
        kept_again = len(received) - N
        print(f"standby lost: {stalled_acks} MO acked before the stall, /readyz 503 "
              f"{not_ready_after:.2f} s after the standby stopped (bound {STALLED_AFTER_S} s); "
              f"standby back: /readyz 200 after {ready_after:.2f} s; {N} MO acked ({redelivered} "
              f"answered more than once, {kept_again} copies kept as repeats), {len(complaints)} "
              "complaints, each once")
    finally:
        code = lapord.stop()
        sim.stop()
        for c in (primary, standby):
            c.stop("immediate")
            c.remove()
    assert code == 0, lapord.proc.log()


def password_cluster():
    """A cluster where the role lapord_pw must give its password (scram-sha-256), owning DB."""
    pg = pg_cluster.Cluster().start()
    pg.psql("SET password_encryption = 'scram-sha-256'; "
            "CREATE ROLE lapord_pw LOGIN PASSWORD 'right-pw-1'")
    pg.psql(f'CREATE DATABASE "{DB}" OWNER lapord_pw')
    hba = os.path.join(pg.data, "pg_hba.conf")
    with open(hba) as f:
        rules = f.read()
    with open(hba, "w") as f:  # the first matching line wins: before initdb's trust lines
        f.write("host all lapord_pw 127.0.0.1/32 scram-sha-256\n" + rules)
    pg.psql("SELECT pg_reload_conf()")
    return pg


def auth_failures(pg):
    with open(os.path.join(pg.folder, "server.log"), errors="replace") as f:
        return f.read().count('password authentication failed for user "lapord_pw"')


def test_wrong_password_one_clear_line_never_the_password():
    work = tempfile.mkdtemp(prefix="lapord-pg-password-")
    pg = password_cluster()
    sim = SmscSim("--flood", "100000", "--rate", "20", "--window", "10", "--flood-text", TEXT,
                  "--retry-delay", "100", workdir=work)
    seen = Answers(sim)
    config = write_config(work, sim.port, None, None, log_level="info",
                          store={"backend": "postgresql", "url_env": URL_ENV,
                                 "instance": "gw-password"})
    url = f"host=127.0.0.1 port={pg.port} user=lapord_pw dbname={DB} connect_timeout=2"
    lapord = None
    try:
        # At start: refused, one line through the log, no password in it.
        os.environ[URL_ENV] = url + " password=wr0ng-s3cret"
        first = Lapord(config, work, name="lapord-wrong")
        assert first.proc.proc.wait(timeout=30) == 1
        log = first.proc.log()
        lines = [x for x in log.splitlines() if "password authentication failed" in x]
        assert len(lines) == 1, log
        assert "cannot start: store: cannot connect to PostgreSQL" in lines[0], log
        assert "wr0ng-s3cret" not in log, log

        # Running: the password changes under lapord and its session is cut.
        os.environ[URL_ENV] = url + " password=right-pw-1"
        lapord = Lapord(config, work)
        lapord.wait_bound(sim)
        wait_until(lambda: len(seen.acked()) >= 5, 30, "5 MO acked", interval=0.1)
        before = auth_failures(pg)
        pg.psql("ALTER ROLE lapord_pw PASSWORD 'other-pw-2'; SELECT pg_terminate_backend(pid) "
                "FROM pg_stat_activity WHERE usename = 'lapord_pw'")
        # Several attempts refused by the server (its own log counts them) ...
        wait_until(lambda: auth_failures(pg) >= before + 4, 30, "4 reconnect attempts refused",
                   interval=0.1)
        # ... and one line in lapord's log for all of them.
        lapord.proc.wait_for_log(r"lost the connection to PostgreSQL", 10)
        log = lapord.proc.log()
        assert log.count("password authentication failed") == 1, log
        assert "retrying with back-off; said once until connected again" in log, log
        pg.psql("ALTER ROLE lapord_pw PASSWORD 'right-pw-1'")
        lapord.proc.wait_for_log(r"store: connected to PostgreSQL at 127\.0\.0\.1:\d+ after \d+ "
                                 r"failed attempt\(s\)", 30)
        acked_then = len(seen.acked())
        wait_until(lambda: len(seen.acked()) > acked_then + 5, 30, "intake to resume",
                   interval=0.1)
        log = lapord.proc.log()
        assert log.count("password authentication failed") == 1, log
        for secret in ("right-pw-1", "other-pw-2", "wr0ng-s3cret"):
            assert secret not in log, f"{secret} in the log"
        print(f"wrong password: refused at start with one line; {auth_failures(pg) - before} "
              "attempts refused while running, logged once")
    finally:
        code = lapord.stop() if lapord else 0
        sim.stop()
        pg.stop("immediate")
        pg.remove()
    assert code == 0, lapord.proc.log()


if __name__ == "__main__":
    run_tests([test_standby_lost_readyz_503_then_back_nothing_lost_nothing_twice,
               test_wrong_password_one_clear_line_never_the_password])
