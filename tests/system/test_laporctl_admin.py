"""laporctl against the real daemon's admin API, with smsc-sim as the carrier and store-sim as
the national store: status, complaints list/show (tables and --json checked against the SQLite
file), parked forwards (store-sim refuses the first two with 422), retry (forwarded exactly
once), drop (kept, never sent), a test SMS (smsc-sim records the submit_sm), a wrong token, no
daemon, and reload."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import PG, binary, free_port, run_tests, wait_until  # noqa: E402
from test_e2e import Stack, db_rows  # noqa: E402

TOKEN = "admin-token-for-laporctl-tests"
CITIZENS = [
    {"dialogue": "a", "source": "6281211110001", "destination": "1708",
     "text": "LAPOR TANGKAB jalan rusak di Desa Suka Maju sudah 3 bulan", "label": "a"},
    {"dialogue": "a", "wait": "submit_sm", "match": {"destination": "6281211110001"},
     "timeout_ms": 20000},
    {"dialogue": "a", "source": "6281211110002", "destination": "1708",
     "text": "LAPOR SLEMAN sampah menumpuk di pasar Godean", "label": "b"},
    {"dialogue": "a", "wait": "submit_sm", "match": {"destination": "6281211110002"},
     "timeout_ms": 20000},
    {"dialogue": "a", "source": "6281211110003", "destination": "1708",
     "text": "LAPOR jembatan putus di dusun kami", "label": "c"},
]

_stack = None
_admin_url = None


def stack():
    """One daemon for the tests below (the last one stops it)."""
    global _stack, _admin_url
    if _stack is None:
        os.environ["LAPORD_TEST_ADMIN_TOKEN"] = TOKEN  # lapord reads [admin] token_env
        _stack = Stack(script=CITIZENS, store_args=["--fail-first", "2", "--fail-status", "422"],
                       admin={"token_env": "LAPORD_TEST_ADMIN_TOKEN"})
        log = _stack.lapord.proc
        log.wait_for_log(r"admin listener on 127\.0\.0\.1:\d+ \(.*admin API", 10)
        port = re.search(r"admin listener on 127\.0\.0\.1:(\d+)", log.log()).group(1)
        _admin_url = f"http://127.0.0.1:{port}"
        # Every citizen's complaint is stored and every forward answered (2 parked, 1 taken).
        wait_until(lambda: db_rows(_stack.db, "SELECT count(*) FROM complaints "
                                                  "WHERE forward_state='parked'")
                   == [(2,)] and len(_stack.store.taken()) == 1, 30, "2 parked, 1 forwarded")
    return _stack


def laporctl(*args, token=TOKEN, url=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAPORD_ADMIN_")}
    if token is not None:
        env["LAPORD_ADMIN_TOKEN"] = token
    argv = [binary("laporctl")] + (["--admin", _admin_url] if url else []) + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env,
                          stdin=subprocess.DEVNULL)


def ok(*args, **kw):
    r = laporctl(*args, **kw)
    assert r.returncode == 0, f"laporctl {args}: {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r.stdout


def as_json(*args):
    return json.loads(ok("--json", *args))


def table(out):
    """The rows of an aligned table: each line split on runs of 2+ spaces."""
    return [re.split(r"\s{2,}", line.strip()) for line in out.splitlines() if line.strip()]


def test_status_against_the_file():
    s = stack()
    st = as_json("status")
    assert st["binds"] == [{"carrier": "tsel", "bind": "trx", "bound": True}], st
    counts = dict(db_rows(s.db, "SELECT forward_state, count(*) FROM complaints "
                                 "GROUP BY forward_state"))
    assert st["outbox"]["parked"] == counts.get("parked", 0) == 2, (st, counts)
    assert st["outbox"]["pending"] + st["outbox"]["in_flight"] == counts.get("pending", 0)
    assert st["outbox"]["dropped"] == 0
    assert st["store"]["schema_version"] == db_rows(s.db, "PRAGMA user_version")[0][0]
    assert st["forwarder"]["circuit"] == "closed"
    rows = table(ok("status"))
    assert ["CARRIER", "BIND", "STATE"] in rows and ["tsel", "trx", "bound"] in rows, rows
    outbox = next(r for r in rows if r[0] == "outbox")
    assert outbox[3] == "2", rows  # PARKED column


def test_complaints_list_and_show_against_the_file():
    s = stack()
    refs = [r for (r,) in db_rows(s.db, "SELECT ref FROM complaints ORDER BY rowid DESC")]
    assert len(refs) == 3
    listed = as_json("complaints", "list")["complaints"]
    assert [c["ref"] for c in listed] == refs
    reporters = {c["reporter"] for c in listed}
    assert reporters == {"+62812****0001", "+62812****0002", "+62812****0003"}, reporters
    out = ok("complaints", "list")
    rows = table(out)
    assert rows[0][:3] == ["REF", "CREATED (UTC)", "CARRIER"], rows
    assert [r[0] for r in rows[1:]] == refs
    assert "6281211110001" not in out and "+62812****0001" in out
    unmasked = as_json("--unmask", "complaints", "list", "--limit", "1")["complaints"]
    assert [c["reporter"] for c in unmasked] == ["+6281211110003"]
    assert "unmasked" in s.lapord.proc.log() and "6281211110003" not in s.lapord.proc.log()
    # Filters, by keyword and by the forwarding state the file has.
    (tangkab,) = db_rows(s.db, "SELECT ref FROM complaints WHERE institution_keyword='TANGKAB'")
    assert [c["ref"] for c in as_json("complaints", "list", "--institution", "tangkab")
            ["complaints"]] == [tangkab[0]]
    national = as_json("complaints", "list", "--institution", "national")["complaints"]
    assert [c["ref"] for c in national] == [r for (r,) in db_rows(
        s.db, "SELECT ref FROM complaints WHERE institution_code IS NULL ORDER BY rowid DESC")]
    parked = [r for (r,) in db_rows(s.db, "SELECT ref FROM complaints "
                                          "WHERE forward_state='parked' ORDER BY rowid DESC")]
    assert [c["ref"] for c in as_json("complaints", "list", "--forwarding", "parked",
                                      "--since", "1h")["complaints"]] == parked
    assert as_json("complaints", "list", "--since", "2999-01-01")["complaints"] == []

    ref = refs[-1]
    shown = as_json("complaints", "show", ref)
    # SQLite's reply names its complaint by number (schema 15: no ref of its own); PostgreSQL's
    # by ref.
    of_complaint = "r.ref=c.ref" if PG else "r.complaint=c.number"
    (status, fstate, nreplies) = db_rows(
        s.db, "SELECT c.status, c.forward_state, (SELECT count(*) FROM replies r "
              f"WHERE {of_complaint}) FROM complaints c WHERE c.ref=?", (ref,))[0]
    assert shown["status"] == status and shown["forward"]["state"] == fstate, shown
    assert len(shown["replies"]) == nreplies >= 1 and shown["replies"][0]["kind"] == "ack"
    assert shown["reporter"] == "+62812****0001"
    text = ok("complaints", "show", ref)
    assert re.search(rf"^ref\s+{ref}$", text, re.M), text
    assert re.search(r"^reporter\s+\+62812\*\*\*\*0001$", text, re.M), text
    assert "replies (1)" in text or f"replies ({nreplies})" in text

    missing = laporctl("complaints", "show", "99999999")
    assert missing.returncode == 1
    assert "no complaint with ref 99999999 (HTTP 404 unknown_ref)" in missing.stderr, missing.stderr
    bad = laporctl("complaints", "list", "--status", "lost")
    assert bad.returncode == 1 and "status: must be one of" in bad.stderr, bad.stderr


def test_parked_retry_once_and_drop():
    s = stack()
    parked = [r for (r,) in db_rows(s.db, "SELECT ref FROM complaints "
                                          "WHERE forward_state='parked' "
                                          "ORDER BY forward_done_at, ref")]
    listed = as_json("parked", "list")["parked"]
    assert [p["ref"] for p in listed] == parked and {p["http_status"] for p in listed} == {422}
    rows = table(ok("parked", "list"))
    assert rows[0] == ["REF", "PARKED (UTC)", "HTTP", "ATTEMPTS", "STORE SAID"], rows
    assert {r[0] for r in rows[1:]} == set(parked) and all(r[2] == "422" for r in rows[1:])
    retried, dropped = parked

    out = ok("parked", "retry", retried)
    assert re.search(rf"^{retried}\s+retried \(pending, due now\)$", out, re.M), out
    wait_until(lambda: s.store.taken().get(retried) == 1, 20, "the retried complaint at the store")
    wait_until(lambda: db_rows(s.db, "SELECT forward_state FROM complaints WHERE ref=?",
                               (retried,))
               == [("forwarded",)], 10, "the retried forward recorded")
    out = ok("parked", "drop", "--reason", "test: not for the store", dropped)
    assert re.search(rf"^{dropped}\s+dropped", out, re.M), out
    assert db_rows(s.db, "SELECT reason FROM dropped_forwards WHERE ref=?", (dropped,)) == \
        [("test: not for the store",)]
    assert db_rows(s.db, "SELECT count(*) FROM complaints WHERE ref=? "
                         "AND forward_state IS NOT NULL", (dropped,)) == [(0,)]
    assert db_rows(s.db, "SELECT count(*) FROM complaints WHERE ref=?", (dropped,)) == [(1,)]
    assert as_json("complaints", "show", dropped)["forwarding"] == "dropped"
    assert as_json("status")["outbox"]["dropped"] == 1
    assert ok("parked", "list").strip() == "nothing parked"

    # Retrying again, or what is not parked, is refused ref by ref (exit 1), the rest done.
    again = laporctl("--json", "parked", "retry", retried, dropped, "99999999")
    assert again.returncode == 1
    answers = {a["ref"]: a for a in json.loads(again.stdout)}
    assert answers[retried]["http_status"] == 409
    assert answers[retried]["answer"]["forwarding"] == "forwarded"
    assert answers[dropped]["answer"]["forwarding"] == "dropped"
    assert answers["99999999"]["http_status"] == 404
    # Exactly once at the store: the retried one 422 then 201, the dropped one its 422 only.
    statuses = {}
    for r in s.store.records():
        statuses.setdefault(r["ref"], []).append(r["status"])
    assert statuses[retried] == [422, 201], statuses
    assert statuses[dropped] == [422], statuses
    assert "parked forward " + dropped + " dropped" in s.lapord.proc.log()


def test_send_a_test_sms():
    s = stack()
    out = ok("send", "--carrier", "tsel", "--to", "0812-9999-8888", "Tes", "dari", "operator")
    m = re.search(r"^sent via tsel to \+62812\*\*\*\*8888 from 1708: 1 segment\(s\) accepted, "
                  r"message id\(s\) (\S+)$", out, re.M)
    assert m, out
    def subs_to_tester():
        return [r for r in s.sim.records("submit_sm")
                if r["destination"]["addr"] == "6281299998888"]
    subs = wait_until(subs_to_tester, 10, "smsc-sim to record the test SMS")
    assert len(subs) == 1 and subs[0]["text"] == "Tes dari operator", subs
    assert subs[0]["message_id"] == m.group(1) and subs[0]["source"]["addr"] == "1708"
    long = as_json("send", "--carrier", "tsel", "--to", "+6281299998888", "x" * 200)
    assert long["segments"] == 2 and len(long["message_ids"]) == 2, long
    unknown = laporctl("send", "--carrier", "nope", "--to", "+6281299998888", "t")
    assert unknown.returncode == 1
    assert "no carrier named nope (configured: tsel)" in unknown.stderr, unknown.stderr
    bad = laporctl("send", "--carrier", "tsel", "--to", "1708", "t")
    assert bad.returncode == 1 and "to: not a phone number" in bad.stderr, bad.stderr
    assert "6281299998888" not in s.lapord.proc.log()


def test_wrong_token_no_daemon_and_config_file():
    s = stack()
    wrong = laporctl("status", token="not-the-token")
    assert wrong.returncode == 1
    assert "refused the token (401)" in wrong.stderr, wrong.stderr
    # An empty config file: not the machine's /etc/lapord/lapord.toml, which laporctl reads
    # when it exists (test_package.py installs one for a moment).
    none = laporctl("--config", os.devnull, "status", token=None)
    assert none.returncode == 1 and "(none was given)" in none.stderr, none.stderr
    # The endpoint and the token from the daemon's own config file ([admin] listen, token_env).
    conf = os.path.join(s.workdir, "admin-only.toml")
    with open(conf, "w") as f:
        f.write(f'[admin]\nlisten = "{_admin_url[len("http://"):]}"\n'
                'token_env = "LAPORD_TEST_ADMIN_TOKEN"\n')
    via_config = laporctl("--config", conf, "status", token=None, url=False)
    assert via_config.returncode == 0, via_config.stderr
    # A daemon config without [admin] has no listener: laporctl says so (exit 2), it does not
    # knock on 127.0.0.1:8471.
    no_admin = os.path.join(s.workdir, "no-admin.toml")
    with open(no_admin, "w") as f:
        f.write('[log]\nlevel = "info"\n')
    off = laporctl("--config", no_admin, "status", url=False)
    assert off.returncode == 2, off
    assert "no [admin] table: the daemon runs no admin listener" in off.stderr, off.stderr
    dead = subprocess.run([binary("laporctl"), "--admin", f"http://127.0.0.1:{free_port()}",
                           "status"], capture_output=True, text=True, timeout=30,
                          env={k: v for k, v in os.environ.items()
                               if not k.startswith("LAPORD_ADMIN_")})
    assert dead.returncode == 3, dead
    assert "connection refused (is lapord running" in dead.stderr, dead.stderr


def test_reload_then_stop():
    s = stack()
    r = laporctl("reload")
    assert r.returncode == 0, r
    assert r.stdout.startswith("reloaded: "), r.stdout
    assert "admin: reload: " in s.lapord.proc.log()
    assert as_json("status")["binds"][0]["bound"], "reload dropped the bind"
    assert s.stop() == 0


if __name__ == "__main__":
    run_tests([test_status_against_the_file, test_complaints_list_and_show_against_the_file,
               test_parked_retry_once_and_drop, test_send_a_test_sms,
               test_wrong_token_no_daemon_and_config_file, test_reload_then_stop])
