"""lapord against a hostile SMSC (issue 12, items 7 and 10), a Python socket server on
127.0.0.1 (hostile_smsc.py) with the real daemon: an SMSC flooding enquire_link without ever
reading the answers, one flooding deliver_sm without waiting for deliver_sm_resp, and one
sending two MO with the same sequence_number. lapord's RSS is read from /proc while the
floods run; each flood is bounded in count and time."""
import os
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_smsc import (ENQUIRE_LINK, Answerer, HostileSmsc,  # noqa: E402
                          deliver_sm, pdu)
from lapord_harness import rss_kib, run_tests, wait_until  # noqa: E402
from test_e2e import Lapord, write_config  # noqa: E402

MB = 1024 * 1024
MAX_RSS_KIB = 40 * 1024     # "memory stays flat (< 40 MB RSS) whatever a peer sends"
MAX_GROWTH_KIB = 16 * 1024


def start(smsc, **carrier):
    workdir = tempfile.mkdtemp(prefix="lapord-hostile-")
    keys = {"enquire_link_interval_s": 30, "response_timeout_s": 2}
    keys.update(carrier)
    config = write_config(workdir, smsc.port, carrier=keys)
    lapord = Lapord(config, workdir)
    smsc.accept_bind()
    lapord.proc.wait_for_log(r"bind up", 15)
    return lapord


def send_for(conn, block, total_bytes, seconds, lapord_pid):
    """Sends `block` over and over, up to total_bytes or `seconds`, sampling lapord's RSS after
    each block. Returns (bytes sent, peak RSS in KiB, whether a send blocked past its timeout)."""
    conn.settimeout(2)
    sent = 0
    peak = rss_kib(lapord_pid)
    blocked = False
    deadline = time.monotonic() + seconds
    while sent < total_bytes and time.monotonic() < deadline:
        try:
            conn.sendall(block)
        except socket.timeout:
            blocked = True  # lapord stopped reading: what we wanted to see; keep sampling
            peak = max(peak, rss_kib(lapord_pid))
            break
        except OSError:
            break  # lapord closed the connection
        sent += len(block)
        peak = max(peak, rss_kib(lapord_pid))
    return sent, peak, blocked


def test_enquire_link_flood_without_reading():
    smsc = HostileSmsc()
    lapord = start(smsc)
    try:
        pid = lapord.proc.proc.pid
        before = rss_kib(pid)
        block = b"".join(pdu(ENQUIRE_LINK, 1 + i) for i in range(65536))  # 1 MiB
        # At most 4 million enquire_link (64 MiB) in at most 20 s; we never read an answer.
        sent, peak, blocked = send_for(smsc.conn, block, 64 * MB, 20, pid)
        print(f"enquire_link flood: sent {sent // 16} PDUs ({sent // MB} MiB, blocked={blocked}); "
              f"lapord RSS {before} KiB before, peak {peak} KiB (+{peak - before} KiB)")
        assert peak < MAX_RSS_KIB and peak - before < MAX_GROWTH_KIB, (before, peak)
        assert blocked or sent < 64 * MB, "lapord read everything: no back-pressure"
        # lapord stops reading once its answers back up, and ends a connection whose peer does
        # not read them within response_timeout_s.
        lapord.proc.wait_for_log(r"bind down: the SMSC is not reading what lapord sends", 15)
        assert rss_kib(pid) - before < MAX_GROWTH_KIB
        smsc.conn.close()
        smsc.accept_bind()  # it binds again
        assert lapord.stop() == 0, lapord.proc.log()
    finally:
        lapord.kill()
        smsc.close()


def test_deliver_sm_flood_without_waiting():
    smsc = HostileSmsc()
    lapord = start(smsc)  # max_mo_in_flight at its default
    try:
        pid = lapord.proc.proc.pid
        answers = Answerer(smsc.conn)
        answers.start()
        before = rss_kib(pid)
        pdus = [deliver_sm(1 + i, f"62812{i % 100000:07d}", "INFO") for i in range(200_000)]
        total = sum(len(p) for p in pdus)
        # 200,000 deliver_sm sent without waiting for any deliver_sm_resp, in at most 20 s.
        sent, peak = 0, before
        deadline = time.monotonic() + 20
        smsc.conn.settimeout(2)
        for start_at in range(0, len(pdus), 1000):
            if time.monotonic() > deadline:
                break
            block = b"".join(pdus[start_at:start_at + 1000])
            try:
                answers.send(block)
            except socket.timeout:
                pass  # lapord is not reading: its cap holds; go on trying until the deadline
            except OSError:
                break
            else:
                sent += len(block)
            peak = max(peak, rss_kib(pid))
        taken = len(answers.answered())
        wait_until(lambda: len(answers.answered()) > taken, 20, "MO to go on being answered")
        peak = max(peak, rss_kib(pid))
        print(f"deliver_sm flood: sent {sent} of {total} bytes; {len(answers.answered())} "
              f"answered so far; lapord RSS {before} KiB before, peak {peak} KiB "
              f"(+{peak - before} KiB)")
        assert peak < MAX_RSS_KIB and peak - before < MAX_GROWTH_KIB, (before, peak)
        assert all(status == 0 for _, status in answers.answered())
    finally:
        lapord.stop()
        smsc.close()


def test_same_sequence_number_twice():
    smsc = HostileSmsc()
    lapord = start(smsc)
    try:
        answers = Answerer(smsc.conn)
        answers.start()
        # Two different MO, both sequence_number 77, the second before the first is answered.
        answers.send(deliver_sm(77, "6281234500071", "INFO") +
                     deliver_sm(77, "6281234500072", "INFO"))
        wait_until(lambda: len([a for a in answers.answered() if a[0] == 77]) == 2, 20,
                   "a deliver_sm_resp for each of the two MO")
        assert answers.answered() == [(77, 0), (77, 0)], answers.answered()
        # Each was taken as a message: both citizens get their reply.
        wait_until(lambda: answers.submits >= 2, 20, "a reply to each citizen")
        assert "not sent" not in lapord.proc.log(), lapord.proc.log()
        assert lapord.stop() == 0, lapord.proc.log()
    finally:
        lapord.kill()
        smsc.close()


if __name__ == "__main__":
    run_tests([test_same_sequence_number_twice, test_enquire_link_flood_without_reading,
               test_deliver_sm_flood_without_waiting])
