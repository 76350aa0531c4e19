"""Span and port settings: checked against the cards the scan found, stored as journaled changes.

A span or port exists for the API only while the box has the card: its number
is DAHDI's, and the scan says which channels it has and whether the card
cancels echo itself. A refusal names its field and changes nothing.
"""

from __future__ import annotations

from marshmallow import fields, validate as mvalidate

from ..db import change
from ..db.models import DahdiPort, DahdiSpan, Extension, Trunk
from ..errors import Invalid
from ..fields import Bool, Number, StrictSchema, StrictString, validate

SIGNALLING = ("pri_net", "pri_cpe", "mfcr2", "unused")
# openr2's variants (r2test -l); China's is "cn".
R2_VARIANTS = ("cn", "itu", "ar", "br", "co", "cz", "ec", "id", "mx", "ph", "ve")
R2_CATEGORIES = ("national_subscriber", "national_priority_subscriber", "international_subscriber",
                 "international_priority_subscriber", "collect_call")


class SpanSchema(StrictSchema):
    signalling = StrictString(required=True, validate=mvalidate.OneOf(SIGNALLING))
    framing = StrictString(validate=mvalidate.OneOf(("ccs", "cas")))
    coding = StrictString(validate=mvalidate.OneOf(("hdb3", "ami")))
    crc4 = Bool()
    timing = fields.Integer(strict=True, validate=mvalidate.Range(0, 32))
    switchtype = StrictString(validate=mvalidate.OneOf(("euroisdn", "national")))
    overlap = Bool()
    r2_variant = StrictString(validate=mvalidate.OneOf(R2_VARIANTS))
    r2_max_ani = fields.Integer(strict=True, validate=mvalidate.Range(1, 20))
    r2_max_dnis = fields.Integer(strict=True, validate=mvalidate.Range(1, 20))
    r2_category = StrictString(validate=mvalidate.OneOf(R2_CATEGORIES))
    r2_double_answer = Bool()
    trunk = fields.Integer(strict=True, allow_none=True)


class PortSchema(StrictSchema):
    kind = StrictString(required=True, validate=mvalidate.OneOf(("fxs", "fxo")))
    extension = Number(allow_none=True)
    trunk = fields.Integer(strict=True, allow_none=True)


SPAN_DEFAULTS = {"framing": "ccs", "coding": "hdb3", "crc4": True, "timing": 0, "switchtype": "euroisdn",
                 "overlap": False, "r2_variant": "cn", "r2_max_ani": 10, "r2_max_dnis": 4,
                 "r2_category": "national_subscriber", "r2_double_answer": False, "trunk": None}
SPAN_FIELDS = ("signalling", *SPAN_DEFAULTS)


def _found_spans(found: dict) -> dict[int, tuple[dict, dict]]:
    return {s["span"]: (card, s) for card in found["cards"] for s in card["spans"]}


def _found_ports(found: dict) -> dict[int, tuple[dict, dict]]:
    return {p["port"]: (card, p) for card in found["cards"] for p in card["ports"]}


def _number(value, what: str, have: int) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = 0
    if n < 1 or n > have:
        raise Invalid(f"{what}: the box's cards have {have} {what}s, there is no {what} {value}", what)
    return n


def span_doc(n: int, card: dict, found_span: dict) -> dict:
    row = DahdiSpan.get_or_none(DahdiSpan.number == n)
    settings = {"signalling": "unused", **SPAN_DEFAULTS}
    if row is not None:
        settings = {f: getattr(row, f) for f in SPAN_FIELDS if f != "trunk"} | {"trunk": row.trunk_id}
    return {"span": n, "card": card["name"], "kinds": found_span["kinds"],
            "first_channel": found_span["first_channel"], **settings}


def port_doc(n: int, card: dict, found_port: dict) -> dict:
    row = DahdiPort.get_or_none(DahdiPort.number == n)
    extension = row.extension.number if row is not None and row.extension_id else None
    doc = {"port": n, "card": card["name"], "kinds": found_port["kinds"], "channel": found_port["channel"],
           "kind": row.kind if row else None, "extension": extension, "trunk": row.trunk_id if row else None}
    if "looped_to" in found_port:  # a software port: the port at the other end of its line
        doc["looped_to"] = found_port["looped_to"]
    return doc


def get_span(found: dict, value) -> dict:
    spans = _found_spans(found)
    n = _number(value, "span", len(spans))
    return span_doc(n, *spans[n])


def get_port(found: dict, value) -> dict:
    ports = _found_ports(found)
    n = _number(value, "port", len(ports))
    return port_doc(n, *ports[n])


def _dahdi_trunk(trunk_id: int, field: str = "trunk") -> Trunk:
    trunk = Trunk.get_or_none(Trunk.id == trunk_id)
    if trunk is None or trunk.kind != "dahdi":
        raise Invalid(f"{field}: no DAHDI trunk {trunk_id}", field)
    return trunk


