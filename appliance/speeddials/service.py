"""Speed dials as journaled changes.

A speed dial is dialled as if the phone had dialled its number itself (the dial plan goes
through the phone's own context), so a number is accepted only where a phone could dial it:
a number of this box, or one an outbound route dials.
"""

from __future__ import annotations

from marshmallow import validate as v

from .. import destinations, numbers
from ..db import change
from ..db.journal import utcnow
from ..db.models import SpeedDial
from ..errors import Conflict, Invalid, NotFound
from ..fields import Name, PhoneNumber, StrictSchema, StrictString, validate

CODE_PREFIX = "*0"  # *0NN: FreePBX's system speed dial habit


class SpeedDialSchema(StrictSchema):
    code = StrictString(required=True, validate=v.Regexp(r"^[0-9]{2}\Z", error="must be two digits, 00 to 99"),
                        metadata={"pattern": "^[0-9]{2}$"})
    number = PhoneNumber(required=True)
    name = Name(allow_none=True)


def to_dict(s: SpeedDial) -> dict:
    return {"code": s.code, "dial": f"{CODE_PREFIX}{s.code}", "number": s.number, "name": s.name,
            "created_at": s.created_at.isoformat() + "Z", "updated_at": s.updated_at.isoformat() + "Z"}


def listing() -> list[SpeedDial]:
    return list(SpeedDial.select().order_by(SpeedDial.code))


def get(code) -> SpeedDial:
    found = SpeedDial.get_or_none(SpeedDial.code == str(code))
    if found is None:
        raise NotFound(f"no speed dial {code}")
    return found


def _check_number(number: str) -> str:
    if numbers.in_use(number) is None and not destinations.dialable(number):
        raise Invalid(f"number: {number} is neither a number of this box nor dialled by an outbound route",
                      "number")
    return number


def create(data, actor: str) -> tuple[SpeedDial, int]:
    values = validate(SpeedDialSchema(), data)
    with change(actor, "speed_dial.create", values["code"]) as cs:
        if SpeedDial.select().where(SpeedDial.code == values["code"]).exists():
            raise Conflict(f"code: speed dial {CODE_PREFIX}{values['code']} already exists", "code")
        now = utcnow()
        entry = cs.create(SpeedDial, code=values["code"], number=_check_number(values["number"]),
                          name=values.get("name"), created_at=now, updated_at=now)
    return entry, cs.revision


def update(code, data, actor: str, *, partial: bool) -> tuple[SpeedDial, int | None]:
    get(code)
    values = validate(SpeedDialSchema(), data, partial=partial or ("code",))
    if values.get("code", code) != code:
        raise Invalid("code: cannot be changed; create a new speed dial instead", "code")
    with change(actor, "speed_dial.update", code) as cs:
        entry = get(code)
        fields = {}
        if "number" in values:
            fields["number"] = _check_number(values["number"])
        if "name" in values or not partial:
            fields["name"] = values.get("name")
        cs.update(entry, **fields)
        if not cs.empty:
            cs.update(entry, updated_at=utcnow())
    return entry, None if cs.empty else cs.revision


def delete(code, actor: str) -> int:
    with change(actor, "speed_dial.delete", str(code)) as cs:
        cs.delete(get(code))
    return cs.revision
