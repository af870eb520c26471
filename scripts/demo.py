#!/usr/bin/env python3
"""The lapord demo: a few citizens text 1708 through a simulated carrier, and one dials *1708#
and files through the USSD menu; lapord stores, acknowledges, answers and forwards their
complaints; the simulated national store answers one of them back. Called by scripts/demo after
the build; prints a readable account and exits 0 only if every citizen got an answer and every
complaint reached the store. `scripts/demo --ha`: two instances on PostgreSQL, see demo_ha.py.

Everything runs on 127.0.0.1 on ports chosen free at run time, in a temporary folder that is
removed at the end (pass --keep to keep it).
"""
import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import textwrap
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
import lapord_harness as h  # noqa: E402  (the same process helpers the system tests use)

SERVICE = "1708"
LONG_TEXT = (
    "Lapor KOTABANDUNG Saluran air di Jalan Cibaduyut RT 03 RW 05 tersumbat sampah sejak awal "
    "bulan. Setiap hujan air meluap ke jalan dan masuk ke rumah warga, anak-anak tidak bisa "
    "berangkat sekolah. Kami sudah lapor ke kelurahan dua kali tapi belum ada tindakan. Mohon "
    "segera dikirim petugas untuk membersihkan saluran sebelum musim hujan makin deras. Terima kasih.")

# (name, msisdn, what they send, how it travels)
CITIZENS = [
    ("Budi", "6281234567001", "LAPOR TANGKAB Jalan rusak di Desa Suka Maju sudah 3 bulan tidak diperbaiki", {}),
    ("Siti", "6281234567002", "SLEEMAN lampu jalan di Jalan Kaliurang km 7 mati sejak minggu lalu", {}),
    ("Agus", "6281234567003", LONG_TEXT, {"split": "udh8"}),
    ("Dewi", "6281234567004", "JABAR Sampah menumpuk di pasar \U0001F621 sudah seminggu tidak diangkut \U0001F64F",
     {"data_coding": 8}),
    ("Rahmat", "6281234567005", "RAHASIA LAPOR DKI Ada pungli di kantor kelurahan waktu urus KTP, diminta 200 ribu", {}),
]


# One citizen on the USSD menu: (what they type, the screen they wait for). The keyword has a
# typo on purpose: the menu offers the one it is one letter away from.
USSD_CITIZEN = ("Wati", "6281234567006")
USSD_SESSION = 7  # its_session_info: the session number the carrier's gateway gave the dialogue
USSD_STEPS = [
    ("*1708#", "1 Buat laporan"),
    ("1", "Kata kunci daerah"),
    ("SLEMAM", "Maksud Anda Kab. Sleman?"),
    ("1", "Tulis laporan Anda:"),
    ("Jembatan bambu di Dusun Ngepas hampir putus, anak sekolah tetap lewat setiap pagi", "1 Kirim"),
    ("1", "Laporan diterima. Tiket"),
]


def ussd_script(msisdn):
    """smsc-sim steps for the USSD dialogue: each answer carries ussd_service_op (1 to dial, 18
    for an answer) and its_session_info (session, sequence); each screen is waited for."""
    steps = []
    for seq, (typed, screen) in enumerate(USSD_STEPS, start=1):
        info = (USSD_SESSION << 8) | (seq << 1)
        steps.append({"dialogue": "ussd", "source": msisdn, "destination": SERVICE, "text": typed,
                      "service_type": "USSD", "label": USSD_CITIZEN[0],
                      "tlvs": {"ussd_service_op": 1 if seq == 1 else 18, "its_session_info": info}})
        steps.append({"dialogue": "ussd", "wait": "submit_sm", "timeout_ms": 20000,
                      "match": {"destination": msisdn, "service_type": "USSD",
                                "text_contains": screen}})
    return steps


