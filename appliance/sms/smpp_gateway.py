"""The SMPP gateway adapter: SMPP 3.4 over TCP to a provider's SMSC, with smpplib.

smpplib is a maintained SMPP client (PyPI) that neither Debian nor Buildroot carries: the dev
image unpacks its pinned wheel (scripts/rootfs-wheels.txt) and the production image builds it
as a package of ours (buildroot_cfg/package/python-smpplib).

The box binds as a transceiver. A message goes out as submit_sm, in GSM 7-bit where its text
allows and UCS2 otherwise, a long one in parts with a concatenation header (smpplib's
make_parts); each part waits for its submit_sm_resp, whose message id is kept for the delivery
receipt. deliver_sm brings delivery receipts (esm_class 0x04, "id:... stat:DELIVRD ...") and
messages from phones, long ones put together from their parts (pdu.Reassembly). One reader
thread owns the socket's input and answers enquire_link; a quiet socket gets our enquire_link.
Every wait has a timeout: a lost session fails the message in hand (retried as the gateway
says) and the next message binds again.
"""

from __future__ import annotations

import logging
import re
import threading

from ..db import db
from ..log import kv
from . import inbound, pdu
from .adapters import SendError

log = logging.getLogger(__name__)
RECEIPT = 0x04  # esm_class: a delivery receipt
UDHI = 0x40  # esm_class: the message starts with a user data header
UCS2 = 0x08
_RECEIPT_ID = re.compile(rb"\bid:([^ ]+)", re.I)
_RECEIPT_STAT = re.compile(rb"\bstat:([A-Za-z]+)", re.I)


def _text(data: bytes, coding: int) -> str:
    """A short message's text: UCS2 as UTF-16, the SMSC default alphabet and Latin-1 as bytes."""
    if coding == UCS2:
        return data.decode("utf-16-be", "replace")
    if coding == 0:
        return pdu.gsm7_text(list(data))
    return data.decode("latin-1")


def receipt(short_message: bytes, receipted_id=None, state=None) -> tuple[str, str] | None:
    """(the SMSC's message id, its state word) of a delivery receipt; None when it names neither."""
    found = _RECEIPT_ID.search(short_message)
    ident = receipted_id.decode() if isinstance(receipted_id, bytes) else receipted_id
    ident = ident or (found.group(1).decode("latin-1") if found else None)
    stat = _RECEIPT_STAT.search(short_message)
    word = stat.group(1).decode("latin-1") if stat else ({2: "DELIVRD"}.get(state) or (str(state) if state else None))
    return (ident, word) if ident and word else None


def addresses(number: str, style: str, sender: str) -> dict:
    """submit_sm's address fields: the number international (TON 1) or national (TON 2), E.164
    numbering; the sender alphanumeric (TON 5) or a number (TON 1), or left to the SMSC."""
    if sender.isdigit():
        source = {"source_addr_ton": 1, "source_addr_npi": 1, "source_addr": sender}
    elif sender:
        source = {"source_addr_ton": 5, "source_addr_npi": 0, "source_addr": sender}
    else:
        source = {"source_addr_ton": 0, "source_addr_npi": 0, "source_addr": ""}
    return {**source, "dest_addr_ton": 2 if style == "national" else 1, "dest_addr_npi": 1,
            "destination_addr": number.lstrip("+")}


