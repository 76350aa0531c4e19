"""A small SMSC for tests: an SMPP 3.4 server on a TCP port the test chose, built on smpplib's
PDU classes. It binds transceivers whose system_id and password match, answers submit_sm with
message ids m1, m2 ... (or the status the test queued), keeps what it received, answers
enquire_link, and sends deliver_sm (delivery receipts, messages from phones) to the bound box."""

from __future__ import annotations

import socket
import struct
import threading
import time

import smpplib.gsm
import smpplib.smpp


class _Seq:
    def __init__(self):
        self.sequence = 0

    def next_sequence(self):
        self.sequence += 1
        return self.sequence


class Smsc:
    def __init__(self, host: str, system_id: str, password: str):
        self.system_id, self.password = system_id, password
        self.server = socket.create_server((host, 0))
        self.host, self.port = self.server.getsockname()[:2]
        self.lock = threading.Lock()
        self.submits: list = []  # submit_sm PDUs, in order
        self.binds: list[tuple[str, str]] = []
        self.answers: list[int] = []  # statuses for the next submit_sm (0 when empty)
        self.delivered: list[int] = []  # deliver_sm_resp statuses
        self.conn: socket.socket | None = None
        self.seq = _Seq()
        self.count = 0
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.server.close()
        if self.conn is not None:
            self.conn.close()

    # -- the session

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _read(self, conn) -> bytes | None:
        head = b""
        while len(head) < 4:
            chunk = conn.recv(4 - len(head))
            if not chunk:
                return None
            head += chunk
        (length,) = struct.unpack(">L", head)
        body = b""
        while len(body) < length - 4:
            chunk = conn.recv(length - 4 - len(body))
            if not chunk:
                return None
            body += chunk
        return head + body

    def _send(self, conn, pdu) -> None:
        with self.lock:
            conn.sendall(pdu.generate())

    def _answer(self, conn, request, name: str, **fields) -> None:
        resp = smpplib.smpp.make_pdu(name, client=self.seq, **fields)
        resp.sequence = request.sequence
        self._send(conn, resp)

    def _serve(self, conn) -> None:
        try:
            while not self._stop.is_set():
                raw = self._read(conn)
                if raw is None:
                    return
                p = smpplib.smpp.parse_pdu(raw, client=self.seq, allow_unknown_opt_params=True)
                if p.command == "bind_transceiver":
                    sid, pw = p.system_id.decode(), p.password.decode()
                    with self.lock:
                        self.binds.append((sid, pw))
                    ok = (sid, pw) == (self.system_id, self.password)
                    self._answer(conn, p, "bind_transceiver_resp", system_id="smsc", status=0 if ok else 0x0E)
                    if ok:
                        self.conn = conn
                elif p.command == "submit_sm":
                    with self.lock:
                        status = self.answers.pop(0) if self.answers else 0
                        if status == 0:
                            self.count += 1
                            self.submits.append(p)
                    if status:
                        self._answer(conn, p, "submit_sm_resp", status=status)
                    else:
                        self._answer(conn, p, "submit_sm_resp", message_id=f"m{self.count}")
                elif p.command == "enquire_link":
                    self._answer(conn, p, "enquire_link_resp")
                elif p.command == "unbind":
                    self._answer(conn, p, "unbind_resp")
                    return
                elif p.command == "deliver_sm_resp":
                    with self.lock:
                        self.delivered.append(int(p.status or 0))
        except OSError:
            return
        finally:
            conn.close()

    # -- what the test does

    def wait_submits(self, count: int, timeout: float = 15) -> list:
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if len(self.submits) >= count:
                    return list(self.submits[:count])
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.submits)} of {count} submit_sm in {timeout} s")
            time.sleep(0.05)

    def wait_delivered(self, count: int, timeout: float = 15) -> list[int]:
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if len(self.delivered) >= count:
                    return list(self.delivered)
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.delivered)} of {count} deliver_sm answered in {timeout} s")
            time.sleep(0.05)

    def receipt(self, message_id: str, stat: str = "DELIVRD") -> None:
        text = f"id:{message_id} sub:001 dlvrd:001 submit date:2612061200 done date:2612061201 stat:{stat} err:000 text:"
        self._send(self.conn, smpplib.smpp.make_pdu(
            "deliver_sm", client=self.seq, source_addr_ton=1, source_addr_npi=1, source_addr="8613800138000",
            dest_addr_ton=0, dest_addr_npi=0, destination_addr="Callbox", esm_class=0x04, data_coding=0,
            short_message=text.encode()))

    def mobile_message(self, sender: str, text: str) -> int:
        """A message from a phone, in parts where it is long; how many parts."""
        parts, coding, esm_class = smpplib.gsm.make_parts(text)
        for part in parts:
            self._send(self.conn, smpplib.smpp.make_pdu(
                "deliver_sm", client=self.seq, source_addr_ton=1, source_addr_npi=1, source_addr=sender,
                dest_addr_ton=0, dest_addr_npi=0, destination_addr="10690000", esm_class=esm_class,
                data_coding=coding, short_message=part))
        return len(parts)


def reassembled(submits) -> str:
    """The text of a message sent in submit_sm parts (with or without a concatenation header)."""
    out = b""
    for p in submits:
        data = p.short_message
        out += data[data[0] + 1:] if int(p.esm_class or 0) & 0x40 else data
    coding = int(submits[0].data_coding or 0)
    return out.decode("utf-16-be") if coding == 0x08 else out.decode("latin-1")
