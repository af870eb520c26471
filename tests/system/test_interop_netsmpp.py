"""Interoperability: lapord against an SMSC that is NOT our own code — a small server built on
Perl's Net::SMPP (Debian libnet-smpp-perl), tests/system/netsmpp_smsc.pl. lapord binds to it,
receives an MO, answers it (and, with test_echo, submits a reply the Perl side decodes), keeps
the link alive and unbinds cleanly at SIGTERM."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import Proc, run_tests, wait_until  # noqa: E402
from test_carrier import carrier, lapord_workdir, start_lapord, stop_all, write_config  # noqa: E402

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "netsmpp_smsc.pl")


class PerlSmsc:
    def __init__(self, *mos, account="lapord:secret"):
        if shutil.which("perl") is None or subprocess.run(
                ["perl", "-MNet::SMPP", "-e", "1"], capture_output=True).returncode != 0:
            raise AssertionError("Net::SMPP missing: apt-get install libnet-smpp-perl")
        self.workdir = tempfile.mkdtemp(prefix="lapord-netsmpp-")
        self.records_path = os.path.join(self.workdir, "records.jsonl")
        port_file = os.path.join(self.workdir, "port")
        argv = ["perl", SCRIPT, "--port-file", port_file, "--records", self.records_path,
                "--account", account]
        for mo in mos:
            argv += ["--mo", mo]
        self.proc = Proc(argv, name="netsmpp", workdir=self.workdir)
        wait_until(lambda: os.path.exists(port_file) or self.proc.proc.poll() is not None, 10,
                   "the Net::SMPP SMSC to listen")
        assert self.proc.proc.poll() is None, self.proc.log()
        with open(port_file) as f:
            self.port = int(f.read())

    def records(self, event=None):
        with open(self.records_path) as f:
            rows = [json.loads(line) for line in f if line.strip().endswith("}")]
        return [r for r in rows if event is None or r["event"] == event]

    def wait_for(self, event, count=1, timeout=10):
        try:
            return wait_until(lambda: len(self.records(event)) >= count and self.records(event),
                              timeout, f"{count} '{event}' from the Net::SMPP SMSC")
        except AssertionError:
            print("--- Net::SMPP records ---")
            for r in self.records():
                print(json.dumps(r))
            print("--- Net::SMPP output ---\n" + self.proc.log())
            raise

    def stop(self):
        return self.proc.stop()


def test_bind_mo_answer_and_echo_with_net_smpp():
    smsc = PerlSmsc("6281234567890:1708:LAPOR jalan rusak di depan pasar")
    work = lapord_workdir()
    lapord = start_lapord(write_config(work, [carrier("netsmpp", smsc.port,
                                                      enquire_link_interval_s=0.3)],
                                       daemon={"test_echo": True}))
    try:
        bind = smsc.wait_for("bind")[0]
        assert bind["status"] == 0 and bind["mode"] == "transceiver", bind
        assert bind["system_id"] == "lapord"
        assert bind["interface_version"] == 0x34
        lapord.wait_for_log(r'\[netsmpp\] bind up: bound as transceiver to SMSC "netsmpp"')
        # The MO the Perl side sent was decoded by lapord and answered ESME_ROK.
        resp = smsc.wait_for("deliver_sm_resp")[0]
        sent = smsc.records("deliver_sm")[0]
        assert resp["seq"] == sent["seq"] and resp["status"] == 0, (sent, resp)
        lapord.wait_for_log(r"\[netsmpp\] MO deliver_sm from \+62812\*\*\*\*7890 to 1708")
        # lapord's submit_sm, decoded by Net::SMPP field by field.
        sub = smsc.wait_for("submit_sm")[0]
        assert sub["source"] == "1708" and sub["destination"] == "6281234567890", sub
        assert sub["text"] == "LAPOR jalan rusak di depan pasar", sub
        lapord.wait_for_log(r'test_echo: submit_sm to \+62812\*\*\*\*7890 accepted, message_id "nsmpp-1"')
        # Keepalive understood by Net::SMPP.
        smsc.wait_for("enquire_link", count=2)
        lapord.signal(signal.SIGTERM)
        assert lapord.wait(timeout=10) == 0, lapord.log()
        smsc.wait_for("unbind")
        assert not smsc.records("unexpected"), smsc.records("unexpected")
    finally:
        stop_all(lapord)
        smsc.stop()


def test_wrong_password_with_net_smpp():
    smsc = PerlSmsc()
    work = lapord_workdir()
    lapord = start_lapord(write_config(work, [carrier("netsmpp", smsc.port, password="nope",
                                                      reconnect_max_s=30)]))
    try:
        assert smsc.wait_for("bind")[0]["status"] == 0x0E
        lapord.wait_for_log(r"\[netsmpp\] bind rejected: ESME_RINVPASWD.*next attempt in 30\.0 s")
        assert lapord.stop() == 0
    finally:
        stop_all(lapord)
        smsc.stop()


if __name__ == "__main__":
    run_tests([
        test_bind_mo_answer_and_echo_with_net_smpp,
        test_wrong_password_with_net_smpp,
    ])