def demo_config(template, tmp, smsc_port, store_port, api_port):
    """config/demo.toml with this run's ports and folder; relative data paths made absolute."""
    text = open(template, encoding="utf-8").read()
    cfg_dir = os.path.dirname(os.path.abspath(template))

    def absolute(m):
        return f'{m.group(1)} = "{os.path.join(cfg_dir, m.group(2))}"'

    text = re.sub(r'^(directory|aliases|templates|greetings|screens) = "([^"/][^"]*)"', absolute, text, flags=re.M)
    text = re.sub(r'^path = ".*"', f'path = "{tmp}/lapord.db"', text, flags=re.M)
    text = re.sub(r'^url = "http://127.0.0.1:\d+"', f'url = "http://127.0.0.1:{store_port}"', text, flags=re.M)
    text = re.sub(r'^(\[api\][^\[]*?^listen = )"127.0.0.1:\d+"', rf'\g<1>"127.0.0.1:{api_port}"', text,
                  flags=re.M | re.S)
    # The admin listener on a port of its own, picked by lapord (logged: "admin listener on").
    text = re.sub(r'^(\[admin\][^\[]*?^listen = )"127.0.0.1:\d+"', r'\g<1>"127.0.0.1:0"', text,
                  flags=re.M | re.S)
    text = re.sub(r'^port = \d+', f'port = {smsc_port}', text, flags=re.M)
    token = re.search(r'^\[api\][^\[]*?^token = "([^"]*)"', text, flags=re.M | re.S).group(1)
    path = os.path.join(tmp, "lapord.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path, token


def records(path):
    out = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        out.append(json.loads(line))
                    except json.JSONDecodeError:
                        pass  # a line still being written
    return out


def ussd_screens(sim_records, msisdn):
    """The USSD screens lapord sent to msisdn: (text, ussd_service_op, its_session_info)."""
    return [(r.get("text", ""), r["tlvs"]["ussd_service_op"], r["tlvs"].get("its_session_info"))
            for r in sim_records
            if r.get("event") == "submit_sm" and r.get("destination", {}).get("addr") == msisdn
            and "ussd_service_op" in r.get("tlvs", {})]


def replies_to(sim_records, msisdn):
    """SMS texts lapord sent to msisdn, concatenated parts joined, in the order they were sent
    (USSD screens are not SMS: see ussd_screens)."""
    texts, parts = [], {}
    for r in sim_records:
        if r.get("event") != "submit_sm" or r.get("destination", {}).get("addr") != msisdn:
            continue
        if "ussd_service_op" in r.get("tlvs", {}):
            continue
        body = r.get("text", "")
        udh = r.get("udh_hex", "")
        if udh and len(udh) >= 12 and udh[2:4] == "00":  # IEI 0: 8-bit ref, total, seq
            ref, total, seq = udh[6:8], int(udh[8:10], 16), int(udh[10:12], 16)
            parts.setdefault(ref, {})[seq] = body
            if len(parts[ref]) == total:
                texts.append("".join(parts[ref][i] for i in sorted(parts[ref])))
        else:
            texts.append(body)
    return texts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--ha", action="store_true",
                    help="two instances on PostgreSQL with a standby, through a kill -9 of an "
                         "instance and of the primary (scripts/demo_ha.py)")
    args = ap.parse_args()
    if args.ha:
        import demo_ha  # noqa: PLC0415 - only this mode needs PostgreSQL
        return demo_ha.main(args.build, args.keep)
    os.environ["LAPORD_BUILD_DIR"] = os.path.abspath(args.build)
    h.BUILD_DIR = os.environ["LAPORD_BUILD_DIR"]

    tmp = tempfile.mkdtemp(prefix="lapord-demo-")
    sim_rec, store_rec = os.path.join(tmp, "sim.jsonl"), os.path.join(tmp, "store.jsonl")
    control = os.path.join(tmp, "sim.ctl")
    os.mkfifo(control)
    smsc_port, store_port, api_port = h.free_port(), h.free_port(), h.free_port()
    config, api_token = demo_config(os.path.join(ROOT, "config", "demo.toml"), tmp,
                                    smsc_port, store_port, api_port)

    script = os.path.join(tmp, "citizens.jsonl")
    with open(script, "w", encoding="utf-8") as f:
        for name, msisdn, text, extra in CITIZENS:
            step = {"dialogue": name, "source": msisdn, "destination": SERVICE, "text": text,
                    "label": name, "wait_ack": True}
            step.update(extra)
            f.write(json.dumps(step, ensure_ascii=False) + "\n")
        for step in ussd_script(USSD_CITIZEN[1]):
            f.write(json.dumps(step, ensure_ascii=False) + "\n")

    procs = []
    ok = True
    try:
        store = h.Proc([h.binary("store-sim"), "--port", str(store_port), "--records", store_rec],
                       name="store-sim", workdir=tmp)
        procs.append(store)
        store.wait_for_log(r"store-sim listening on")
        sim = h.Proc([h.binary("smsc-sim"), "--port", str(smsc_port), "--account", "lapord:secret",
                      "--receipts-requested", "--records", sim_rec, "--control", control],
                     name="smsc-sim", workdir=tmp)
        procs.append(sim)
        sim.wait_for_log(r"smsc-sim listening on")
        # Keep the FIFO open for writing so the simulator never sees end-of-file between commands.
        ctl = os.open(control, os.O_RDWR | os.O_NONBLOCK)
        lapord = h.Proc([h.binary("lapord"), "--config", config], name="lapord", workdir=tmp)
        procs.append(lapord)
        h.wait_until(lambda: any(r.get("event") == "bind" and r.get("status") == 0
                                 for r in records(sim_rec)), 20, "lapord to bind")

        os.write(ctl, f"script {script}\n".encode())
        for name, msisdn, _, _ in CITIZENS + [USSD_CITIZEN + (None, None)]:
            h.wait_until(lambda m=msisdn: replies_to(records(sim_rec), m), 30, f"the reply to {name}")

        # Budi checks his complaint with the ref he was given.
        budi = CITIZENS[0][1]
        ref = re.search(r"\b(\d{8})\b", replies_to(records(sim_rec), budi)[0]).group(1)
        cek = os.path.join(tmp, "cek.jsonl")
        with open(cek, "w", encoding="utf-8") as f:
            f.write(json.dumps({"dialogue": "cek", "source": budi, "destination": SERVICE,
                                "text": f"CEK {ref[:4]} {ref[4:]}", "label": "Budi CEK"}) + "\n")
        os.write(ctl, f"script {cek}\n".encode())
        h.wait_until(lambda: len(replies_to(records(sim_rec), budi)) >= 2, 30, "the answer to CEK")

        # Every complaint reaches the national store.
        h.wait_until(lambda: len({r.get("ref") for r in records(store_rec) if r.get("status") in (200, 201)})
                     >= len(CITIZENS) + 1, 30, "every complaint at the national store")

        # The institution answers Budi's complaint through the store's callback.
        event = {"status": "responded", "at": "2026-11-30T08:00:00Z", "institution": "Kabupaten Tangerang",
                 "message": "Perbaikan jalan dijadwalkan minggu depan."}
        req = urllib.request.Request(f"http://127.0.0.1:{api_port}/v1/complaints/{ref}/events",
                                     data=json.dumps(event).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {api_token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            callback_status = resp.status
        h.wait_until(lambda: len(replies_to(records(sim_rec), budi)) >= 3, 30, "the notification to Budi")

        # --- the account ---
        sim_records = records(sim_rec)
        print("\n=== What citizens sent to 1708 and what they got back ===")
        for name, msisdn, text, extra in CITIZENS:
            how = "UCS-2" if extra.get("data_coding") == 8 else ("in parts (UDH)" if extra.get("split") else "GSM 03.38")
            print(f"\n{name} (+{msisdn[:5]}****{msisdn[-4:]}), {how}:")
            print(textwrap.indent(textwrap.fill(text, 96), "  > "))
            for reply in replies_to(sim_records, msisdn):
                print(textwrap.indent(textwrap.fill(reply, 96), "  < "))
        name, msisdn = USSD_CITIZEN
        print(f"\n{name} (+{msisdn[:5]}****{msisdn[-4:]}) dials *1708# (USSD, session {USSD_SESSION}):")
        screens = ussd_screens(sim_records, msisdn)
        for (typed, _), (screen, op, info) in zip(USSD_STEPS, screens):
            print(f"  > {typed}")
            tlvs = f"ussd_service_op {op}" + (f", its_session_info {info:04x}" if info is not None else "")
            print(textwrap.indent(screen, "  [USSD] ")
                  + f"   ({'last screen' if op == 17 else 'waits'}; {tlvs})")
        if len(screens) != len(USSD_STEPS):
            raise RuntimeError(f"{name} got {len(screens)} USSD screens, expected {len(USSD_STEPS)}")
        for reply in replies_to(sim_records, msisdn):
            print(textwrap.indent(textwrap.fill(reply, 96), "  < SMS: "))
        print(f"\n(Budi's later CEK and the notification of the institution's answer are the 2nd and"
              f" 3rd replies above; the store's callback was answered HTTP {callback_status}.)")

        print("\n=== What the national store received ===")
        for r in records(store_rec):
            if r.get("status") not in (200, 201):
                continue
            body = json.loads(r["body"]) if isinstance(r.get("body"), str) else r.get("body", {})
            inst = body.get("institution")
            where = f"{inst['name']} ({inst['keyword']}{', corrected' if inst.get('keyword_corrected') else ''})" \
                if inst else "national desk"
            flags = []
            if body.get("confidential"):
                flags.append("confidential")
            if body.get("channel") == "ussd":
                flags.append("via USSD")
            if body.get("segments", 1) > 1:
                flags.append(f"{body['segments']} segments")
            print(f"\nref {body.get('ref')} -> {where}{' [' + ', '.join(flags) + ']' if flags else ''}")
            print(textwrap.indent(textwrap.fill(body.get("text", ""), 96), "  "))
    except Exception as e:  # noqa: BLE001 - the demo reports whatever went wrong, then cleans up
        ok = False
        print(f"\ndemo FAILED: {e}", file=sys.stderr)
        for p in procs:
            print(f"--- last lines of {p.name} log ---\n" + "\n".join(p.log().splitlines()[-25:]), file=sys.stderr)
    finally:
        for p in reversed(procs):
            code = p.stop(timeout=10)
            if p.name == "lapord":
                print(f"\nlapord stopped on SIGTERM with exit code {code}")
                if code != 0:
                    ok = False
                    print("--- last lines of lapord log ---\n" + "\n".join(p.log().splitlines()[-15:]))
        if args.keep:
            print(f"\n(files kept in {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("\ndemo " + ("finished: every citizen was answered and every complaint reached the store"
                       if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
