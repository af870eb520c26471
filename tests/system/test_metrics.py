"""/metrics, /healthz, /readyz and sd_notify of the running daemon, checked against the traffic
sent: the real lapord with smsc-sim (the carrier) and store-sim (the national store) on
loopback. The exposition is read by a strict parser written from the text format 0.0.4 (and,
when the Python client is installed, by its parser too).
"""
import math
import os
import re
import signal
import socket
import sys
import tempfile
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import WriteLock, free_port, run_tests, wait_until  # noqa: E402
from test_e2e import Lapord, SmscSim, StoreSim, write_config, write_script  # noqa: E402

# --- the exposition format ------------------------------------------------------------------

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
SAMPLE = re.compile(rf"^({NAME})(?:\{{(.*)\}})? (\S+)$")
LABEL_PAIR = re.compile(rf'({LABEL})="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)')


def parse_value(text):
    if text in ("+Inf", "-Inf", "NaN"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    return float(text)  # raises on anything else


def parse_labels(text):
    labels, at = {}, 0
    while at < len(text):
        m = LABEL_PAIR.match(text, at)
        assert m, f"bad label set {{{text}}} at {at}"
        name, value = m.group(1), m.group(2)
        value = value.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
        assert name not in labels, f"label {name} twice in {{{text}}}"
        labels[name] = value
        at = m.end()
    return labels


def parse_exposition(text):
    """name -> {"type", "help", "samples": [(sample_name, labels, value)]}; asserts the rules:
    HELP/TYPE before the samples, each family's lines together, no series twice, histogram
    buckets cumulative with le="+Inf" equal to _count."""
    assert text.endswith("\n"), "the exposition ends with a newline"
    families, current, seen = {}, None, set()
    for line in text[:-1].split("\n"):
        assert line, "no empty lines"
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            kind, name, rest = line[2:6], *line[7:].split(" ", 1)
            assert re.fullmatch(NAME, name), line
            if name not in families:
                assert current is None or current != name
                families[name] = {"type": None, "help": None, "samples": []}
            assert families[name]["samples"] == [], f"{line}: after its samples"
            current = name
            if kind == "HELP":
                families[name]["help"] = rest
            else:
                assert rest in ("counter", "gauge", "histogram", "summary", "untyped"), line
                families[name]["type"] = rest
            continue
        assert not line.startswith("#"), f"unexpected comment {line}"
        m = SAMPLE.match(line)
        assert m, f"bad sample line {line!r}"
        sample, labels, value = m.group(1), parse_labels(m.group(2) or ""), parse_value(m.group(3))
        fam = families.get(current)
        assert fam is not None and fam["type"], f"{line}: no TYPE before it"
        allowed = {current} if fam["type"] != "histogram" else \
            {current + "_bucket", current + "_sum", current + "_count"}
        assert sample in allowed, f"{sample} is not part of the family {current}"
        key = (sample, tuple(sorted(labels.items())))
        assert key not in seen, f"series twice: {line}"
        seen.add(key)
        fam["samples"].append((sample, labels, value))
    for name, fam in families.items():
        if fam["type"] != "histogram":
            continue
        by_series = {}
        for sample, labels, value in fam["samples"]:
            rest = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
            by_series.setdefault(rest, {"buckets": [], "count": None})
            if sample.endswith("_bucket"):
                by_series[rest]["buckets"].append((parse_value(labels["le"]), value))
            elif sample.endswith("_count"):
                by_series[rest]["count"] = value
        for rest, h in by_series.items():
            bounds = [b for b, _ in h["buckets"]]
            assert bounds == sorted(bounds) and bounds[-1] == math.inf, f"{name} buckets {bounds}"
            counts = [c for _, c in h["buckets"]]
            assert counts == sorted(counts), f"{name} buckets not cumulative: {counts}"
            assert counts[-1] == h["count"], f"{name}: +Inf {counts[-1]} != _count {h['count']}"
    return families


def cross_check_with_client(text, families):
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        return
    names = {f.name for f in text_string_to_metric_families(text)}
    # The client drops a counter's _total from the family name.
    assert {n[:-6] if n.endswith("_total") else n for n in families} == names


def value(families, name, **labels):
    """The value of one series (name may be a histogram's _count/_sum/_bucket); None if absent."""
    base = re.sub(r"_(bucket|sum|count)$", "", name)
    fam = families.get(name) or families.get(base)
    if fam is None:
        return None
    for sample, l, v in fam["samples"]:
        if sample == name and l == labels:
            return v
    return None


def total(families, name, **labels):
    """Sum over every series of `name` whose labels include `labels`."""
    fam = families.get(name)
    if fam is None:
        return 0
    return sum(v for s, l, v in fam["samples"]
               if s == name and all(l.get(k) == x for k, x in labels.items()))


# --- talking to the daemon ------------------------------------------------------------------

def get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode("utf-8")


def admin_port(lapord):
    lapord.proc.wait_for_log(r"admin listener on 127\.0\.0\.1:\d+", 20)
    return int(re.search(r"admin listener on 127\.0\.0\.1:(\d+)", lapord.proc.log()).group(1))


def scrape(port):
    status, content_type, body = get(port, "/metrics")
    assert status == 200, (status, body)
    assert content_type == "text/plain; version=0.0.4; charset=utf-8", content_type
    families = parse_exposition(body)
    cross_check_with_client(body, families)
    return families


def ready(port):
    return get(port, "/readyz")[0] == 200


# --- tests ----------------------------------------------------------------------------------

# Plain complaints to institutions of known kinds (config/directory): the class label is the
# directory's kind of the institution addressed.
PLAIN = [
    ("6281310000001", "LAPOR TANGKAB jalan rusak di Desa Suka Maju sudah 3 bulan", "kabupaten"),
    ("6281310000002", "LAPOR JABAR banjir di perumahan kami belum surut", "provinsi"),
    ("6281310000003", "LAPOR KOTABANDUNG lampu jalan mati di Jalan Dago", "kota"),
    ("6281310000004", "LAPOR SLEMAN sampah menumpuk di pasar Godean", "kabupaten"),
    ("6281310000005", "LAPOR DIY jalan berlubang di depan sekolah dasar", "provinsi"),
    ("6281310000006", "Bantuan PKH tidak sampai ke warga desa kami", "national_desk"),
]
# The MO path's other outcomes, each committed once: the very same MO again (every field
# equal: a whole message is the citizen's however it came, so the service's duplicate, as
# issue 12 wants), the same complaint text in other case and spacing (the service's duplicate:
# the first ref again, no new complaint), and a sender name (nobody to answer: rejected).
# Only a redelivered part of a long message counts as kind="redelivery".
REDELIVERY = (PLAIN[0][0], PLAIN[0][1])
SAME_TEXT = (PLAIN[1][0], "lapor  jabar BANJIR di perumahan kami   belum surut")
ALPHANUMERIC = {"source": "TELKOMSEL", "source_ton": 5, "source_npi": 0,
                "text": "Promo paket data murah hari ini"}


def test_metrics_follow_the_traffic():
    work = tempfile.mkdtemp(prefix="lapord-metrics-")
    store = StoreSim(workdir=work)
    script = [{"dialogue": f"c{i}", "source": src, "destination": "1708", "text": text,
               "label": f"c{i}"} for i, (src, text, _) in enumerate(PLAIN)]
    script += [{"dialogue": "redelivery", "source": REDELIVERY[0], "destination": "1708",
                "text": REDELIVERY[1], "label": "redelivery"},
               {"dialogue": "same", "source": SAME_TEXT[0], "destination": "1708",
                "text": SAME_TEXT[1], "label": "same"},
               dict(ALPHANUMERIC, dialogue="alpha", destination="1708", label="alpha")]
    sim = SmscSim("--receipts", "--script", write_script(work, script), workdir=work)
    lapord = Lapord(write_config(work, sim.port, store.url), work)
    try:
        port = admin_port(lapord)
        status, content_type, body = get(port, "/healthz")
        assert (status, body) == (200, "ok\n"), (status, body)
        assert content_type == "text/plain; charset=utf-8"
        n = len(PLAIN)
        wait_until(lambda: len(sim.records("script_done")) == 1, 60, "the script to finish")
        wait_until(lambda: len(store.taken()) == n, 30, "every complaint forwarded")
        # Quiet: every reply sent (n acks and the duplicate's answer) and its receipt delivered
        # and answered.
        def quiet():
            submits, receipts = sim.records("submit_sm"), sim.records("receipt")
            return (len(submits) >= n + 1 and len(receipts) == len(submits) and
                    len(sim.records("deliver_sm_resp")) == len(sim.records("deliver_sm")))
        wait_until(quiet, 30, "the replies and their receipts")

        def settled():
            f = scrape(port)
            return f if value(f, "lapord_outbox_forwarded_total") == n else None
        f = wait_until(settled, 20, "the forwarded count")
        # The bind.
        assert value(f, "lapord_carrier_bind_up", carrier="tsel", bind="trx") == 1
        assert value(f, "lapord_carrier_reconnects_total", carrier="tsel") in (None, 0)
        # PDUs by command and status: n MO in, n ROK answers out, the bind.
        mo_in = total(f, "lapord_smpp_pdus_received_total", carrier="tsel", command="deliver_sm")
        assert mo_in == len(sim.records("deliver_sm")), (mo_in, len(sim.records("deliver_sm")))
        assert value(f, "lapord_smpp_pdus_sent_total", carrier="tsel", command="deliver_sm_resp",
                     status="ESME_ROK") == mo_in
        assert value(f, "lapord_smpp_pdus_sent_total", carrier="tsel",
                     command="bind_transceiver", status="ESME_ROK") == 1
        assert value(f, "lapord_smpp_pdus_received_total", carrier="tsel",
                     command="bind_transceiver_resp", status="ESME_ROK") == 1
        submits = len(sim.records("submit_sm"))
        assert value(f, "lapord_smpp_pdus_sent_total", carrier="tsel", command="submit_sm",
                     status="ESME_ROK") == submits
        assert value(f, "lapord_smpp_window_in_use", carrier="tsel") is not None
        # The store: every commit ok, each MO in some batch.
        assert value(f, "lapord_store_commits_total", result="ok") >= 1
        assert value(f, "lapord_store_commits_total", result="failed") in (None, 0)
        assert value(f, "lapord_store_commit_batch_size_count") >= 1
        assert value(f, "lapord_store_commit_batch_size_sum") >= n
        assert value(f, "lapord_store_commit_seconds_count") == \
            value(f, "lapord_store_commit_batch_size_count")
        # Forwarding.
        assert value(f, "lapord_outbox_retried_total") == 0
        assert value(f, "lapord_outbox_parked_total") == 0
        assert value(f, "lapord_forwarder_circuit_state") == 0
        # The MO path, counted after each commit: every deliver_sm (receipts too) received.
        delivered = sim.records("deliver_sm")
        assert value(f, "lapord_mo_received_total", carrier="tsel") == len(delivered), \
            (value(f, "lapord_mo_received_total", carrier="tsel"), len(delivered))
        expected = {}
        for _, _, kind in PLAIN:
            expected[kind] = expected.get(kind, 0) + 1
        for kind in ("provinsi", "kabupaten", "kota", "lembaga", "national_desk"):
            assert value(f, "lapord_complaints_created_total", channel="sms",
                         institution_class=kind) == expected.get(kind, 0), kind
            assert value(f, "lapord_complaints_created_total", channel="ussd",
                         institution_class=kind) == 0, kind
        assert value(f, "lapord_mo_duplicates_total", kind="redelivery") == 0
        assert value(f, "lapord_mo_duplicates_total", kind="complaint") == 2
        assert value(f, "lapord_mo_rejected_total", reason="alphanumeric_sender") == 1
        assert value(f, "lapord_mo_rejected_total", reason="rate_limited") == 0
        assert value(f, "lapord_mo_rejected_total", reason="own_number") == 0
        assert value(f, "lapord_mo_rejected_total", reason="opted_out") is None  # not a rejection
        # Replies: one per submit_sm the SMSC accepted, one delivered per DELIVRD receipt.
        accepted = [r for r in sim.records("submit_sm") if r["status"] == 0]
        assert value(f, "lapord_replies_sent_total", carrier="tsel") == len(accepted), \
            (value(f, "lapord_replies_sent_total", carrier="tsel"), len(accepted))
        delivrd = [r for r in sim.records("receipt") if r["stat"] == "DELIVRD"]
        assert len(delivrd) == len(accepted)
        # The receipts' commits may trail the SMSC's records: poll, then exact.
        wait_until(lambda: value(scrape(port), "lapord_replies_delivered_total",
                                 carrier="tsel") == len(delivrd), 10, "the receipts counted")
        assert value(f, "lapord_replies_failed_total", carrier="tsel") in (None, 0)
        # The outbox depth, sampled every 5 s: present, and nothing pending once all forwarded.
        def drained():
            g = scrape(port)
            depth = [value(g, "lapord_outbox_depth", state=s)
                     for s in ("pending", "in_flight", "parked")]
            return depth if depth == [0, 0, 0] else None
        wait_until(drained, 15, "lapord_outbox_depth 0 once every complaint is forwarded")
        # Readiness while bound.
        status, _, body = get(port, "/readyz")
        assert status == 200 and body.startswith("ready\n"), body
        assert "carriers: 1 of 1 bound" in body and "store: ok" in body, body
    finally:
        lapord.stop()
        sim.stop()
        store.stop()


def test_readyz_follows_the_bind_and_sigterm():
    work = tempfile.mkdtemp(prefix="lapord-ready-")
    smsc_port = free_port()
    # No SMSC yet: nothing to bind to.
    lapord = Lapord(write_config(work, smsc_port, None, carrier={"reconnect_max_s": 0.2}), work)
    sim = None
    try:
        port = admin_port(lapord)
        status, _, body = get(port, "/readyz")
        assert status == 503 and body.startswith("not ready\n"), (status, body)
        assert "carriers: 0 of 1 bound (none: no MO can arrive)" in body, body
        assert "store: ok" in body, body
        assert get(port, "/healthz")[:1] == (200,)
        f = scrape(port)
        assert value(f, "lapord_carrier_bind_up", carrier="tsel", bind="trx") == 0
        wait_until(lambda: (value(scrape(port), "lapord_carrier_reconnects_total",
                                  carrier="tsel") or 0) >= 2, 10, "reconnects counted")
        # The SMSC comes up: bound, ready.
        sim = SmscSim(workdir=work, port=smsc_port)
        wait_until(lambda: ready(port), 20, "/readyz 200 once bound")
        assert value(scrape(port), "lapord_carrier_bind_up", carrier="tsel", bind="trx") == 1
        # The SMSC goes away: not ready.
        sim.stop()
        wait_until(lambda: get(port, "/readyz")[0] == 503, 10, "/readyz 503 after the SMSC left")
        assert value(scrape(port), "lapord_carrier_bind_up", carrier="tsel", bind="trx") == 0
        assert "carriers: 0 of 1 bound" in get(port, "/readyz")[2]
        # Back again with one MO, whose commit waits: the test holds the store's write lock. So
        # a SIGTERM now has an MO in flight to finish: not ready at once, still live meanwhile.
        lock = WriteLock(os.path.join(work, "lapord.db"))
        script = write_script(work, [{"dialogue": "d", "source": "6281310000009",
                                      "destination": "1708", "text": PLAIN[0][1], "label": "x"}])
        sim = SmscSim("--script", script, workdir=work, port=smsc_port)
        wait_until(lambda: sim.records("deliver_sm"), 20, "the MO sent")
        assert ready(port)
        lapord.proc.signal(signal.SIGTERM)
        wait_until(lambda: "stopping" in get(port, "/readyz")[2], 5, "/readyz to say stopping")
        status, _, body = get(port, "/readyz")
        assert status == 503 and body.endswith("stopping\n"), (status, body)
        status, _, body = get(port, "/healthz")
        assert (status, body) == (200, "ok stopping\n"), (status, body)
        lock.release()
        assert lapord.proc.wait(15) == 0
        # The MO in flight was finished before the unbind.
        wait_until(lambda: [r["status"] for r in sim.records("deliver_sm_resp")] == [0], 5,
                   "the MO acknowledged ESME_ROK")
    finally:
        lapord.stop()
        if sim:
            sim.stop()


class NotifySocket:
    """An AF_UNIX datagram socket standing in for systemd's NOTIFY_SOCKET."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="lapord-notify-")
        self.path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.05)
        self.messages = []

    def drain(self):
        while True:
            try:
                self.messages.append(self.sock.recv(4096).decode("utf-8"))
            except (socket.timeout, BlockingIOError):
                return self.messages

    def seen(self, field):
        """Indexes of the datagrams holding the line `field` (e.g. READY=1)."""
        return [i for i, m in enumerate(self.drain()) if field in m.split("\n")]

    def close(self):
        self.sock.close()


def test_sd_notify_ready_status_watchdog_reload_stopping():
    work = tempfile.mkdtemp(prefix="lapord-notify-")
    store = StoreSim(workdir=work)
    sim = SmscSim(workdir=work)
    notify = NotifySocket()
    env = {"NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"}  # a ping every 0.2 s
    config = write_config(work, sim.port, store.url)
    lapord = Lapord(config, work, env=env)
    try:
        wait_until(lambda: notify.seen("READY=1"), 20, "READY=1")
        first = notify.drain()[notify.seen("READY=1")[0]]
        assert "STATUS=1 carrier(s) configured" in first.split("\n"), first
        lapord.wait_bound(sim)
        wait_until(lambda: notify.seen("STATUS=1 of 1 carrier bound (tsel up)"), 10,
                   "STATUS= with the bound carrier")
        wait_until(lambda: len(notify.seen("WATCHDOG=1")) >= 3, 10, "watchdog pings")
        lapord.proc.signal(signal.SIGHUP)
        wait_until(lambda: notify.seen("RELOADING=1"), 10, "RELOADING=1")
        reloading = notify.seen("RELOADING=1")[0]
        wait_until(lambda: [i for i in notify.seen("READY=1") if i > reloading], 10,
                   "READY=1 after the reload")
        lapord.proc.signal(signal.SIGTERM)
        wait_until(lambda: notify.seen("STOPPING=1"), 10, "STOPPING=1")
        assert lapord.proc.wait(15) == 0
        # READY came once at the start and once after the reload; nothing after STOPPING but
        # what the stop itself says (watchdog pings or STATUS of the bind going down).
        stopping = notify.seen("STOPPING=1")
        assert len(stopping) == 1 and len(notify.seen("READY=1")) == 2, notify.messages
        assert "STATUS=0 of 1 carrier bound (tsel down)" in \
            "\n".join(notify.messages[stopping[0]:]).split("\n"), notify.messages[stopping[0]:]
    finally:
        lapord.stop()
        sim.stop()
        store.stop()
        notify.close()


def test_no_watchdog_pings_without_watchdog_usec():
    work = tempfile.mkdtemp(prefix="lapord-notify-")
    sim = SmscSim(workdir=work)
    notify = NotifySocket()
    lapord = Lapord(write_config(work, sim.port, None), work, env={"NOTIFY_SOCKET": notify.path})
    try:
        wait_until(lambda: notify.seen("READY=1"), 20, "READY=1")
        lapord.wait_bound(sim)
        wait_until(lambda: notify.seen("STATUS=1 of 1 carrier bound (tsel up)"), 10, "STATUS=")
        # Once bound, a WATCHDOG_USEC run would have pinged several times already (0.2 s).
        assert notify.seen("WATCHDOG=1") == [], notify.messages
    finally:
        lapord.stop()
        sim.stop()
        notify.close()


def test_admin_listener_off_and_taken_port():
    work = tempfile.mkdtemp(prefix="lapord-admin-")
    sim = SmscSim(workdir=work)
    lapord = Lapord(write_config(work, sim.port, None, admin={"listen": ""}), work)
    try:
        lapord.proc.wait_for_log(r'\[admin\] listen = "": no /metrics', 20)
        lapord.wait_bound(sim)
    finally:
        assert lapord.stop() == 0
    # Another program holds the port: lapord says which table and exits non-zero.
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    taken = holder.getsockname()[1]
    try:
        lapord = Lapord(write_config(work, sim.port, None,
                                     admin={"listen": f"127.0.0.1:{taken}"}), work, name="lapord2")
        code = lapord.proc.wait(20)
        assert code == 1, code
        assert f"[admin] cannot listen on 127.0.0.1:{taken}" in lapord.proc.log(), lapord.proc.log()
    finally:
        holder.close()
        sim.stop()


if __name__ == "__main__":
    run_tests([test_metrics_follow_the_traffic, test_readyz_follows_the_bind_and_sigterm,
               test_sd_notify_ready_status_watchdog_reload_stopping,
               test_no_watchdog_pings_without_watchdog_usec, test_admin_listener_off_and_taken_port])
