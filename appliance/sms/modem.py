"""The GSM modem adapter: AT commands over a serial port (pyserial, Debian python3-serial).

PDU mode (AT+CMGF=0) because text mode cannot carry Chinese on most modems;
pdu.py makes and reads the PDUs. One reader thread owns the port's input: it
hands command answers (including the "> " prompt of AT+CMGS, which ends no
line) to the command in progress and unsolicited lines (+CMTI: a message
arrived, stored at an index; +CDS: a delivery report) to an inbox thread,
which reads the message with AT+CMGR, stores it, and deletes it from the SIM
with AT+CMGD only once a long message has all its parts (a restart in
between finds them on the SIM again: AT+CMGL=4 at start).

Every wait has a timeout: a modem that stops answering fails the message in
hand with a clear error (it is retried as the gateway says), and the next
message reopens the port; nothing else in the box waits on it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from ..db import db
from ..log import kv
from . import pdu
from .adapters import SendError

log = logging.getLogger(__name__)
FINAL = ("OK", "ERROR", "+CMS ERROR", "+CME ERROR", "NO CARRIER")
PROMPT = "> "
CTRL_Z = b"\x1a"
#: Unsolicited result codes the reader passes to the inbox instead of a command.
UNSOLICITED = ("+CMTI:", "+CDS:", "+CDSI:", "RING", "+CREG:", "^", "+CIEV:")


class ModemError(SendError):
    pass


class Port:
    """The serial line: commands and answers, with the reader thread. `serial_port` is a pyserial
    Serial (or anything with read/write/close), opened by the caller."""

    def __init__(self, serial_port, timeout: float, on_unsolicited):
        self.serial = serial_port
        self.timeout = timeout
        self.on_unsolicited = on_unsolicited
        self.answers: queue.Queue = queue.Queue()
        self.lock = threading.Lock()
        self.closed = threading.Event()
        self._pending_pdu: str | None = None  # +CDS: the report's PDU is on the next line
        self.reader = threading.Thread(target=self._read, name="sms-modem-reader", daemon=True)
        self.reader.start()

    def _read(self) -> None:
        buf = b""
        while not self.closed.is_set():
            try:
                chunk = self.serial.read(256)
            except Exception as exc:  # noqa: BLE001 - a pulled USB modem: the port is gone
                log.warning("modem port read failed", extra=kv(error=str(exc)))
                self.answers.put(None)
                return
            if not chunk:
                continue
            buf += chunk
            while True:
                stripped = buf.lstrip(b"\r\n")
                if stripped.startswith(PROMPT.encode()):
                    self.answers.put(PROMPT)
                    buf = stripped[len(PROMPT):]
                    continue
                cut = min((i for i in (buf.find(b"\r"), buf.find(b"\n")) if i >= 0), default=-1)
                if cut < 0:
                    break
                line, buf = buf[:cut].decode("ascii", "replace").strip(), buf[cut + 1:]
                if line:
                    self._line(line)

    def _line(self, line: str) -> None:
        if self._pending_pdu is not None:
            header, self._pending_pdu = self._pending_pdu, None
            self.on_unsolicited(header, line)
        elif line.startswith("+CDS:"):
            self._pending_pdu = line
        elif line.startswith(UNSOLICITED):
            self.on_unsolicited(line, None)
        else:
            self.answers.put(line)

    def _drain(self) -> None:
        while True:
            try:
                self.answers.get_nowait()
            except queue.Empty:
                return

    def _wait(self, until: float, what: str) -> str:
        left = until - time.monotonic()
        try:
            line = self.answers.get(timeout=max(0.0, left))
        except queue.Empty:
            raise ModemError(f"the modem did not answer {what} within {self.timeout:g} s") from None
        if line is None:
            raise ModemError("the modem's port is gone")
        return line

    def command(self, cmd: str, timeout: float | None = None) -> list[str]:
        """Send `cmd`; the lines of its answer before OK. ModemError on ERROR or silence."""
        with self.lock:
            self._drain()
            self.serial.write(cmd.encode() + b"\r")
            return self._collect(cmd, time.monotonic() + (timeout or self.timeout))

    def _collect(self, what: str, until: float) -> list[str]:
        lines = []
        while True:
            line = self._wait(until, what)
            if line == PROMPT or line == what:  # an echo, if the modem still echoes
                continue
            if line.startswith(FINAL):
                if line == "OK":
                    return lines
                raise ModemError(f"{what.split('=')[0]}: the modem answered {line}",
                                 permanent=line.startswith("+CMS ERROR: 3"))  # 3xx: refused, not busy
            lines.append(line)

    def submit(self, part: pdu.Submit, timeout: float) -> int:
        """AT+CMGS with one PDU: the message reference the network gave it."""
        with self.lock:
            self._drain()
            until = time.monotonic() + self.timeout
            self.serial.write(f"AT+CMGS={part.tpdu_length}\r".encode())
            while True:
                line = self._wait(until, "AT+CMGS")
                if line == PROMPT:
                    break
                if line.startswith(FINAL):
                    raise ModemError(f"AT+CMGS: the modem answered {line}")
            self.serial.write(part.hex.encode() + CTRL_Z)
            for line in self._collect("AT+CMGS", time.monotonic() + timeout):
                if line.startswith("+CMGS:"):
                    return int(line.split(":", 1)[1].split(",")[0])
            raise ModemError("AT+CMGS: the modem gave no message reference")

    def close(self) -> None:
        self.closed.set()
        try:
            self.serial.close()
        except Exception:  # noqa: BLE001
            pass


def open_serial(device: str, baud: int):
    import serial  # Debian python3-serial; imported here so a box without a modem never needs it

    return serial.Serial(device, baud, timeout=0.2, write_timeout=5, rtscts=False)


class ModemAdapter:
    """A gateway on a GSM modem. Sends with AT+CMGS; receives through +CMTI and AT+CMGR."""

    def __init__(self, gateway_id: int, options: dict, opener=open_serial):
        self.gateway_id = gateway_id
        self.options = options
        self.opener = opener
        self.port: Port | None = None
        self.reference = int(time.time()) & 0xFF  # concatenation references: different after a restart
        self.assembly = pdu.Reassembly()
        self.on_sim: dict[tuple, list[int]] = {}  # a long message's SIM indexes until all parts are read
        self.inbox: queue.Queue = queue.Queue()
        self.stopped = threading.Event()
        self.worker = threading.Thread(target=self._inbox, name="sms-modem-inbox", daemon=True)
        self.worker.start()

    # -- the line

    def ensure_open(self) -> Port:
        if self.port is not None and not self.port.closed.is_set():
            return self.port
        timeout = float(self.options.get("timeout", 10))
        try:
            serial_port = self.opener(self.options["device"], int(self.options.get("baud", 115200)))
        except Exception as exc:  # noqa: BLE001 - pyserial's SerialException, or the device is missing
            raise ModemError(f"cannot open the modem at {self.options['device']}: {exc}") from None
        port = Port(serial_port, timeout, self._unsolicited)
        try:
            port.command("AT")
            port.command("ATE0")
            port.command("AT+CMGF=0")
            # New messages: +CMTI with the index; delivery reports: +CDS with the PDU.
            port.command("AT+CNMI=2,1,0,1,0")
        except ModemError:
            port.close()
            raise
        self.port = port
        self.inbox.put(("list", None))
        log.info("modem ready", extra=kv(device=self.options["device"]))
        return port

    def _broken(self) -> None:
        if self.port is not None:
            self.port.close()
            self.port = None

    def ready(self) -> None:
        """Open and set up the modem now, so that messages coming in are heard before any goes out."""
        self.ensure_open()

    def send(self, number: str, text: str, message_id: int) -> str:
        port = self.ensure_open()
        self.reference = (self.reference + 1) & 0xFF
        international = number.startswith("+")
        try:
            parts = pdu.encode(number.lstrip("+"), text, international=international, reference=self.reference,
                               status_report=bool(self.options.get("delivery_reports")))
        except ValueError as exc:
            raise SendError(str(exc), permanent=True) from None
        mr = None
        try:
            for part in parts:
                mr = port.submit(part, timeout=max(port.timeout, 30.0))
        except ModemError as exc:
            if "did not answer" in str(exc) or "gone" in str(exc):
                self._broken()  # reopened and set up afresh for the next message
            raise
        return str(mr)

    def close(self) -> None:
        self.stopped.set()
        self.inbox.put(("stop", None))
        self._broken()

    # -- what comes in

    def _unsolicited(self, line: str, pdu_line: str | None) -> None:
        if line.startswith("+CMTI:"):
            try:
                self.inbox.put(("read", int(line.rsplit(",", 1)[1])))
            except ValueError:
                log.warning("modem: unreadable +CMTI", extra=kv(line=line))
        elif line.startswith("+CDS:") and pdu_line:
            self.inbox.put(("report", pdu_line))

    def _inbox(self) -> None:
        with db.connection_context():
            while not self.stopped.is_set():
                kind, value = self.inbox.get()
                if kind == "stop":
                    return
                try:
                    if kind == "read":
                        self._read_stored(value)
                    elif kind == "list":
                        self._list_stored()
                    elif kind == "report":
                        self._report(value)
                except ModemError as exc:
                    log.warning("modem: reading a message failed", extra=kv(error=str(exc)))
                except Exception:  # noqa: BLE001 - one bad message must not stop the inbox
                    log.exception("modem: a received message could not be stored")

    def _list_stored(self) -> None:
        """Messages left on the SIM (received while the box was down, or parts of a long one)."""
        port = self.port
        if port is None:
            return
        lines = port.command("AT+CMGL=4")
        for header, body in zip(lines, lines[1:]):
            if header.startswith("+CMGL:"):
                self._stored(int(header.split(":", 1)[1].split(",")[0]), body)

    def _read_stored(self, index: int) -> None:
        port = self.port
        if port is None:
            return
        lines = port.command(f"AT+CMGR={index}")
        if len(lines) >= 2 and lines[0].startswith("+CMGR:"):
            self._stored(index, lines[1])

    def _stored(self, index: int, pdu_hex: str) -> None:
        from . import inbound

        msg = pdu.decode(pdu_hex)
        if isinstance(msg, pdu.StatusReport):
            self._report_of(msg)
            self.port.command(f"AT+CMGD={index}")
            return
        key = (msg.sender, msg.reference, msg.parts)
        indexes = self.on_sim.setdefault(key, [])
        if index not in indexes:
            indexes.append(index)
        text = self.assembly.add(msg)
        if text is None:
            return  # the other parts are still to come; they stay on the SIM until then
        inbound.message(self.gateway_id, msg.sender, text)
        for i in self.on_sim.pop(key, [index]):
            self.port.command(f"AT+CMGD={i}")

    def _report(self, pdu_hex: str) -> None:
        msg = pdu.decode(pdu_hex)
        if isinstance(msg, pdu.StatusReport):
            self._report_of(msg)

    def _report_of(self, report: pdu.StatusReport) -> None:
        from . import inbound

        if 0x20 <= report.status < 0x40:
            return  # the network is still trying
        inbound.report(self.gateway_id, str(report.reference), "delivered" if report.delivered else
                       f"status {report.status:#04x}")