class SmppAdapter:
    """A gateway on an SMSC. `send` gives the SMSC's id of the message's first part."""

    def __init__(self, gateway_id: int, options: dict, password: str):
        self.gateway_id = gateway_id
        self.options = options
        self.password = password
        self.timeout = float(options.get("timeout", 10))
        self.client = None
        self.lock = threading.Lock()  # one PDU written at a time, from whichever thread
        self.waiting: dict[int, dict] = {}  # sequence -> {"event", "status", "id"}
        self.assembly = pdu.Reassembly()

    # -- the session

    def ready(self) -> None:
        if self.client is not None:
            return
        import smpplib.client
        import smpplib.consts

        adapter = self

        class Sequence:
            """smpplib's own counter is not safe across our two threads."""

            def __init__(self):
                self._n = 0
                self._lock = threading.Lock()

            @property
            def sequence(self):
                return self._n

            def next_sequence(self):
                with self._lock:
                    self._n = self._n % 0x7FFFFFFF + 1
                    return self._n

        class Client(smpplib.client.Client):
            def send_pdu(self, p):
                with adapter.lock:
                    return super().send_pdu(p)

        client = Client(self.options["host"], int(self.options.get("port", 2775)), timeout=self.timeout,
                        sequence_generator=Sequence(), logger_name="appliance.sms.smpp.client",
                        allow_unknown_opt_params=True)
        client.set_message_sent_handler(self._sent)
        client.set_message_received_handler(self._received)
        client.set_error_pdu_handler(lambda p: None)  # a refused submit_sm is answered in _sent
        try:
            client.connect()
            client.bind_transceiver(system_id=self.options.get("system_id", ""), password=self.password,
                                    system_type=self.options.get("system_type", ""))
        except Exception as exc:  # noqa: BLE001 - refused, unreachable, a bind the SMSC refused
            try:
                client.disconnect()
            except Exception:  # noqa: BLE001
                pass
            raise SendError(f"cannot bind to the SMSC at {self.options['host']}:{self.options.get('port', 2775)}: "
                            f"{exc or type(exc).__name__}") from None
        if client.state != smpplib.consts.SMPP_CLIENT_STATE_BOUND_TRX:
            client.disconnect()
            raise SendError("the SMSC did not bind the box as a transceiver")
        self.client = client
        threading.Thread(target=self._read, args=(client,), name="sms-smpp-reader", daemon=True).start()
        log.info("bound to the SMSC", extra=kv(host=self.options["host"], system_id=self.options.get("system_id")))

    def _read(self, client) -> None:
        with db.connection_context():
            while self.client is client:
                try:
                    client.read_once()  # a quiet socket: smpplib sends enquire_link itself
                except Exception as exc:  # noqa: BLE001 - the session is gone: the next message binds again
                    if self.client is client:
                        log.warning("SMPP session lost", extra=kv(error=str(exc) or type(exc).__name__))
                        self._drop(client)
                    return

    def _drop(self, client) -> None:
        if self.client is client:
            self.client = None
        try:
            client.disconnect()
        except Exception:  # noqa: BLE001
            pass
        for waiter in list(self.waiting.values()):
            waiter["event"].set()

    def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client.unbind()
        except Exception:  # noqa: BLE001 - a gone SMSC needs no goodbye
            pass
        self._drop(client)

    # -- sending

    def send(self, number: str, text: str, message_id: int) -> str | None:
        import smpplib.gsm
        import smpplib.smpp

        self.ready()
        client = self.client
        parts, coding, esm_class = smpplib.gsm.make_parts(text)
        fields = addresses(number, self.options.get("number_format", "international"),
                           self.options.get("sender", ""))
        first = None
        for part in parts:
            submit = smpplib.smpp.make_pdu("submit_sm", client=client, short_message=part, data_coding=coding,
                                           esm_class=esm_class,
                                           registered_delivery=1 if self.options.get("delivery_reports", True) else 0,
                                           **fields)
            waiter = {"event": threading.Event(), "status": None, "id": None}
            self.waiting[submit.sequence] = waiter
            try:
                client.send_pdu(submit)
                if not waiter["event"].wait(self.timeout):
                    self._drop(client)
                    raise SendError(f"the SMSC did not answer within {self.timeout:g} s")
            except SendError:
                raise
            except Exception as exc:  # noqa: BLE001 - the socket broke under the write
                self._drop(client)
                raise SendError(f"the SMPP session broke: {exc or type(exc).__name__}") from None
            finally:
                self.waiting.pop(submit.sequence, None)
            if waiter["status"] is None:
                raise SendError("the SMPP session broke before the SMSC answered")
            if waiter["status"] != 0:
                # 0x0B invalid destination, 0x0A invalid source, 0x45 submit failed: not helped by
                # trying again; throttling (0x58) and system errors (0x08, 0x14) may be.
                raise SendError(f"the SMSC refused the message (status 0x{waiter['status']:02X})",
                                permanent=waiter["status"] in (0x0A, 0x0B, 0x45))
            first = first or waiter["id"]
        return first

    def _sent(self, pdu=None, **kwargs) -> None:
        waiter = self.waiting.get(pdu.sequence)
        if waiter is None:
            return
        waiter["status"] = int(pdu.status or 0)
        ident = getattr(pdu, "message_id", None)
        waiter["id"] = ident.decode("latin-1") if isinstance(ident, bytes) else ident
        waiter["event"].set()

    # -- receiving

    def _received(self, pdu=None, **kwargs):
        if pdu.command != "deliver_sm":
            return None
        try:
            self._deliver(pdu)
        except Exception:  # noqa: BLE001 - answered all the same: the SMSC would only send it again
            log.exception("SMPP deliver_sm not stored")
        return None

    def _deliver(self, p) -> None:
        data = p.short_message or b""
        if isinstance(data, str):
            data = data.encode("latin-1")
        esm = int(p.esm_class or 0)
        if esm & RECEIPT:
            found = receipt(data, getattr(p, "receipted_message_id", None), getattr(p, "message_state", None))
            if found is not None:
                inbound.report(self.gateway_id, *found)
            return
        sender = p.source_addr.decode("latin-1") if isinstance(p.source_addr, bytes) else p.source_addr
        if int(p.source_addr_ton or 0) == 1 and sender.isdigit():
            sender = "+" + sender
        reference, parts, part, skip = pdu.concatenation(data) if esm & UDHI and data else (None, 1, 1, 0)
        text = self.assembly.add(pdu.Deliver(sender=sender, text=_text(data[skip:], int(p.data_coding or 0)),
                                             sent_at=None, reference=reference, parts=parts, part=part))
        if text is not None:
            inbound.message(self.gateway_id, sender, text)
