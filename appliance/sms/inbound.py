"""Messages and delivery reports that come in, from a gateway's webhook or a modem.

A message is stored with the customer its number belongs to (so it shows on
the customer's page); a customer who answers TD, STOP or 退订 (the opt-out
words Chinese and international senders announce) is marked opted out, and
broadcasts skip them from then on.
"""

from __future__ import annotations

import logging
import unicodedata

from ..customers import service as customers
from ..db import change
from ..db.models import Customer, SmsMessage
from ..log import kv
from . import outbox

log = logging.getLogger(__name__)
OPT_OUT_WORDS = {"TD", "STOP", "UNSUBSCRIBE", "退订"}
DELIVERED_WORDS = {"delivered", "delivrd", "success", "ok", "0", "true"}
MAX_TEXT = 2000


def sender_number(raw) -> str | None:
    """The sender as stored: normalised digits; an alphanumeric sender (a bank's name) as given, up to 20
    printable characters; None for anything else."""
    if not isinstance(raw, str):
        return None
    number = customers.normalize(raw)
    if number is not None:
        return number
    raw = raw.strip()
    if 0 < len(raw) <= 20 and all(ch.isalnum() or ch in " +-._" for ch in raw):
        return raw
    return None


def is_opt_out(text: str) -> bool:
    word = "".join(ch for ch in unicodedata.normalize("NFKC", text) if not unicodedata.category(ch)[0] in "PZC")
    return word.upper() in OPT_OUT_WORDS


def message(gateway_id: int | None, raw_from, text: str) -> SmsMessage:
    """Store a received message; opt its customer out if it says so."""
    number = sender_number(raw_from)
    if number is None:
        raise ValueError("the sender is not a phone number")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")[:MAX_TEXT]
    # A mobile kept without its country code is the same sender as the provider's 86... form.
    customer = customers.find_by_number(number) if number.isdigit() else None
    row = outbox.received(number, text, gateway_id, customer.id if customer else None)
    if customer is not None and is_opt_out(text) and not customer.sms_opt_out:
        set_opt_out(customer.id, True, "sms")
        log.info("customer opted out of SMS", extra=kv(customer=customer.id, message=row.id))
    return row


def set_opt_out(customer_id: int, value: bool, actor: str) -> None:
    with change(actor, "customer.sms_opt_out", str(customer_id), settled=True) as cs:
        customer = Customer.get_by_id(customer_id)
        cs.update(customer, sms_opt_out=value)


def report(gateway_id: int, external_id, status) -> int | None:
    """A delivery report: the message's id, or None when the gateway names no message of ours."""
    if not isinstance(external_id, str) or not external_id or len(external_id) > 255:
        return None
    delivered = str(status).strip().lower() in DELIVERED_WORDS
    return outbox.delivery_report(gateway_id, external_id, delivered, None if delivered else f"report: {status}")
