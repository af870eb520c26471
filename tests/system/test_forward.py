"""The forwarder (driven by forward_bench, an in-memory outbox) against the real store-sim
binary misbehaving: every complaint arrives, is taken exactly once, and nothing is sent again
after the store took it."""
import collections
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from lapord_harness import BUILD_DIR, Proc, binary, run_tests  # noqa: E402

BENCH = os.path.join(BUILD_DIR, "tests/net/http/forward_bench")


def start_store(*args):
    p = Proc([binary("store-sim"), "--records", "records.jsonl", *args], name="store-sim")
    p.wait_for_log(r"store-sim listening on 127\.0\.0\.1:\d+")
    port = int(re.search(r"listening on 127\.0\.0\.1:(\d+)", p.log()).group(1))
    return p, port


def forward(port, count, *args):
    out = subprocess.run([BENCH, "--url", f"http://127.0.0.1:{port}", "--count", str(count),
                          "--backoff-initial-ms", "5", "--backoff-max-ms", "50",
                          "--open-ms", "100", *args],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def taken(p):
    assert p.stop() == 0
    with open(os.path.join(p.workdir, "records.jsonl")) as f:
        recs = [json.loads(l) for l in f if l.strip()]
    return recs, collections.Counter(r["ref"] for r in recs if r["status"] == 201)


def test_flaky_store_gets_everything_once():
    p, port = start_store("--fail-rate", "0.3", "--seed", "7")
    out = forward(port, 3000, "--in-flight", "8")
    recs, ok = taken(p)
    assert len(ok) == 3000 and set(ok.values()) == {1}, out
    assert not [r for r in recs if r["status"] == 409], "a taken complaint was sent again"
    assert sum(1 for r in recs if r["status"] == 500) > 500, len(recs)
    assert all(r["auth_ok"] and r["user_agent"].startswith("lapord/") for r in recs)


def test_hanging_store_times_out_and_recovers():
    p, port = start_store("--hang-for", "1")
    out = forward(port, 200, "--in-flight", "4", "--timeout-ms", "300")
    recs, ok = taken(p)
    assert len(ok) == 200 and set(ok.values()) == {1}, out
    assert any(r["status"] == 0 for r in recs), "nothing hung: the test proved nothing"


def test_pipelined_store_cutting_connections_loses_nothing():
    # HTTP/1.1 pipelining (8 requests per connection) to a store that answers 3 on each
    # connection, then closes it having taken the 4th without answering, and fails some: every
    # complaint is taken exactly once by its key (a resend of the 4th is a 409), none lost.
    p, port = start_store("--answers-per-connection", "3", "--take-unanswered",
                          "--fail-rate", "0.1", "--seed", "7")
    out = forward(port, 1000, "--in-flight", "4", "--pipeline", "8")
    recs, ok = taken(p)
    assert len(ok) == 1000 and set(ok.values()) == {1}, out
    assert any(r["status"] == 409 for r in recs), "nothing taken unanswered: proved nothing"
    assert sum(1 for r in recs if r["status"] == 500) > 50, len(recs)
    stats = json.loads(p.log().strip().splitlines()[-1])
    assert stats["pipelined"] > 0, stats


def test_pipelined_hanging_store_times_out_and_recovers():
    p, port = start_store("--hang-for", "1")
    out = forward(port, 200, "--in-flight", "4", "--pipeline", "8", "--timeout-ms", "300")
    recs, ok = taken(p)
    assert len(ok) == 200 and set(ok.values()) == {1}, out
    assert any(r["status"] == 0 for r in recs), "nothing hung: the test proved nothing"


if __name__ == "__main__":
    run_tests([test_flaky_store_gets_everything_once, test_hanging_store_times_out_and_recovers,
               test_pipelined_store_cutting_connections_loses_nothing,
               test_pipelined_hanging_store_times_out_and_recovers])
