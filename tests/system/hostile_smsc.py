"""A hostile SMSC for system tests: a plain Python socket server on 127.0.0.1 that takes
lapord's bind and then misbehaves as a test tells it (floods without reading, reuses sequence
numbers). PDUs are packed by hand here, independent of lapord's codec."""
import socket
import struct
import threading

BIND_TRANSCEIVER = 0x00000009
DELIVER_SM = 0x00000005
DELIVER_SM_RESP = 0x80000005
SUBMIT_SM = 0x00000004
SUBMIT_SM_RESP = 0x80000004
ENQUIRE_LINK = 0x00000015
ENQUIRE_LINK_RESP = 0x80000015
UNBIND = 0x00000006
UNBIND_RESP = 0x80000006


def pdu(command_id, seq, body=b"", status=0):
    return struct.pack(">IIII", 16 + len(body), command_id, status, seq) + body


def cstr(s):
    return s.encode() + b"\0"


def deliver_sm(seq, source, text, destination="1708"):
    body = (cstr("") + bytes([1, 1]) + cstr(source) + bytes([0, 0]) + cstr(destination) +
            bytes([0, 0, 0]) + cstr("") + cstr("") + bytes([0, 0, 0, 0]) +
            bytes([len(text)]) + text.encode())
    return pdu(DELIVER_SM, seq, body)


def read_pdu(conn):
    """(command_id, status, seq, body) of the next PDU, or None when the peer closed."""
    head = _read_exact(conn, 16)
    if head is None:
        return None
    length, command_id, status, seq = struct.unpack(">IIII", head)
    body = _read_exact(conn, length - 16) if length > 16 else b""
    if body is None:
        return None
    return command_id, status, seq, body


def _read_exact(conn, n):
    data = b""
    while len(data) < n:
        try:
            got = conn.recv(n - len(data))
        except (ConnectionResetError, OSError):
            return None
        if not got:
            return None
        data += got
    return data


class HostileSmsc:
    """Listens on a free loopback port; accept_bind() takes lapord's bind_transceiver."""

    def __init__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.conn = None

    def accept_bind(self, timeout=20):
        self.listener.settimeout(timeout)
        conn, _ = self.listener.accept()
        conn.settimeout(timeout)
        got = read_pdu(conn)
        assert got is not None and got[0] == BIND_TRANSCEIVER, got
        conn.sendall(pdu(0x80000000 | BIND_TRANSCEIVER, got[2], cstr("hostile")))
        self.conn = conn
        return conn

    def close(self):
        for s in (self.conn, self.listener):
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass


class Answerer(threading.Thread):
    """Reads what lapord sends on `conn`: records deliver_sm_resp (seq, status), answers
    submit_sm, enquire_link and unbind, until the connection ends."""

    def __init__(self, conn):
        super().__init__(daemon=True)
        self.conn = conn
        self.lock = threading.Lock()
        self.mo_answers = []
        self.submits = 0
        self.send_lock = threading.Lock()

    def send(self, data):
        with self.send_lock:
            self.conn.sendall(data)

    def answered(self):
        with self.lock:
            return list(self.mo_answers)

    def run(self):
        self.conn.settimeout(None)
        message_id = 0
        while True:
            got = read_pdu(self.conn)
            if got is None:
                return
            command_id, status, seq, _ = got
            try:
                if command_id == DELIVER_SM_RESP:
                    with self.lock:
                        self.mo_answers.append((seq, status))
                elif command_id == SUBMIT_SM:
                    message_id += 1
                    self.submits += 1
                    self.send(pdu(SUBMIT_SM_RESP, seq, cstr(f"{message_id:x}")))
                elif command_id == ENQUIRE_LINK:
                    self.send(pdu(ENQUIRE_LINK_RESP, seq))
                elif command_id == UNBIND:
                    self.send(pdu(UNBIND_RESP, seq))
            except OSError:
                return
