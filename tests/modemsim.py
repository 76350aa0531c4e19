"""A simulated GSM modem on a pseudo-terminal, answering AT commands as a real one does: echo
until ATE0, OK/ERROR, the "> " prompt of AT+CMGS (no line end), "+CMGS: <mr>" once the PDU and
Ctrl-Z came, +CMTI for a message that "arrives" (stored at an index for AT+CMGR, AT+CMGL and
AT+CMGD), and silence when told to stop answering.

Standard library only: the integration test runs it inside the box (python3 modemsim.py SOCKET),
where the supervisor opens its terminal like any serial device, and drives it through a Unix
socket (JSON lines). Its PDU reading and writing is its own (not appliance/sms/pdu.py), so it
checks the box's encoding independently.
"""

from __future__ import annotations

import json
import os
import pty
import select
import socket
import sys
import threading
import tty


def _swap(digits: str) -> bytes:
    digits += "F" * (len(digits) % 2)
    return bytes.fromhex("".join(digits[i + 1] + digits[i] for i in range(0, len(digits), 2)))


def parse_submit(hexpdu: str) -> dict:
    """An SMS-SUBMIT as AT+CMGS carries it (with the SMSC length octet): number, concatenation
    header, coding and text (UCS2 or GSM 7-bit basic characters)."""
    b = bytes.fromhex(hexpdu)
    p = 1 + b[0]
    first = b[p]
    assert first & 0x03 == 0x01, "not an SMS-SUBMIT"
    n_digits, ton = b[p + 2], b[p + 3]
    octets = (n_digits + 1) // 2
    digits = "".join(f"{x:02X}"[::-1] for x in b[p + 4:p + 4 + octets])[:n_digits]
    p += 4 + octets
    pid, dcs = b[p], b[p + 1]
    p += 2
    vpf = (first >> 3) & 0x03
    p += {0: 0, 2: 1, 1: 7, 3: 7}[vpf]
    udl = b[p]
    ud = b[p + 1:]
    udh = None
    start = 0
    if first & 0x40:
        hl = ud[0]
        ie = ud[1:1 + hl]
        assert ie[0] == 0x00 and ie[1] == 3, f"unexpected header {ie.hex()}"
        udh = {"ref": ie[2], "total": ie[3], "seq": ie[4]}
        start = hl + 1
    if dcs == 0x08:
        text = ud[start:udl].decode("utf-16-be")
    else:
        bits = int.from_bytes(ud, "little")
        skip = (start * 8 + 6) // 7 if start else 0
        alphabet = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
                    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
        text = "".join(alphabet[(bits >> (7 * i)) & 0x7F] for i in range(skip, udl))
    return {"number": digits, "international": ton == 0x91, "srr": bool(first & 0x20), "dcs": dcs, "pid": pid,
            "udh": udh, "udl": udl, "text": text, "tpdu_length": len(b) - 1 - b[0]}


def deliver_pdus(sender: str, text: str, ref: int = 0x42, per_part: int = 67) -> list[str]:
    """SMS-DELIVER PDUs from `sender` (international digits) carrying `text` in UCS2, in parts with
    a concatenation header when it is longer than one message."""
    chunks = [text[i:i + per_part] for i in range(0, len(text), per_part)] if len(text) > 70 else [text]
    out = []
    for seq, chunk in enumerate(chunks, 1):
        first = 0x04 | (0x40 if len(chunks) > 1 else 0)  # SMS-DELIVER, no more messages to send
        udh = bytes([5, 0, 3, ref, len(chunks), seq]) if len(chunks) > 1 else b""
        ud = udh + chunk.encode("utf-16-be")
        scts = bytes.fromhex("62211251403500")  # 2026-12-15 04:30:53
        pdu = (bytes.fromhex("0891683108200105F0") + bytes([first, len(sender), 0x91]) + _swap(sender)
               + bytes([0x00, 0x08]) + scts + bytes([len(ud)]) + ud)
        out.append(pdu.hex().upper())
    return out


