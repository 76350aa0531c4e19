"""Where a call goes: the one value type shared by IVR options, ring groups and inbound routes.

A destination is (kind, target): an extension (rings it, then its voicemail),
a mailbox (straight to voicemail), a ring group, an IVR, a queue, a time condition,
a conference room, an outside number, the fax receiver, or hang up. Targets
are checked to exist when a change is made, and anything still referred to
cannot be deleted (the error names what refers to it).
"""

from __future__ import annotations

import json
import re

from marshmallow import ValidationError, fields, validates_schema

from .db.models import (Conference, Extension, InboundRoute, Ivr, IvrOption, Mailbox, OutboundPattern, Queue, RingGroup,
                        TimeCondition)
from .errors import Conflict, Invalid
from .fields import StrictSchema, StrictString

KINDS = ("extension", "voicemail", "ring_group", "ivr", "queue", "time_condition", "conference", "external",
         "fax", "hangup")
UNTARGETED = ("fax", "hangup")  # kinds that name no target


class DestinationSchema(StrictSchema):
    kind = StrictString(required=True)
    target = StrictString(allow_none=True)

    @validates_schema
    def _shape(self, data, **kwargs):
        kind = data.get("kind")
        if kind not in KINDS:
            raise ValidationError(f"must be one of {', '.join(KINDS)}", "kind")
        target = data.get("target")
        if kind in UNTARGETED:
            if target not in (None, ""):
                raise ValidationError(f"{'hang up' if kind == 'hangup' else kind} takes no target", "target")
        elif kind == "external":
            if not target or not re.fullmatch(r"\+?[0-9]{2,20}", target):
                raise ValidationError("must be a phone number: digits, optionally after a +", "target")
        elif not target or not target.isascii() or not target.isdigit() or len(target) > 8:
            raise ValidationError("must be a number", "target")


def Destination(**kwargs) -> fields.Nested:
    return fields.Nested(DestinationSchema, **kwargs)


def check_exists(dest: dict, field: str) -> tuple[str, str | None]:
    """The destination as (kind, target) if its target exists, else Invalid naming `field`."""
    kind, target = dest["kind"], dest.get("target") or None
    found = {
        "extension": lambda: Extension.select().where(Extension.number == target).exists(),
        "voicemail": lambda: Mailbox.select().where(Mailbox.number == target).exists(),
        "ring_group": lambda: RingGroup.select().where(RingGroup.number == target).exists(),
        "ivr": lambda: Ivr.select().where(Ivr.id == int(target)).exists(),
        "queue": lambda: Queue.select().where(Queue.number == target).exists(),
        "time_condition": lambda: TimeCondition.select().where(TimeCondition.id == int(target)).exists(),
        "conference": lambda: Conference.select().where(Conference.number == target).exists(),
        "external": lambda: _dialable(target),
        "fax": lambda: True,
        "hangup": lambda: True,
    }[kind]()
    if not found:
        if kind == "external":
            raise Invalid(f"{field}: no outbound route dials {target}", field)
        what = {"extension": "extension", "voicemail": "mailbox", "ring_group": "ring group", "ivr": "IVR",
                "queue": "queue", "time_condition": "time condition",
                "conference": "conference room"}[kind]
        raise Invalid(f"{field}: there is no {what} {target}", field)
    return kind, target


def matches(pattern: str, number: str) -> bool:
    """Whether an Asterisk extension pattern (digits, or _ with X N Z . !) matches a number."""
    if not pattern.startswith("_"):
        return pattern == number
    rx = "".join({"X": "[0-9]", "N": "[2-9]", "Z": "[1-9]", ".": ".+", "!": ".*"}.get(c, re.escape(c))
                 for c in pattern[1:])
    return re.fullmatch(rx, number) is not None


def dialable(number: str) -> bool:
    """Whether an outbound route dials this number."""
    return _dialable(number)


def _dialable(number: str) -> bool:
    return any(matches(p.pattern, number) for p in OutboundPattern.select(OutboundPattern.pattern))


def as_dict(kind: str, target: str | None) -> dict:
    return {"kind": kind, "target": target}


def referrers(kind: str, target: str) -> list[str]:
    """What sends calls to this destination, in words (empty when nothing does)."""
    out = []
    for r in InboundRoute.select().where(InboundRoute.dest_kind == kind, InboundRoute.dest_target == target):
        out.append(f"inbound route {r.name!r}")
    for g in RingGroup.select().where(RingGroup.dest_kind == kind, RingGroup.dest_target == target):
        out.append(f"ring group {g.number}")
    for ivr in Ivr.select().where(
            ((Ivr.timeout_kind == kind) & (Ivr.timeout_target == target))
            | ((Ivr.invalid_kind == kind) & (Ivr.invalid_target == target))):
        out.append(f"IVR {ivr.name!r}")
    for opt in IvrOption.select(IvrOption, Ivr).join(Ivr).where(
            IvrOption.dest_kind == kind, IvrOption.dest_target == target):
        out.append(f"IVR {opt.ivr.name!r} (key {opt.digit})")
    for ivr in Ivr.select().where(Ivr.steps.contains('"fallback"')):
        if any((s.get("fallback") or {}).get("kind") == kind and s["fallback"].get("target") == target
               for s in json.loads(ivr.steps)):
            out.append(f"IVR {ivr.name!r} (a lookup's fallback)")
    for q in Queue.select().where(Queue.overflow_kind == kind, Queue.overflow_target == target):
        out.append(f"queue {q.number}")
    for tc in TimeCondition.select().where(
            ((TimeCondition.matched_kind == kind) & (TimeCondition.matched_target == target))
            | ((TimeCondition.unmatched_kind == kind) & (TimeCondition.unmatched_target == target))):
        out.append(f"time condition {tc.name!r}")
    from . import box_settings

    blacklisted = box_settings.load().blacklist_destination
    if blacklisted and (blacklisted.get("kind"), blacklisted.get("target")) == (kind, target):
        out.append("the blacklist (where blacklisted callers go)")
    return sorted(set(out))


def ensure_unreferenced(kind: str, target: str, what: str) -> None:
    users = referrers(kind, target)
    if users:
        raise Conflict(f"{what} is in use by {', '.join(users[:5])}" + (" and more" if len(users) > 5 else ""))
