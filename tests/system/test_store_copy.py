"""laporctl store copy (issue 13, item 4): the real lapord fills an SQLite store through smsc-sim
(three citizens, one long message whose first part waits for its second), stops; laporctl copies
the file into a PostgreSQL database of a throwaway cluster (tests/system/pg_cluster.py); lapord
starts again on PostgreSQL: the admin API shows the same complaints in the same order, the
waiting part completes its message, and a new citizen's MO gets a fresh ref that collides with
none of the copied ones. Refused with a clear message and nothing written: a target that holds
data, a missing file, an unset variable, a connection string that is not one, a server that does
not answer."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import binary, free_port, run_tests, wait_until  # noqa: E402
from pg_cluster import Cluster  # noqa: E402
from test_e2e import Stack, db_rows, write_script  # noqa: E402

TOKEN = "admin-token-for-store-copy"
URL_ENV = "LAPORD_TEST_COPY_PG_URL"
ADMIN = {"token_env": "LAPORD_TEST_ADMIN_TOKEN"}
# A message in two parts (UDH, 8-bit ref 0x42): the first is stored by the SQLite lapord, the
# second comes to the PostgreSQL one after the copy. Only characters whose GSM 03.38 code is their
# ASCII code, so the hex is the septets the SMSC sends.
LONG_SOURCE = "6281211110004"
PART1 = "LAPOR SLEMAN lampu jalan di dusun kami mati sejak "
PART2 = "minggu lalu dan jalan gelap sekali"


def part_step(seq, text):
    return {"dialogue": "long", "source": LONG_SOURCE, "destination": "1708",
            "hex": f"0500034202{seq:02x}" + text.encode("ascii").hex(), "esm_class": 0x40,
            "data_coding": 0, "wait_ack": True, "label": f"part {seq}"}


def citizen(source, text, label):
    return [{"dialogue": source, "source": source, "destination": "1708", "text": text,
             "label": label},
            {"dialogue": source, "wait": "submit_sm", "match": {"destination": source},
             "timeout_ms": 20000}]


BEFORE = (citizen("6281211110001", "LAPOR TANGKAB jalan rusak di Desa Suka Maju", "a")
          + citizen("6281211110002", "LAPOR SLEMAN sampah menumpuk di pasar Godean", "b")
          + citizen("6281211110003", "STOP", "stop") + [part_step(1, PART1)])
AFTER = ([part_step(2, PART2),
          {"dialogue": "long", "wait": "submit_sm", "match": {"destination": LONG_SOURCE},
           "timeout_ms": 20000}]
         + citizen("6281211110005", "LAPOR jembatan putus di dusun kami", "new"))


def laporctl(admin_url, *args, url=None):
    """laporctl with the admin token; `url` in URL_ENV (None: the variable unset)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LAPORD_ADMIN_") and k != URL_ENV}
    env["LAPORD_ADMIN_TOKEN"] = TOKEN
    if url is not None:
        env[URL_ENV] = url
    argv = [binary("laporctl")] + (["--admin", admin_url] if admin_url else []) + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env,
                          stdin=subprocess.DEVNULL)


def copy(source, url):
    return laporctl(None, "store", "copy", "--from", source, "--to-env", URL_ENV, url=url)


def admin_url(stack):
    stack.lapord.proc.wait_for_log(r"admin listener on 127\.0\.0\.1:\d+", 10)
    port = re.search(r"admin listener on 127\.0\.0\.1:(\d+)", stack.lapord.proc.log()).group(1)
    return f"http://127.0.0.1:{port}"


def listed(url):
    r = laporctl(url, "--json", "--unmask", "complaints", "list", "--limit", "50")
    assert r.returncode == 0, r.stderr
    return [(c["ref"], c["reporter"]) for c in json.loads(r.stdout)["complaints"]]


def fill_sqlite():
    """The SQLite store as a running lapord leaves it; returns (stack, listed complaints)."""
    os.environ["LAPORD_TEST_ADMIN_TOKEN"] = TOKEN
    s = Stack(script=BEFORE, with_store=False, admin=ADMIN)
    try:
        wait_until(lambda: len(s.sim.records("script_done")) == 1, 60, "the first script")
        assert s.sim.records("script_done")[0]["ok"], s.sim.records("script_failed")
        wait_until(lambda: db_rows(s.db, "SELECT count(*) FROM parts") == [(1,)], 20,
                   "the first part stored")
        before = listed(admin_url(s))
    finally:
        assert s.stop() == 0
    assert len(before) == 2, before
    return s, before