def put_span(found: dict, value, data, actor: str) -> int | None:
    spans = _found_spans(found)
    n = _number(value, "span", len(spans))
    card, found_span = spans[n]
    values = {**SPAN_DEFAULTS, **validate(SpanSchema(), data)}
    if "framing" not in data:
        values["framing"] = "cas" if values["signalling"] == "mfcr2" else "ccs"
    _check_span(n, found_span, values)
    with change(actor, "hardware.span", str(n)) as cs:
        if values["trunk"] is not None:
            _dahdi_trunk(values["trunk"])
            if DahdiPort.select().where(DahdiPort.trunk == values["trunk"]).exists():
                raise Invalid("trunk: this trunk is a group of analog lines; a span is a trunk of its own", "trunk")
        row = DahdiSpan.get_or_none(DahdiSpan.number == n)
        if row is not None and row.trunk_id not in (None, values["trunk"]):
            raise Invalid(f"trunk: span {n} is trunk {row.trunk_id}'s; take it off that trunk first", "trunk")
        for other in DahdiSpan.select().where(DahdiSpan.number != n, DahdiSpan.timing > 0):
            if values["timing"] and other.timing == values["timing"]:
                raise Invalid(f"timing: span {other.number} is already clock source {values['timing']}", "timing")
        stored = {**{k: v for k, v in values.items() if k != "trunk"}, "trunk": values["trunk"],
                  "first_channel": found_span["first_channel"], "dahdi_span": found_span["dahdi_span"],
                  "hw_echocan": bool(card.get("hw_echocan")), "software": bool(found_span.get("software"))}
        if row is None:
            cs.create(DahdiSpan, number=n, **stored)
        else:
            cs.update(row, **stored)
    return None if cs.empty else cs.revision


def _check_span(n: int, found_span: dict, values: dict) -> None:
    signalling = values["signalling"]
    if signalling != "unused" and "e1" not in found_span["kinds"]:
        raise Invalid(f"signalling: span {n} is not an E1 span", "signalling")
    if signalling == "mfcr2" and values["framing"] != "cas":
        raise Invalid("framing: MFC/R2 signals in timeslot 16: framing must be cas", "framing")
    if signalling in ("pri_net", "pri_cpe") and values["framing"] != "ccs":
        raise Invalid("framing: PRI carries its D channel in timeslot 16: framing must be ccs", "framing")
    if signalling == "pri_net" and values["timing"]:
        # The network side gives the clock; taking it back from the same line would loop.
        raise Invalid("timing: a network-side (pri_net) span gives the clock and cannot be a timing source",
                      "timing")
    if signalling == "unused" and (values["timing"] or values["trunk"] is not None):
        field = "timing" if values["timing"] else "trunk"
        raise Invalid(f"{field}: an unused span carries no calls and gives no clock", field)


def put_port(found: dict, value, data, actor: str) -> int | None:
    ports = _found_ports(found)
    n = _number(value, "port", len(ports))
    card, found_port = ports[n]
    values = {"extension": None, "trunk": None, **validate(PortSchema(), data)}
    kind = values["kind"]
    if kind not in found_port["kinds"]:
        raise Invalid(f"kind: port {n} has no {kind} module", "kind")
    if kind == "fxs" and values["trunk"] is not None:
        raise Invalid("trunk: an FXS port serves a phone (an extension), not a trunk", "trunk")
    if kind == "fxo" and values["extension"] is not None:
        raise Invalid("extension: an FXO port is a line to the exchange (a trunk), not an extension", "extension")
    with change(actor, "hardware.port", str(n)) as cs:
        extension = None
        if values["extension"] is not None:
            extension = Extension.get_or_none(Extension.number == values["extension"])
            if extension is None:
                raise Invalid(f"extension: no extension {values['extension']}", "extension")
            taken = DahdiPort.get_or_none(DahdiPort.extension == extension, DahdiPort.number != n)
            if taken is not None:
                raise Invalid(f"extension: {extension.number} is on port {taken.number} already", "extension")
        if values["trunk"] is not None:
            _dahdi_trunk(values["trunk"])
            if DahdiSpan.select().where(DahdiSpan.trunk == values["trunk"]).exists():
                raise Invalid("trunk: this trunk is an E1 span; analog lines make a trunk of their own", "trunk")
        row = DahdiPort.get_or_none(DahdiPort.number == n)
        stored = {"kind": kind, "extension": extension, "trunk": values["trunk"], "channel": found_port["channel"],
                  "hw_echocan": bool(card.get("hw_echocan")), "software": bool(found_port.get("software"))}
        if row is None:
            cs.create(DahdiPort, number=n, **stored)
        else:
            cs.update(row, **stored)
    return None if cs.empty else cs.revision
