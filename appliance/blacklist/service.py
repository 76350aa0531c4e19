"""Blacklisted caller numbers as journaled changes.

A number is kept in the international form without '+' (appliance/customers/numbers), so
that however a person types it or a trunk sends it, it is one entry; the dial plan is given
every form a caller ID may carry it in (forms_of).
"""

from __future__ import annotations

from marshmallow import validate as v

from .. import box_settings
from ..customers.numbers import normalize
from ..db import change
from ..db.journal import utcnow
from ..db.models import BlacklistEntry
from ..errors import Conflict, Invalid, NotFound
from ..fields import Name, StrictSchema, StrictString, validate


class BlacklistSchema(StrictSchema):
    number = StrictString(required=True, validate=v.Length(1, 40))
    note = Name(allow_none=True, max_length=60)


def canonical(text) -> str:
    s = box_settings.load()
    number = normalize(text, s.country_code, s.national_prefix)
    if number is None:
        raise Invalid("number: is not a phone number", "number")
    return number


def forms_of(number: str, country_code: str, national_prefix: str) -> list[str]:
    """The ways a caller ID may show a canonical number: 8675512345678, +86..., 0086..., 075512345678.

    A number kept as written (a mobile, 13800138000, needs no prefix at home) reaches the box
    from a trunk in the international forms as well: +8613800138000 is the same caller."""
    if country_code and not number.startswith(country_code):
        return [number, *forms_of(country_code + number, country_code, national_prefix)]
    forms = [number, f"+{number}", f"00{number}"]
    if country_code and number.startswith(country_code) and len(number) > len(country_code):
        forms.append(national_prefix + number[len(country_code):])
    return forms


def to_dict(e: BlacklistEntry) -> dict:
    return {"id": e.id, "number": e.number, "note": e.note, "created_at": e.created_at.isoformat() + "Z"}


def listing() -> list[BlacklistEntry]:
    return list(BlacklistEntry.select().order_by(BlacklistEntry.number))


def get(key) -> BlacklistEntry:
    key = str(key)
    found = BlacklistEntry.get_or_none(BlacklistEntry.id == int(key)) if key.isascii() and key.isdigit() \
        and len(key) < 10 else None
    if found is None:
        raise NotFound(f"no blacklist entry {key}")
    return found


def create(data, actor: str) -> tuple[BlacklistEntry, int]:
    values = validate(BlacklistSchema(), data)
    number = canonical(values["number"])
    with change(actor, "blacklist.create", number) as cs:
        if BlacklistEntry.select().where(BlacklistEntry.number == number).exists():
            raise Conflict(f"number: {number} is already on the blacklist", "number")
        entry = cs.create(BlacklistEntry, number=number, note=values.get("note"), created_at=utcnow())
    return entry, cs.revision


def update(key, data, actor: str, *, partial: bool) -> tuple[BlacklistEntry, int | None]:
    get(key)
    values = validate(BlacklistSchema(), data, partial=partial)
    with change(actor, "blacklist.update", str(key)) as cs:
        entry = get(key)
        fields = {}
        if "number" in values:
            number = canonical(values["number"])
            other = BlacklistEntry.get_or_none(BlacklistEntry.number == number)
            if other is not None and other.id != entry.id:
                raise Conflict(f"number: {number} is already on the blacklist", "number")
            fields["number"] = number
        if "note" in values or not partial:
            fields["note"] = values.get("note")
        cs.update(entry, **fields)
    return entry, None if cs.empty else cs.revision


def delete(key, actor: str) -> int:
    with change(actor, "blacklist.delete", str(key)) as cs:
        cs.delete(get(key))
    return cs.revision


def add_number(text: str, actor: str) -> int | None:
    """*30N and *32: the number on the list (already there: nothing changes)."""
    number = canonical(text)
    if BlacklistEntry.select().where(BlacklistEntry.number == number).exists():
        return None
    return create({"number": number, "note": f"added by {actor}"}, actor)[1]


def remove_number(text: str, actor: str) -> int | None:
    """*31N: off the list."""
    entry = BlacklistEntry.get_or_none(BlacklistEntry.number == canonical(text))
    return None if entry is None else delete(entry.id, actor)