def test_copy_then_lapord_on_postgresql():
    s, before = fill_sqlite()
    with Cluster() as pg:
        url = pg.create_db("lapord")
        r = copy(s.db, url)
        assert r.returncode == 0, r.stderr
        assert "counts checked; ref counter 2" in r.stdout, r.stdout
        assert re.search(r"^  complaints 2$", r.stdout, re.M), r.stdout
        assert re.search(r"^  parts 1$", r.stdout, re.M), r.stdout
        assert url not in r.stdout + r.stderr  # the connection string is never printed
        # The same counts as the file's, and the opt-out came along.
        for table in ("complaints", "received", "replies", "reporters", "parts"):
            assert pg.psql(f"SELECT count(*) FROM {table}", "lapord") == str(
                db_rows(s.db, f"SELECT count(*) FROM {table}")[0][0]), table
        assert pg.psql("SELECT opted_out FROM reporters WHERE msisdn='+6281211110003'",
                       "lapord") == "1"

        # Copying again: refused, nothing written twice.
        again = copy(s.db, url)
        assert again.returncode == 1, again
        assert "the target store is not empty (" in again.stderr, again.stderr
        assert "2 complaints" in again.stderr and "nothing was written" in again.stderr
        assert pg.psql("SELECT count(*) FROM complaints", "lapord") == "2"

        # lapord on PostgreSQL: the same complaints, the part completes, a fresh ref.
        os.environ[URL_ENV] = url
        p = Stack(with_store=False, admin=ADMIN,
                  store={"backend": "postgresql", "url_env": URL_ENV})
        try:
            a = admin_url(p)
            assert listed(a) == before, (listed(a), before)
            p.sim.command("script " + write_script(p.workdir, AFTER, "after.jsonl"))
            wait_until(lambda: len(p.sim.records("script_done")) == 1, 60, "the second script")
            assert p.sim.records("script_done")[0]["ok"], p.sim.records("script_failed")
            wait_until(lambda: len(listed(a)) == 4, 20, "two new complaints")
            now = listed(a)
            assert now[2:] == before, now
            new_refs = {ref for ref, _ in now[:2]}
            assert not new_refs & {ref for ref, _ in before}, (now, before)
            long_ref = [ref for ref, who in now if who == "+" + LONG_SOURCE][0]
            shown = json.loads(laporctl(a, "--json", "complaints", "show", long_ref).stdout)
            assert shown["text"] == (PART1 + PART2)[len("LAPOR SLEMAN "):].strip(), shown
            assert shown["segments"] == 2, shown
        finally:
            assert p.stop() == 0


def test_refusals_say_why():
    with Cluster() as pg:
        url = pg.create_db("empty")
        missing = copy("/nonexistent/lapord.db", url)
        assert missing.returncode == 1, missing
        assert missing.stderr == "laporctl: store copy: /nonexistent/lapord.db: no such file\n", \
            missing.stderr
        s, _ = fill_sqlite()
        unset = copy(s.db, None)
        assert unset.returncode == 2, unset
        assert f"the environment variable {URL_ENV} holds no PostgreSQL connection string" in \
            unset.stderr, unset.stderr
        bad = copy(s.db, "host=127.0.0.1 port=notaport")
        assert bad.returncode == 1, bad
        assert "cannot connect to PostgreSQL" in bad.stderr and "notaport" in bad.stderr, bad.stderr
        down = copy(s.db, f"host=127.0.0.1 port={free_port()} user=postgres connect_timeout=3")
        assert down.returncode == 1 and "cannot connect to PostgreSQL" in down.stderr, down
        # None of those wrote anything.
        assert pg.psql("SELECT count(*) FROM pg_tables WHERE tablename='complaints'",
                       "empty") == "0"


if __name__ == "__main__":
    run_tests([test_copy_then_lapord_on_postgresql, test_refusals_say_why])
