"""The callback API of the national store against the running lapord: bearer token, strict
JSON, unknown refs, idempotent events, the notification SMS (and none for a reporter who sent
STOP), and GET of a complaint's view. Real binaries on loopback; see test_e2e.py."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import run_tests, wait_until  # noqa: E402
from test_e2e import Stack, api, db_rows, submits_to  # noqa: E402

A = "6281234500001"
B = "6281234500002"
SCRIPT = [
    {"dialogue": "a", "source": A, "destination": "1708",
     "text": "LAPOR TANGKAB jalan rusak di Desa Suka Maju sudah 3 bulan"},
    {"dialogue": "b", "source": B, "destination": "1708",
     "text": "LAPOR SLEMAN sampah menumpuk di pasar Godean"},
    {"dialogue": "b", "wait": "submit_sm", "match": {"destination": B, "text_contains": "tiket"},
     "timeout_ms": 20000},
    {"dialogue": "b", "source": B, "destination": "1708", "text": "STOP"},
    {"dialogue": "b", "wait": "submit_sm",
     "match": {"destination": B, "text_contains": "tidak akan menerima"}, "timeout_ms": 20000},
]


def test_callback_api():
    s = Stack(script=SCRIPT)
    try:
        wait_until(lambda: len(s.sim.records("script_done")) == 1, 60, "the script")
        assert s.sim.records("script_done")[0]["ok"], s.sim.records("script_failed")
        refs = dict(db_rows(s.db, "SELECT reporter, ref FROM complaints"))
        ref_a, ref_b = refs["+" + A], refs["+" + B]
        port = s.api_port
        event = {"status": "responded", "at": "2026-11-30T08:00:00Z",
                 "institution": "Kabupaten Tangerang",
                 "message": "Perbaikan jalan dijadwalkan minggu depan."}
        path = f"/v1/complaints/{ref_a}/events"

        # Authentication first: nothing is applied without the right token.
        assert api(port, "POST", path, event, token="wrong")[0] == 401
        assert api(port, "POST", path, event, token=None)[0] == 401
        assert api(port, "GET", f"/v1/complaints/{ref_a}", token="wrong")[0] == 401
        # Strict JSON.
        code, body = api(port, "POST", path, b"{not json")
        assert code == 400 and "error" in body, (code, body)
        code, body = api(port, "POST", path, dict(event, status="lost"))
        assert code == 400 and "error" in body, (code, body)
        code, body = api(port, "POST", path, dict(event, extra=1))
        assert code == 400, (code, body)
        # Unknown ref.
        code, body = api(port, "POST", "/v1/complaints/12345678/events", event)
        assert code == 404 and "error" in body, (code, body)
        assert api(port, "GET", "/v1/complaints/12345678")[0] == 404
        assert db_rows(s.db, "SELECT count(*) FROM events")[0][0] == 0

        # Applied once: 201, then 200 for the same (ref, status, at) — texted once.
        code, body = api(port, "POST", path, event)
        assert code == 201, (code, body)
        code, body = api(port, "POST", path, dict(event, at="2026-11-30T15:00:00+07:00"))
        assert code == 200, (code, body)  # the same instant written in WIB
        closed = {"status": "closed", "at": "2026-12-01T08:00:00Z"}
        assert api(port, "POST", path, closed)[0] == 201

        wait_until(lambda: any("SELESAI" in (r.get("text") or "") for r in submits_to(s.sim, A)),
                   30, "the notification of the second event")
        texts = [r.get("text") or "" for r in submits_to(s.sim, A)]
        answered = [t for t in texts if "DITANGGAPI" in t]
        assert len(answered) == 1, texts  # the duplicate event was not texted again
        assert "Perbaikan jalan dijadwalkan" in answered[0], answered

        # The reporter who sent STOP: the event is stored, no SMS.
        code, _ = api(port, "POST", f"/v1/complaints/{ref_b}/events",
                      {"status": "verified", "at": "2026-11-30T09:00:00Z"})
        assert code == 201
        # A later event to A, texted: once it is out, B's (earlier) one was handled too.
        assert api(port, "POST", path, {"status": "rejected", "at": "2026-12-02T08:00:00Z"})[0] == 201
        wait_until(lambda: any("DITOLAK" in (r.get("text") or "") for r in submits_to(s.sim, A)),
                   30, "A's third notification")
        b_texts = [r.get("text") or "" for r in submits_to(s.sim, B)]
        assert len(b_texts) == 2 and not any("DIVERIFIKASI" in t for t in b_texts), b_texts
        assert db_rows(s.db, "SELECT count(*) FROM events WHERE ref = ?", (ref_b,))[0][0] == 1
        assert db_rows(s.db, "SELECT status FROM complaints WHERE ref = ?", (ref_b,)) == [("verified",)]

        # GET: fields, status, events, forwarding.
        code, view = api(port, "GET", f"/v1/complaints/{ref_a}")
        assert code == 200, (code, view)
        assert view["ref"] == ref_a
        assert view["status"] == "rejected", view
        assert [e["status"] for e in view["events"]] == ["responded", "closed", "rejected"], view
        assert view["complaint"]["text"] == "jalan rusak di Desa Suka Maju sudah 3 bulan", view
        wait_until(lambda: api(port, "GET", f"/v1/complaints/{ref_a}")[1]["forwarding"]["state"]
                   == "forwarded", 30, "the forwarding state in the view")
        print(f"callback API: refs {ref_a} {ref_b}; A got {len(submits_to(s.sim, A))} SMS, "
              f"B got {len(b_texts)}")
    finally:
        assert s.stop() == 0, s.lapord.proc.log()


if __name__ == "__main__":
    run_tests([test_callback_api])
