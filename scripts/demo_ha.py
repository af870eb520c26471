"""scripts/demo --ha: the demo's citizens against two lapord instances on one PostgreSQL primary
with a synchronous standby (issue 13, item 6). Four rounds of citizens text 1708 through one
simulated carrier that spreads their messages over both instances' binds; mid-way through
round 2 instance A is killed (kill -9), mid-way through round 3 the primary is (kill -9 of its
postmaster) and the standby promoted; instance A is restarted under its name before round 4.

PASS needs, from the outside only: every citizen got an answer (smsc-sim's records of what
lapord submitted), and the national store (store-sim's records, not lapord's) accepted every
citizen's complaint exactly once, under the ref the citizen was told. Exit status 0 on PASS.

The clusters run as the postgres user when started as root (tests/system/pg_cluster.py),
everything on 127.0.0.1 on free ports, in temporary folders removed at the end (--keep keeps
lapord's and the simulators' files).
"""
import os
import re
import shutil
import sys
import tempfile
import textwrap
import time

import demo
from demo import CITIZENS, SERVICE, USSD_CITIZEN, h, records, replies_to, ussd_screens

sys.path.insert(0, os.path.join(demo.ROOT, "tests", "system"))
import pg_cluster  # noqa: E402

INSTANCES = {"A": ("lapord-a", "jakarta-1"), "B": ("lapord-b", "surabaya-1")}  # system_id, name
ROUND_NAMES = [
    ["Budi", "Siti", "Agus", "Dewi", "Rahmat"],  # the demo's own citizens
    ["Eko", "Rina", "Joko", "Lestari", "Yusuf"],
    ["Putri", "Bambang", "Wahyu", "Ani", "Hendra"],
    ["Sri", "Andi", "Indah", "Fajar", "Nur"],
]
REF = re.compile(r"\b(\d{8})\b")


def citizens_of(rnd):
    """Round rnd's citizens: the demo's five texts, each from a number of its own."""
    return [(name, f"628123456{rnd}{i:03d}", text, extra)
            for i, (name, (_, _, text, extra)) in enumerate(zip(ROUND_NAMES[rnd], CITIZENS))]


