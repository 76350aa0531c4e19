"""The dial plan's numbers: each belongs to one extension, ring group, IVR, queue, conference room or page
group.

Owners claim their number inside the same change that creates them, so the
primary key of the number table makes a clash impossible, across kinds too.
"""

from __future__ import annotations

from . import box_settings
from .db.models import Mailbox, Number
from .errors import Conflict

KINDS = {"extension": "extension", "ring_group": "ring group", "ivr": "IVR", "queue": "queue",
         "conference": "conference room", "paging_group": "page group"}


def in_use(number: str, parking: bool = True) -> str | None:
    """What holds the number, in words, or None when it is free (`parking`: park slots count)."""
    if parking and number in box_settings.park_numbers(box_settings.load().park_slots):
        return "call park"
    found = Number.get_or_none(Number.number == number)
    if found is not None:
        return KINDS.get(found.kind, found.kind)
    if Mailbox.select().where(Mailbox.number == number).exists():
        return "mailbox"
    return None


def taken() -> set[str]:
    """Every number in use, for checking many at once."""
    return ({n.number for n in Number.select(Number.number)} | {m.number for m in Mailbox.select(Mailbox.number)}
            | set(box_settings.park_numbers(box_settings.load().park_slots)))


def ensure_free(number: str, field: str = "number") -> None:
    holder = in_use(number)
    if holder:
        article = "an" if holder[0] in "aeiouI" else "a"
        raise Conflict(f"number {number} is already in use by {article} {holder}", field)


def claim(cs, number: str, kind: str, owner_id: int, field: str = "number", *, checked: bool = False) -> None:
    """Record the number as the owner's. `checked`: the caller already knows it is free
    (the number table's primary key still refuses a clash)."""
    if not checked:
        ensure_free(number, field)
    cs.create(Number, number=number, kind=kind, owner_id=owner_id)


def release(cs, number: str) -> None:
    found = Number.get_or_none(Number.number == number)
    if found is not None:
        cs.delete(found)
