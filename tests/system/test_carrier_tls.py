"""lapord's TLS to an SMSC: a TLS front end (Python's ssl module, as carriers put stunnel or a
load balancer before their SMSC) relays to smsc-sim. Certificates are made at run time with the
openssl command line. Checked: a bind over TLS with a client certificate; a server certificate
from an unknown CA, for another name or expired is refused, logged as the check that failed
(and as a TLS handshake failure, not a connect failure), and retried with back-off; so is a
peer that does not speak TLS. OpenSSL is loaded only when a carrier uses TLS."""
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import run_tests  # noqa: E402
from test_carrier import Sim, carrier, lapord_workdir, start_lapord, stop_all, write_config  # noqa: E402


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki():
    """A CA, a server certificate for 'localhost' and a client certificate, both signed by the
    CA; plus an unrelated CA lapord does not trust."""
    d = tempfile.mkdtemp(prefix="lapord-pki-")
    for ca in ("ca", "other-ca"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{ca}.key",
                "-out", f"{ca}.pem", "-days", "2", "-subj", f"/CN=lapord test {ca}", cwd=d)
    for name, cn in (("server", "localhost"), ("client", "lapord")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
                f"{name}.csr", "-subj", f"/CN={cn}", cwd=d)
        ext = os.path.join(d, f"{name}.ext")
        with open(ext, "w") as f:
            f.write(f"subjectAltName=DNS:{cn}\n")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", ext, cwd=d)
    return d


def make_expired(pki):
    """server-expired.pem: 'localhost', signed by the CA, valid only on 1-2 January 2020."""
    with open(os.path.join(pki, "ca.cnf"), "w") as f:
        f.write("[ca]\ndefault_ca = test\n[test]\ndatabase = index.txt\nnew_certs_dir = .\n"
                "serial = serial\ndefault_md = sha256\npolicy = any\n[any]\n"
                "commonName = supplied\n")
    open(os.path.join(pki, "index.txt"), "w").close()
    with open(os.path.join(pki, "serial"), "w") as f:
        f.write("1000\n")
    openssl("ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key",
            "-in", "server.csr", "-out", "server-expired.pem", "-startdate", "20200101000000Z",
            "-enddate", "20200102000000Z", "-extfile", "server.ext", "-notext", cwd=pki)


