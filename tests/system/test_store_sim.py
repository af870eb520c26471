"""store-sim, the loopback stand-in for the national store: answers, fault modes, records,
memory of taken refs across restarts, final stats on SIGTERM, and bad arguments."""
import json
import os
import re
import signal
import socket
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from lapord_harness import Proc, binary, run_tests, wait_until  # noqa: E402


def start(*args):
    p = Proc([binary("store-sim"), *args], name="store-sim")
    p.wait_for_log(r"store-sim listening on 127\.0\.0\.1:\d+")
    port = int(re.search(r"listening on 127\.0\.0\.1:(\d+)", p.log()).group(1))
    return p, port


def post(port, ref, body=None, token="T", timeout=5.0):
    """Returns (status, headers, json body)."""
    data = json.dumps(body if body is not None else {"ref": ref, "text": "jalan rusak"}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/complaints", data=data, method="POST")
    req.add_header("Content-Type", "application/json")
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    if ref is not None:
        req.add_header("Idempotency-Key", ref)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read())


def final_stats(p):
    assert p.stop() == 0
    line = [l for l in p.log().splitlines() if l.startswith("{")][-1]
    return json.loads(line)


def records(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def test_answers_and_fault_modes():
    p, port = start("--require-token", "T", "--fail-first", "1", "--retry-after", "7",
                    "--reject-ref", "bad")
    rec = os.path.join(p.workdir, "unused")
    status, headers, body = post(port, "a")
    assert status == 500 and headers["Retry-After"] == "7", (status, dict(headers))
    status, _, body = post(port, "a")
    assert status == 201 and body["tracking_id"].startswith("SIM-"), body
    assert post(port, "a")[0] == 409
    assert post(port, "bad")[0] == 400
    assert post(port, "b", token="wrong")[0] == 401
    assert post(port, "b", token=None)[0] == 401
    assert post(port, None)[0] == 400  # no Idempotency-Key
    stats = final_stats(p)
    assert stats["requests"] == 7 and stats["unique_refs"] == 1 and stats["duplicates"] == 1, stats
    assert stats["answered"] == {"201": 1, "400": 2, "401": 2, "409": 1, "500": 1}, stats
    assert not os.path.exists(rec)


def test_records_and_memory_across_restart():
    p, port = start("--records", "r.jsonl")
    path = os.path.join(p.workdir, "r.jsonl")
    assert post(port, "48219375", {"ref": "48219375", "text": "é 😀"})[0] == 201
    lines = records(path)
    assert len(lines) == 1
    r = lines[0]
    assert r["ref"] == "48219375" and r["status"] == 201 and r["auth_ok"] is True
    assert r["body"] == {"ref": "48219375", "text": "é 😀"}
    assert r["content_type"] == "application/json" and re.match(r"\d{4}-\d\d-\d\dT", r["at"])
    final_stats(p)
    # A restarted store-sim remembers what it took: the same ref is now a 409.
    p2 = Proc([binary("store-sim"), "--records", path], name="store-sim2")
    p2.wait_for_log(r"listening on")
    port2 = int(re.search(r"127\.0\.0\.1:(\d+)", p2.log()).group(1))
    assert post(port2, "48219375")[0] == 409
    assert post(port2, "other")[0] == 201
    stats = final_stats(p2)
    assert stats["duplicates"] == 1 and stats["unique_refs"] == 1, stats
    assert len(records(path)) == 3


def test_hang_never_answers_then_recovers():
    p, port = start("--hang-first", "1")
    try:
        post(port, "h1", timeout=0.5)
        raise AssertionError("a hung request was answered")
    except (socket.timeout, TimeoutError, urllib.error.URLError):
        pass
    assert post(port, "h1")[0] == 201
    stats = final_stats(p)
    assert stats["hung"] == 1 and stats["unique_refs"] == 1, stats


def test_fail_rate_is_roughly_the_rate():
    p, port = start("--fail-rate", "0.5", "--seed", "42", "--fail-status", "503")
    statuses = [post(port, f"r{i}")[0] for i in range(200)]
    failed = statuses.count(503)
    assert 60 < failed < 140, failed
    assert statuses.count(201) == 200 - failed
    final_stats(p)


def test_bad_arguments_are_refused():
    for args in (["--fail-rate", "2"], ["--fail-status", "42"], ["--nonsense"],
                 ["--port", "notaport"]):
        p = Proc([binary("store-sim"), *args], name="store-sim-bad")
        code = p.wait(10)
        assert code != 0, (args, p.log())
        assert "listening" not in p.log()
        p.stop()


if __name__ == "__main__":
    run_tests([test_answers_and_fault_modes, test_records_and_memory_across_restart,
               test_hang_never_answers_then_recovers, test_fail_rate_is_roughly_the_rate,
               test_bad_arguments_are_refused])
