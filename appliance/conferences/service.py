"""Conference rooms as journaled changes.

A room's number is claimed in the number table like an extension's, so it never collides
with extensions, ring groups, IVRs, queues or park slots. The box holds at most MAX_ROOMS
rooms: every room it has may run at once, so "8 rooms at once" holds by construction.
"""

from __future__ import annotations

from .. import destinations, numbers
from ..db import change
from ..db.journal import utcnow
from ..db.models import Conference
from ..errors import Conflict, Invalid, NotFound
from ..fields import validate
from .schema import DEFAULTS, MAX_ROOMS, ConferenceSchema

FIELDS = ("name", "pin", "host_pin", "max_parties", "record", "wait_for_host")


def to_dict(c: Conference) -> dict:
    return {"number": c.number, "name": c.name, "pin": c.pin, "host_pin": c.host_pin,
            "max_parties": c.max_parties, "record": c.record, "wait_for_host": c.wait_for_host}


def get(number) -> Conference:
    found = Conference.get_or_none(Conference.number == str(number))
    if found is None:
        raise NotFound(f"no conference room {number}")
    return found


def listing() -> list[Conference]:
    return list(Conference.select().order_by(Conference.number))


def _check(values: dict) -> None:
    """Rules across fields, on the room as it will be."""
    if values["pin"] and values["pin"] == values["host_pin"]:
        raise Invalid("host_pin: must differ from the participants' PIN", "host_pin")
    if values["wait_for_host"] and not values["host_pin"]:
        raise Invalid("wait_for_host: a room waits for its host only when it has a host_pin", "wait_for_host")


def create(data, actor: str) -> tuple[Conference, int]:
    values = {**DEFAULTS, **validate(ConferenceSchema(), data)}
    _check(values)
    with change(actor, "conference.create", values["number"]) as cs:
        if Conference.select().count() >= MAX_ROOMS:
            raise Conflict(f"the box holds at most {MAX_ROOMS} conference rooms; delete one first")
        numbers.ensure_free(values["number"])
        now = utcnow()
        room = cs.create(Conference, number=values["number"], **{k: values[k] for k in FIELDS},
                         created_at=now, updated_at=now)
        numbers.claim(cs, room.number, "conference", room.id, checked=True)
    return room, cs.revision


def update(number, data, actor: str, *, partial: bool) -> tuple[Conference, int | None]:
    get(number)
    values = validate(ConferenceSchema(), data, partial=partial or ("number",))
    if values.get("number", number) != number:
        raise Invalid("number: cannot be changed; create a new room instead", "number")
    with change(actor, "conference.update", number) as cs:
        room = get(number)
        base = to_dict(room) if partial else DEFAULTS
        merged = {**base, **values}
        _check(merged)
        cs.update(room, **{k: merged[k] for k in FIELDS})
        if not cs.empty:
            cs.update(room, updated_at=utcnow())
    return room, None if cs.empty else cs.revision


def delete(number, actor: str) -> int:
    with change(actor, "conference.delete", str(number)) as cs:
        room = get(number)
        destinations.ensure_unreferenced("conference", room.number, f"conference room {room.number}")
        numbers.release(cs, room.number)
        cs.delete(room)
    return cs.revision
