"""MT pacing against smsc-sim: lapord's submit_sm never exceed the configured rate, and an SMSC
that answers ESME_RTHROTTLED / ESME_RMSGQFUL slows lapord down without any message being lost.

lapord is made to submit with its test aid `[daemon] test_echo = true`: every MO the simulator
floods in is echoed back as a submit_sm with the same text, so each submit is traceable.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import run_tests  # noqa: E402
from test_carrier import (Sim, carrier, iso_seconds, lapord_workdir, start_lapord,  # noqa: E402
                          stop_all, write_config)


def max_in_window(times, window):
    best = 0
    j = 0
    for i in range(len(times)):
        while times[i] - times[j] >= window:
            j += 1
        best = max(best, i - j + 1)
    return best


def check_paced(submits, rate, burst):
    times = sorted(iso_seconds(r["time"]) for r in submits)
    one_second = max_in_window(times, 1.0)
    overall = (len(times) - 1) / (times[-1] - times[0])
    print(f"{len(times)} submit_sm; busiest 1 s window: {one_second} (rate {rate}, burst {burst}); "
          f"overall {overall:.2f}/s")
    # +1: the simulator's receive timestamps may bunch two sends a few ms closer together.
    assert one_second <= rate + burst + 1, one_second
    assert overall <= rate * 1.05, overall


def echo_run(rate, burst, messages, fault=None, pause=0.2):
    args = ["--flood", str(messages), "--rate", "500", "--window", "50"]
    if fault:
        args += ["--fault", fault]
    sim = Sim(*args)
    work = lapord_workdir()
    lapord = start_lapord(write_config(
        work, [carrier("tsel", sim.port, submit_rate=rate, submit_burst=burst, window=10,
                       throttle_pause_s=pause)],
        daemon={"test_echo": True}, log={"level": "info"}))
    return sim, lapord


def accepted_texts(sim):
    return sorted(r["text"] for r in sim.records("submit_sm") if r["status"] == 0)


def test_submit_rate_is_never_above_the_configured_one():
    rate, burst, n = 20, 1, 60
    sim, lapord = echo_run(rate, burst, n)
    try:
        lapord.wait_for_log(r"test_echo = true")
        submits = sim.wait_for("submit_sm", count=n, timeout=20)
        check_paced(submits, rate, burst)
        texts = accepted_texts(sim)
        assert texts == sorted(f"LAPOR flood {i}" for i in range(n)), texts
        assert all(r["destination"]["addr"].startswith("62812") for r in submits)
        assert all(r["source"]["addr"] == "1708" for r in submits)
        assert lapord.stop() == 0
    finally:
        stop_all(lapord, sim)


def test_throttled_submits_are_slowed_down_and_resent_never_dropped():
    rate, burst, n = 50, 2, 40
    sim, lapord = echo_run(rate, burst, n, fault="throttle=every:4", pause=0.3)
    try:
        def all_accepted():
            return len(accepted_texts(sim)) >= n
        from lapord_harness import wait_until
        wait_until(all_accepted, 30, f"{n} accepted submit_sm")
        texts = accepted_texts(sim)
        assert texts == sorted(f"LAPOR flood {i}" for i in range(n)), texts
        throttled = [r for r in sim.records("submit_sm") if r["status_name"] == "ESME_RTHROTTLED"]
        assert throttled, "the fault must have throttled some submits"
        # Every throttled message came back later and was accepted.
        assert {r["text"] for r in throttled} <= set(texts)
        lapord.wait_for_log(r"\[tsel\] throttled by the SMSC \(ESME_RTHROTTLED\): holding submit_sm")
        # After a throttle answer at t lapord holds its submits for the pause (0.3 s): only a
        # submit already on its way may still arrive. Without the pause ~10 would (rate 50).
        times = sorted(iso_seconds(r["time"]) for r in sim.records("submit_sm"))
        for r in throttled:
            t = iso_seconds(r["time"])
            during = [x for x in times if t + 0.02 < x < t + 0.25]
            assert len(during) <= 2, (t, during)
        print(f"{len(throttled)} throttle answers, each followed by a pause")
        assert lapord.stop() == 0
    finally:
        stop_all(lapord, sim)


def test_message_queue_full_is_treated_like_throttling():
    n = 10
    sim, lapord = echo_run(50, 1, n, fault="throttle=first:3,status=ESME_RMSGQFUL", pause=0.1)
    try:
        from lapord_harness import wait_until
        wait_until(lambda: len(accepted_texts(sim)) >= n, 20, f"{n} accepted submit_sm")
        assert accepted_texts(sim) == sorted(f"LAPOR flood {i}" for i in range(n))
        lapord.wait_for_log(r"throttled by the SMSC \(ESME_RMSGQFUL\)")
        assert lapord.stop() == 0
    finally:
        stop_all(lapord, sim)


if __name__ == "__main__":
    run_tests([
        test_submit_rate_is_never_above_the_configured_one,
        test_throttled_submits_are_slowed_down_and_resent_never_dropped,
        test_message_queue_full_is_treated_like_throttling,
    ])