class SimModem:
    def __init__(self):
        self.master, self.slave = pty.openpty()
        tty.setraw(self.slave)
        self.device = os.ttyname(self.slave)
        os.chmod(self.device, 0o666)
        self.lock = threading.Lock()
        self.echo = True
        self.silent = False
        self.mr = 0
        self.submitted: list[str] = []
        self.commands: list[str] = []
        self.stored: dict[int, str] = {}
        self.deleted: list[int] = []
        self._next_index = 1
        self._pdu_len = None  # waiting for the PDU after the "> " prompt
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _out(self, text: str) -> None:
        os.write(self.master, text.encode())

    def _run(self) -> None:
        buf = b""
        while True:
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if not ready:
                continue
            try:
                buf += os.read(self.master, 4096)
            except OSError:
                return
            with self.lock:
                buf = self._take(buf)

    def _take(self, buf: bytes) -> bytes:
        while True:
            if self.silent:
                return b""
            if self._pdu_len is not None:
                end = buf.find(b"\x1a")
                if end < 0:
                    return buf
                pdu, buf = buf[:end].decode().strip(), buf[end + 1:]
                self._pdu_len = None
                self.submitted.append(pdu)
                self.mr = (self.mr + 1) % 256
                self._out(f"\r\n+CMGS: {self.mr}\r\n\r\nOK\r\n")
                continue
            end = buf.find(b"\r")
            if end < 0:
                return buf
            line, buf = buf[:end].decode().strip(), buf[end + 1:]
            if line:
                self._command(line)

    def _command(self, line: str) -> None:
        self.commands.append(line)
        if self.echo:
            self._out(line + "\r")
        cmd = line.upper()
        if cmd in ("AT", "AT+CMGF=0") or cmd.startswith("AT+CNMI="):
            self._out("\r\nOK\r\n")
        elif cmd == "ATE0":
            self.echo = False
            self._out("\r\nOK\r\n")
        elif cmd.startswith("AT+CMGS="):
            self._pdu_len = int(cmd.split("=")[1])
            self._out("\r\n> ")
        elif cmd.startswith("AT+CMGR="):
            index = int(cmd.split("=")[1])
            pdu = self.stored.get(index)
            if pdu is None:
                self._out("\r\n+CMS ERROR: 321\r\n")
            else:
                self._out(f"\r\n+CMGR: 0,,{len(pdu) // 2 - 9}\r\n{pdu}\r\n\r\nOK\r\n")
        elif cmd == "AT+CMGL=4":
            listing = "".join(f"\r\n+CMGL: {i},0,,{len(p) // 2 - 9}\r\n{p}" for i, p in sorted(self.stored.items()))
            self._out(listing + "\r\n\r\nOK\r\n")
        elif cmd.startswith("AT+CMGD="):
            index = int(cmd.split("=")[1].split(",")[0])
            self.stored.pop(index, None)
            self.deleted.append(index)
            self._out("\r\nOK\r\n")
        else:
            self._out("\r\nERROR\r\n")

    def deliver(self, pdus: list[str]) -> list[int]:
        """Messages arrive: each is stored and announced with +CMTI, as a modem does."""
        indexes = []
        with self.lock:
            for pdu in pdus:
                index = self._next_index
                self._next_index += 1
                self.stored[index] = pdu
                indexes.append(index)
                self._out(f'\r\n+CMTI: "SM",{index}\r\n')
        return indexes

    def state(self) -> dict:
        with self.lock:
            return {"device": self.device, "submitted": list(self.submitted), "stored": sorted(self.stored),
                    "deleted": list(self.deleted), "commands": list(self.commands), "silent": self.silent}


def serve(path: str) -> None:
    """Drive the modem through a Unix socket: one JSON request a line, one JSON answer a line."""
    modem = SimModem()
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen(4)
    print(json.dumps({"device": modem.device}), flush=True)
    while True:
        conn, _ = server.accept()
        with conn, conn.makefile("rw") as f:
            for line in f:
                req = json.loads(line)
                if req["op"] == "deliver":
                    answer = {"indexes": modem.deliver(req["pdus"])}
                elif req["op"] == "silent":
                    with modem.lock:
                        modem.silent = req["value"]
                    answer = {}
                else:
                    answer = modem.state()
                f.write(json.dumps(answer) + "\n")
                f.flush()


if __name__ == "__main__":
    serve(sys.argv[1])