def write_script(tmp, rnd, ussd):
    steps = []
    for name, msisdn, text, extra in citizens_of(rnd):
        step = {"dialogue": name, "source": msisdn, "destination": SERVICE, "text": text,
                "label": name, "wait_ack": True}
        step.update(extra)
        steps.append(step)
    if ussd:
        # The USSD dialogue hops between the instances, one screen on A, the next on B: its
        # state lives in the store (ussd_dialogues), so whichever instance the carrier sends
        # the citizen's next answer to goes on with it (docs/scaling.md).
        answers = 0
        for step in demo.ussd_script(USSD_CITIZEN[1]):
            if "wait" not in step:
                step["system_id"] = INSTANCES["AB"[answers % 2]][0]
                answers += 1
            steps.append(step)
    path = os.path.join(tmp, f"round{rnd + 1}.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for step in steps:
            f.write(demo.json.dumps(step, ensure_ascii=False) + "\n")
    return path


def instance_config(tmp, key, smsc_port, store_port):
    """config/demo.toml for one instance: its own folder, API port and system_id, the store on
    PostgreSQL (URL from $LAPORD_PG_URL) under the instance's name."""
    system_id, name = INSTANCES[key]
    folder = os.path.join(tmp, key)
    os.makedirs(folder)
    path, _ = demo.demo_config(os.path.join(demo.ROOT, "config", "demo.toml"), folder, smsc_port,
                               store_port, h.free_port())
    text = open(path, encoding="utf-8").read()
    text = re.sub(r'^path = ".*"$', f'backend = "postgresql"\nurl_env = "LAPORD_PG_URL"\n'
                  f'instance = "{name}"', text, count=1, flags=re.M)
    text = re.sub(r'^system_id = "lapord"$', f'system_id = "{system_id}"', text, flags=re.M)
    # The national store's back-off short: the demo waits for every complaint to reach it.
    text = re.sub(r"^backoff_max_s = \d+$", "backoff_max_s = 2", text, flags=re.M)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path, folder


class Demo:
    def __init__(self, tmp):
        self.tmp = tmp
        self.procs = {}
        self.clusters = []
        self.sim_rec = os.path.join(tmp, "sim.jsonl")
        self.store_rec = os.path.join(tmp, "store.jsonl")
        self.events = []
        self.started = time.monotonic()

    def note(self, what):
        self.events.append((time.monotonic() - self.started, what))
        print(f"[{self.events[-1][0]:6.1f} s] {what}", flush=True)

    def start_postgresql(self):
        self.primary = pg_cluster.Cluster().start()
        self.clusters.append(self.primary)
        self.primary.create_db("lapord")
        self.standby = pg_cluster.standby_of(self.primary, "standby1")
        self.clusters.append(self.standby)
        pg_cluster.make_synchronous(self.primary, "standby1")
        os.environ["LAPORD_PG_URL"] = (
            f"host=127.0.0.1,127.0.0.1 port={self.primary.port},{self.standby.port} "
            "dbname=lapord user=postgres target_session_attrs=read-write connect_timeout=2")
        self.note(f"PostgreSQL primary on :{self.primary.port}, synchronous standby on "
                  f":{self.standby.port} (pg_stat_replication: streaming, sync)")

    def start_simulators(self):
        store_port, smsc_port = h.free_port(), h.free_port()
        self.procs["store-sim"] = h.Proc([h.binary("store-sim"), "--port", str(store_port),
                                          "--records", self.store_rec],
                                         name="store-sim", workdir=self.tmp)
        self.procs["store-sim"].wait_for_log(r"store-sim listening on")
        control = os.path.join(self.tmp, "sim.ctl")
        os.mkfifo(control)
        accounts = [a for sid, _ in INSTANCES.values() for a in ("--account", f"{sid}:secret")]
        # --window 1: one MO unanswered per bind, so that a handful of citizens spread over
        # both binds (the simulator fills one bind's window before the next's).
        self.procs["smsc-sim"] = h.Proc([h.binary("smsc-sim"), "--port", str(smsc_port)] +
                                        accounts + ["--receipts-requested", "--retry-delay",
                                                    "200", "--window", "1",
                                                    "--records", self.sim_rec,
                                                    "--control", control],
                                        name="smsc-sim", workdir=self.tmp)
        self.procs["smsc-sim"].wait_for_log(r"smsc-sim listening on")
        self.ctl = os.open(control, os.O_RDWR | os.O_NONBLOCK)
        self.configs = {k: instance_config(self.tmp, k, smsc_port, store_port)
                        for k in INSTANCES}

    def binds(self, key):
        return sum(1 for r in records(self.sim_rec) if r.get("event") == "bind"
                   and r.get("status") == 0 and r.get("system_id") == INSTANCES[key][0])

    def start_lapord(self, key, run=1):
        before = self.binds(key)
        path, folder = self.configs[key]
        p = h.Proc([h.binary("lapord"), "--config", path], name=f"lapord-{key}-{run}",
                   workdir=folder)
        self.procs[key] = p

        def bound():
            if p.proc.poll() is not None:
                raise RuntimeError(f"instance {key} exited ({p.proc.returncode}):\n{p.log()}")
            return self.binds(key) > before
        h.wait_until(bound, 60, f"instance {key} to bind")
        took = re.search(r"epoch (\d+): took back (\d+) reply lease\(s\) and (\d+) forward", p.log())
        self.note(f"instance {key} ({INSTANCES[key][1]}) bound as {INSTANCES[key][0]}"
                  + (f", epoch {took.group(1)}" if took else "")
                  + (f": took back {took.group(2)} reply and {took.group(3)} forward lease(s) "
                     "of its killed run" if run > 1 and took else ""))

    def delivered(self, numbers, key=None):
        """deliver_sm records to lapord from these numbers (over instance key's binds)."""
        return [r for r in records(self.sim_rec) if r.get("event") == "deliver_sm"
                and (r.get("source", {}) if isinstance(r.get("source"), dict) else {}).get("addr")
                in numbers and (key is None or r.get("system_id") == INSTANCES[key][0])]

    def play(self, rnd, ussd=False):
        os.write(self.ctl, f"script {write_script(self.tmp, rnd, ussd)}\n".encode())
        self.note(f"round {rnd + 1}: {', '.join(ROUND_NAMES[rnd])}"
                  + (f" and {USSD_CITIZEN[0]} on USSD" if ussd else "") + " text 1708")

    def wait_answered(self, rnds, timeout=60):
        people = [(n, m) for rnd in rnds for n, m, _, _ in citizens_of(rnd)] + [USSD_CITIZEN]
        for name, msisdn in people:
            h.wait_until(lambda m=msisdn: replies_to(records(self.sim_rec), m), timeout,
                         f"the reply to {name}", interval=0.1)
        self.note("every citizen answered")

    def wait_acked(self, rnd, timeout=60):
        """Every message (every part) of round rnd acknowledged with ESME_ROK: stored."""
        numbers = {m for _, m, _, _ in citizens_of(rnd)}

        def all_acked():
            sent, ok = set(), set()
            for r in records(self.sim_rec):
                if r.get("event") == "deliver_sm" and not r.get("esm_class", 0) & 0x3C \
                        and (r.get("source") or {}).get("addr") in numbers:
                    sent.add(r["mo"])
                elif r.get("event") == "deliver_sm_resp" and r.get("status") == 0:
                    ok.add(r["mo"])
            senders = {r["source"]["addr"] for r in records(self.sim_rec)
                       if r.get("event") == "deliver_sm" and isinstance(r.get("source"), dict)}
            return numbers <= senders and sent <= ok
        h.wait_until(all_acked, timeout, f"round {rnd + 1} to be stored", interval=0.1)
        self.note(f"round {rnd + 1}: every message stored (ESME_ROK)")

    def wait_ussd_done(self, timeout=60):
        """The USSD dialogue's last screen sent. Before any kill: a screen owed by an instance
        that is killed is lost with it (the carrier would end the session), whichever
        instance holds the dialogue's state."""
        msisdn = USSD_CITIZEN[1]
        h.wait_until(lambda: len(ussd_screens(records(self.sim_rec), msisdn)) >=
                     len(demo.USSD_STEPS), timeout, "the USSD dialogue's last screen",
                     interval=0.1)
        self.note(f"{USSD_CITIZEN[0]}'s USSD dialogue done, its answers sent to A and B in turn")

    def kill_mid_round(self, rnd, what, kill):
        """Kills once a message of round rnd has reached lapord, before they all are answered."""
        numbers = {m for _, m, _, _ in citizens_of(rnd)}
        h.wait_until(lambda: self.delivered(numbers, "A" if what == "A" else None), 30,
                     f"round {rnd + 1} to reach lapord", interval=0.02)
        kill()


def national_store(store_rec):
    """ref -> how many times the national store accepted it (201), and the 409s (re-POSTs)."""
    taken, again = {}, 0
    for r in records(store_rec):
        if r.get("status") == 201:
            taken[r["ref"]] = taken.get(r["ref"], 0) + 1
        elif r.get("status") == 409:
            again += 1
    return taken, again


def told_ref(sim_records, msisdn):
    for text in replies_to(sim_records, msisdn):
        m = REF.search(text)
        if m:
            return m.group(1)
    return None


def attempts_of(sim_records, msisdn, by_sid):
    """The deliveries of msisdn's messages to lapord (receipts left out), in order, each as
    INSTANCE:OUTCOME: ok (ESME_ROK), the error lapord answered, or lost (its bind went)."""
    answer = {}
    for r in sim_records:
        if r.get("event") == "deliver_sm_resp":
            answer[(r["mo"], r["attempt"])] = "ok" if r["status"] == 0 else \
                r.get("status_name", str(r["status"])).removeprefix("ESME_")
        elif r.get("event") == "mo_unanswered":
            answer.setdefault((r["mo"], r["attempt"]), "lost")
    out = []
    for r in sim_records:
        if r.get("event") == "deliver_sm" and isinstance(r.get("source"), dict) \
                and r["source"].get("addr") == msisdn and not r.get("esm_class", 0) & 0x3C:
            outcome = answer.get((r.get("mo"), r.get("attempt")), "?")
            out.append(f"{by_sid.get(r.get('system_id'), '?')}:{outcome}")
    return out


def ussd_hops(sim_records, msisdn, by_sid):
    """The USSD dialogue's steps as ANSWERED_ON>SCREEN_FROM (instance keys), in order: which
    instance each of the citizen's answers reached and which one sent the next screen."""
    asked = {}  # mo -> the instance its last delivery reached (a redelivery may move it)
    for r in sim_records:
        if r.get("event") == "deliver_sm" and isinstance(r.get("source"), dict) \
                and r["source"].get("addr") == msisdn and r.get("service_type") == "USSD":
            asked[r.get("mo")] = by_sid.get(r.get("system_id"), "?")
    asked = list(asked.values())
    shown = [by_sid.get(r.get("system_id"), "?") for r in sim_records
             if r.get("event") == "submit_sm" and r.get("destination", {}).get("addr") == msisdn
             and "ussd_service_op" in r.get("tlvs", {})]
    return [f"{a}>{b}" for a, b in zip(asked, shown)]


def account(d):
    """Prints every citizen's messages, who answered and the national store's count; returns
    True when every citizen was answered and every ref was accepted exactly once."""
    sim_records = records(d.sim_rec)
    taken, again = national_store(d.store_rec)
    by_sid = {sid: k for k, (sid, _) in INSTANCES.items()}
    ok, told = True, []
    people = [(rnd, c[0], c[1]) for rnd in range(4) for c in citizens_of(rnd)]
    people.append((0, USSD_CITIZEN[0], USSD_CITIZEN[1]))
    print("\n=== Every citizen: each delivery to lapord (instance:answer), who replied, the "
          "national store ===")
    for rnd, name, msisdn in people:
        answered = {by_sid.get(r.get("system_id"), "?") for r in sim_records
                    if r.get("event") == "submit_sm" and r.get("status") == 0
                    and r.get("destination", {}).get("addr") == msisdn}
        ref = told_ref(sim_records, msisdn)
        count = taken.get(ref, 0) if ref else 0
        good = bool(answered) and ref is not None and count == 1
        ok &= good
        told.append(ref)
        deliveries = attempts_of(sim_records, msisdn, by_sid)
        if len(deliveries) > 8:
            deliveries = deliveries[:7] + [f"... {len(deliveries) - 7} more"]
        print(f"round {rnd + 1} {name:8} +{msisdn[:5]}****{msisdn[-4:]}  "
              f"{' '.join(deliveries) or '-'}  replied by {'+'.join(sorted(answered)) or '-'}  "
              f"ref {ref or '-'}  national store: {count}x  {'ok' if good else 'MISSING'}")
    name, msisdn = USSD_CITIZEN
    screens = ussd_screens(sim_records, msisdn)
    hops = ussd_hops(sim_records, msisdn, by_sid)
    print(f"\n{name}'s USSD dialogue: {len(screens)} screens, each answer on the instance "
          f"shown (answer>screen): {' '.join(hops) or '-'}; the last screen: "
          f"{screens[-1][0] if screens else '-'!r}")
    # Both instances took part, each screen from the instance the answer reached.
    ok &= {h[0] for h in hops} == {"A", "B"} and all(h[0] == h[-1] for h in hops)
    first = (replies_to(sim_records, citizens_of(0)[0][1]) or ["(no answer)"])[0]
    print(f"What a citizen reads (Budi): {first}")
    ok &= len(screens) == len(demo.USSD_STEPS)
    unknown = set(taken) - set(told)
    twice = {r: c for r, c in taken.items() if c > 1}
    print(f"\nThe national store accepted {sum(taken.values())} complaints for "
          f"{len(people)} citizens: {len(taken)} refs, {len(twice)} accepted twice, "
          f"{len(unknown)} no citizen was told; {again} repeated POSTs answered 409 (lapord "
          "forwards at least once; the store takes a ref once)")
    return ok and not unknown and not twice and sum(taken.values()) == len(people)


def scenario(d):
    d.start_postgresql()
    d.start_simulators()
    d.start_lapord("A")
    d.start_lapord("B")
    d.play(0, ussd=True)
    d.wait_acked(0)
    d.wait_ussd_done()
    d.play(1)
    d.kill_mid_round(1, "A", d.procs["A"].kill)
    d.note("instance A killed (kill -9) with round 2 in flight")
    d.wait_acked(1)
    d.play(2)
    d.kill_mid_round(2, "primary", d.primary.kill)
    d.note("the primary's postmaster killed (kill -9) with round 3 in flight")
    d.standby.promote()
    d.note("the standby promoted (pg_ctl promote): lapord finds it through the multi-host URL")
    d.wait_acked(2)
    d.start_lapord("A", run=2)
    d.play(3)
    d.wait_acked(3)
    d.wait_answered(range(4))
    expected = 4 * len(CITIZENS) + 1
    h.wait_until(lambda: sum(national_store(d.store_rec)[0].values()) >= expected, 60,
                 "every complaint at the national store", interval=0.2)
    d.note("the national store has a complaint for every citizen")


def store_dump(d):
    """On a failure: what the store (the current primary) holds for each citizen who got no
    answer, and what that looks like (docs/scaling.md, *Known limits*)."""
    server = d.standby if d.standby.postmaster_pid() and not d.primary.postmaster_pid() \
        else d.primary
    people = [m for rnd in range(4) for _, m, _, _ in citizens_of(rnd)] + [USSD_CITIZEN[1]]
    for m in [m for m in people if not replies_to(records(d.sim_rec), m)]:
        q = lambda sql: server.psql(sql, "lapord")  # noqa: E731
        parts = q(f"SELECT count(*) || '/' || max(total) FROM parts WHERE source = '{m}'")
        complaints = q(f"SELECT ref FROM complaints WHERE reporter IN ('{m}', '+{m}')").split()
        leases = q("SELECT lease_owner || ' epoch ' || lease_epoch || ' until ' || "
                   "to_timestamp(next_attempt_at / 1000.0) FROM replies WHERE leased = 1 AND "
                   f"state = 'queued' AND destination IN ('{m}', '+{m}')")
        print(f"--- +{m[:5]}****{m[-4:]}: complaints {complaints or 'none'}, parts waiting "
              f"{parts if parts != '/' else 'none'}, reply leased by {leases or 'no one'}",
              file=sys.stderr)
        if parts != "/" and parts.split("/")[0] == parts.split("/")[1] and not complaints:
            print("    every part is stored and no complaint: the long message was not "
                  "reassembled (its parts reached both instances at once)", file=sys.stderr)
        if leases:
            print("    its reply is leased by a live instance that does not hold it: a lease "
                  "taken in a COMMIT that the primary's death cut off (the standby had it)",
                  file=sys.stderr)


def stop_all(d):
    ok = True
    for key in ("A", "B", "smsc-sim", "store-sim"):
        p = d.procs.get(key)
        if p is None:
            continue
        code = p.stop(timeout=15)
        if key in INSTANCES and code not in (0, -9):
            ok = False
            print(f"instance {key} stopped with exit code {code}:\n"
                  + "\n".join(p.log().splitlines()[-15:]))
    for c in reversed(d.clusters):
        c.stop("immediate")
        c.remove()
    return ok


def main(build, keep):
    os.environ["LAPORD_BUILD_DIR"] = os.path.abspath(build)
    h.BUILD_DIR = os.environ["LAPORD_BUILD_DIR"]
    tmp = tempfile.mkdtemp(prefix="lapord-demo-ha-")
    d = Demo(tmp)
    ok = True
    try:
        scenario(d)
        ok = account(d)
    except Exception as e:  # noqa: BLE001 - the demo reports whatever went wrong, then cleans up
        ok = False
        print(f"\ndemo --ha: {e}", file=sys.stderr)
        try:
            account(d)
            store_dump(d)
        except Exception as e2:  # noqa: BLE001
            print(f"(no account: {e2})", file=sys.stderr)
        for name, p in d.procs.items():
            print(f"--- last lines of {name}'s log ---\n" + "\n".join(p.log().splitlines()[-20:]),
                  file=sys.stderr)
    finally:
        ok &= stop_all(d)
        if keep:
            print(f"\n(files kept in {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"\ndemo --ha {'PASS' if ok else 'FAIL'}: "
          + ("every citizen was answered and every complaint reached the national store exactly "
             "once, through an instance's kill -9 and the primary's failover" if ok else
             "see above") + f" ({time.monotonic() - d.started:.0f} s)")
    return 0 if ok else 1
