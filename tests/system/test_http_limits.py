"""Hostile HTTP clients against both listeners of the real daemon ([api], which may face the
network, and [admin]), before any token is checked (issue 12, item 6): a chunk-size line that
never ends, an oversized header, an oversized body (by Content-Length and by chunks), a client
trickling its header. Each is answered 400/413 or cut off (the slow one after
request_timeout_s), lapord's RSS (from /proc) grows by less than 16 MB, the connection is
closed, and the next request on a new connection is served."""
import http.client
import os
import re
import socket
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import free_port, rss_kib, run_tests, wait_until  # noqa: E402
from test_e2e import API_TOKEN, Lapord, write_config  # noqa: E402

MB = 1024 * 1024
FLOOD = 200 * MB
MAX_GROWTH_KIB = 16 * 1024


class Daemon:
    """lapord with [api] and [admin] on loopback; its carrier points at a closed port (the
    listeners do not need a bind)."""

    def __init__(self):
        self.workdir = tempfile.mkdtemp(prefix="lapord-http-limits-")
        self.api_port = free_port()
        config = write_config(self.workdir, free_port(), api_port=self.api_port)
        self.lapord = Lapord(config, self.workdir)
        self.lapord.proc.wait_for_log(r"admin listener on 127\.0\.0\.1:\d+", 15)
        self.admin_port = int(re.search(r"admin listener on 127\.0\.0\.1:(\d+)",
                                        self.lapord.proc.log()).group(1))
        self.pid = self.lapord.proc.proc.pid

    def stop(self):
        return self.lapord.stop()


def served(port, path, token=None):
    """The status of a plain request on a new connection (the listener still serves)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        conn.request("GET", path, headers=headers)
        return conn.getresponse().status
    finally:
        conn.close()


def read_answer(sock):
    """The status code of what the server answered before closing (None if nothing came)."""
    data = b""
    try:
        while b"\r\n" not in data:
            got = sock.recv(4096)
            if not got:
                break
            data += got
    except (ConnectionResetError, socket.timeout):
        pass
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", data)
    return int(m.group(1)) if m else None


def flood(d, port, head, filler):
    """Sends `head`, then `filler` over and over up to FLOOD bytes, sampling lapord's RSS after
    each MB. Returns (bytes sent before the connection was closed or None, RSS growth in KiB)."""
    before = rss_kib(d.pid)
    peak = before
    sent = 0
    closed_at = None
    chunk = filler * (MB // len(filler))
    with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
        s.sendall(head)
        while sent < FLOOD:
            try:
                s.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                closed_at = sent
                break
            except socket.timeout:
                break  # not closed, not reading: a failure the caller reports
            sent += len(chunk)
            peak = max(peak, rss_kib(d.pid))
    peak = max(peak, rss_kib(d.pid))
    return closed_at, peak - before


def check_chunk_line(d, port, path, next_path, token=None):
    head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n10;ext=").encode()
    closed_at, growth = flood(d, port, head, b"a" * 4096)
    print(f"port {port}: chunk-size line: closed after {closed_at} bytes, RSS +{growth} KiB")
    assert growth < MAX_GROWTH_KIB, f"RSS grew by {growth} KiB"
    assert closed_at is not None and closed_at < FLOOD, "the connection was not closed"
    assert served(port, next_path, token) in (200, 404), "the next request was not served"


def check_big_header(port, path):
    with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n".encode())
        s.sendall(b"X-Filler: " + b"b" * (64 * 1024) + b"\r\n\r\n")
        assert read_answer(s) == 400


def check_big_body(port, path):
    body = b"{" + b" " * MB + b"}"
    with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {len(body)}\r\n\r\n".encode())
        try:
            s.sendall(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert read_answer(s) == 413
    with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n".encode())
        try:
            for _ in range(64):  # 64 chunks of 4 KiB: past any body limit of these listeners
                s.sendall(b"1000\r\n" + b" " * 4096 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert read_answer(s) == 413


def check_slow_client(port, next_path, token=None):
    """A slow-loris client trickling a header line a second is cut off within request_timeout_s
    (10 s by default) of its first byte, and others are served meanwhile."""
    import time
    with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
        started = time.monotonic()
        s.sendall(b"POST /v1/complaints/12345678/events HTTP/1.1\r\nHost: x\r\n")
        cut = None
        for i in range(25):
            assert served(port, next_path, token) in (200, 404)
            time.sleep(1)  # the trickle itself: one header line per second
            try:
                s.sendall(f"X-Slow-{i}: 1\r\n".encode())
            except (BrokenPipeError, ConnectionResetError):
                cut = time.monotonic() - started
                break
        assert cut is not None and cut < 14, f"the slow client was not cut off ({cut})"
        print(f"port {port}: slow client cut off after {cut:.1f} s")


def test_api_listener():
    d = Daemon()
    try:
        path = "/v1/complaints/12345678/events"
        known = "/v1/complaints/12345678"  # 404 with the token: served
        check_chunk_line(d, d.api_port, path, known, API_TOKEN)
        check_big_header(d.api_port, path)
        check_big_body(d.api_port, path)
        check_slow_client(d.api_port, known, API_TOKEN)
        assert served(d.api_port, known, API_TOKEN) == 404
    finally:
        assert d.stop() == 0, d.lapord.proc.log()


def test_admin_listener():
    d = Daemon()
    try:
        path = "/admin/v1/send"
        check_chunk_line(d, d.admin_port, path, "/healthz")
        check_big_header(d.admin_port, path)
        check_big_body(d.admin_port, path)
        assert served(d.admin_port, "/healthz") == 200
    finally:
        assert d.stop() == 0, d.lapord.proc.log()


if __name__ == "__main__":
    run_tests([test_api_listener, test_admin_listener])