class TlsFront:
    """Accepts TLS on a free loopback port and relays the plain bytes to `target_port`."""

    def __init__(self, pki, target_port, require_client_cert=True, cert="server.pem"):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(os.path.join(pki, cert), os.path.join(pki, "server.key"))
        if require_client_cert:
            self.ctx.verify_mode = ssl.CERT_REQUIRED
            self.ctx.load_verify_locations(os.path.join(pki, "ca.pem"))
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.handshakes_ok = 0
        self.handshakes_failed = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                raw, _ = self.listener.accept()
            except OSError:
                return
            try:
                tls = self.ctx.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError) as e:
                self.handshakes_failed.append(str(e))
                raw.close()
                continue
            self.handshakes_ok += 1
            plain = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pump, args=(tls, plain), daemon=True).start()
            threading.Thread(target=self._pump, args=(plain, tls), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.close()
            except OSError:
                pass

    def close(self):
        self.closed = True
        self.listener.close()


def tls_carrier(port, pki, **keys):
    return carrier("tsel", port, tls=True, tls_ca_file=os.path.join(pki, "ca.pem"),
                   tls_server_name="localhost", **keys)


def openssl_mapped(lapord):
    """Whether libssl or libcrypto is mapped in lapord (loaded on first use: net/tls)."""
    with open(f"/proc/{lapord.proc.pid}/maps") as f:
        return any("libssl" in line or "libcrypto" in line for line in f)


def test_no_openssl_in_a_daemon_without_tls():
    """A plain carrier, bound: OpenSSL is never loaded (~4 MB resident it would cost)."""
    sim = Sim()
    work = lapord_workdir()
    lapord = start_lapord(write_config(work, [carrier("tsel", sim.port)]))
    try:
        lapord.wait_for_log(r"\[tsel\] bind up")
        assert sim.wait_for("bind")[0]["status"] == 0
        assert not openssl_mapped(lapord), "libssl mapped without a TLS carrier"
        assert lapord.stop() == 0
    finally:
        stop_all(lapord, sim)


def test_bind_over_tls_with_a_client_certificate():
    pki = make_pki()
    sim = Sim()
    front = TlsFront(pki, sim.port)
    work = lapord_workdir()
    lapord = start_lapord(write_config(work, [tls_carrier(
        front.port, pki, tls_cert_file=os.path.join(pki, "client.pem"),
        tls_key_file=os.path.join(pki, "client.key"), enquire_link_interval_s=0.2)]))
    try:
        lapord.wait_for_log(r"\[tsel\] connected to 127\.0\.0\.1:\d+ over TLS")
        lapord.wait_for_log(r"\[tsel\] bind up")
        assert sim.wait_for("bind")[0]["status"] == 0
        sim.wait_for("enquire_link", count=2)
        assert front.handshakes_ok == 1
        assert openssl_mapped(lapord), "libssl is loaded when a carrier uses TLS"
        assert lapord.stop() == 0
        assert sim.wait_for("unbind")[0]["by"] == "esme"
    finally:
        stop_all(lapord, sim)
        front.close()


def test_untrusted_server_certificate_is_refused_and_retried():
    pki = make_pki()
    sim = Sim()
    front = TlsFront(pki, sim.port, require_client_cert=False)
    work = lapord_workdir()
    cfg = carrier("tsel", front.port, tls=True, tls_ca_file=os.path.join(pki, "other-ca.pem"),
                  tls_server_name="localhost", reconnect_min_s=0.05, reconnect_max_s=0.2)
    lapord = start_lapord(write_config(work, [cfg]))
    try:
        lapord.wait_for_log(r"\[tsel\] TLS handshake with 127\.0\.0\.1:\d+ failed after \d+ ms: "
                            r"unknown CA: .*tls_ca_file", count=2)
        lapord.wait_for_log(r"\[tsel\] reconnect scheduled in")
        assert not sim.records("bind"), "no bind may go to an untrusted SMSC"
        assert lapord.stop() == 0
    finally:
        stop_all(lapord, sim)
        front.close()


def test_certificate_for_another_name_is_refused():
    pki = make_pki()
    sim = Sim()
    front = TlsFront(pki, sim.port, require_client_cert=False)
    work = lapord_workdir()
    cfg = carrier("tsel", front.port, tls=True, tls_ca_file=os.path.join(pki, "ca.pem"),
                  tls_server_name="smsc.example.net", reconnect_max_s=0.2)
    lapord = start_lapord(write_config(work, [cfg]))
    try:
        lapord.wait_for_log(r"\[tsel\] TLS handshake with 127\.0\.0\.1:\d+ failed after \d+ ms: "
                            r"host name mismatch: the SMSC's certificate is not for "
                            r"\"smsc\.example\.net\"")
        assert "connect to" not in lapord.log()
        assert not sim.records("bind")
        assert lapord.stop() == 0
    finally:
        stop_all(lapord, sim)
        front.close()


def test_tls_handshake_that_never_completes_times_out():
    # A peer that accepts TCP and then says nothing: the TLS handshake must give up after
    # connect_timeout_s, not hang the bind for ever.
    mute = socket.socket()
    mute.bind(("127.0.0.1", 0))
    mute.listen(8)
    held = []
    threading.Thread(target=lambda: [held.append(mute.accept()) for _ in range(100)],
                     daemon=True).start()
    pki = make_pki()
    work = lapord_workdir()
    cfg = tls_carrier(mute.getsockname()[1], pki, connect_timeout_s=0.3, reconnect_max_s=0.2)
    lapord = start_lapord(write_config(work, [cfg]))
    try:
        lapord.wait_for_log(r"\[tsel\] TLS handshake with 127\.0\.0\.1:\d+ failed after (\d+) ms: "
                            r"no TLS handshake within connect_timeout_s", count=2)
        import re
        took = [int(m) for m in re.findall(r"failed after (\d+) ms: no TLS handshake",
                                           lapord.log())]
        print("TLS handshake timeouts after (ms):", took)
        assert all(250 <= t <= 1500 for t in took), took
        assert lapord.stop() == 0
    finally:
        stop_all(lapord)
        mute.close()


def test_expired_server_certificate_is_named():
    pki = make_pki()
    make_expired(pki)
    sim = Sim()
    front = TlsFront(pki, sim.port, require_client_cert=False, cert="server-expired.pem")
    work = lapord_workdir()
    lapord = start_lapord(write_config(work, [tls_carrier(front.port, pki, reconnect_max_s=0.2)]))
    try:
        lapord.wait_for_log(r"\[tsel\] TLS handshake with 127\.0\.0\.1:\d+ failed after \d+ ms: "
                            r"expired: the SMSC's certificate")
        assert not sim.records("bind")
        assert lapord.stop() == 0
    finally:
        stop_all(lapord, sim)
        front.close()


def test_plain_text_smsc_is_called_a_peer_not_speaking_tls():
    # tls = true against smsc-sim itself (plain SMPP): the ClientHello reads as a PDU with an
    # absurd command_length; the simulator answers generic_nack and closes.
    pki = make_pki()
    sim = Sim()
    work = lapord_workdir()
    lapord = start_lapord(write_config(work, [tls_carrier(sim.port, pki, reconnect_max_s=0.2)]))
    try:
        lapord.wait_for_log(r"\[tsel\] TLS handshake with 127\.0\.0\.1:\d+ failed after \d+ ms: "
                            r".*peer not speaking TLS", count=2)
        assert "stream truncated" not in lapord.log()
        assert not [b for b in sim.records("bind") if b.get("status") == 0]
        assert lapord.stop() == 0
    finally:
        stop_all(lapord, sim)


if __name__ == "__main__":
    run_tests([
        test_no_openssl_in_a_daemon_without_tls,
        test_bind_over_tls_with_a_client_certificate,
        test_untrusted_server_certificate_is_refused_and_retried,
        test_certificate_for_another_name_is_refused,
        test_tls_handshake_that_never_completes_times_out,
        test_expired_server_certificate_is_named,
        test_plain_text_smsc_is_called_a_peer_not_speaking_tls,
    ])
