"""Customer levels: a name the agents see and the queue priority it gives a caller."""

from __future__ import annotations

from ..db import change
from ..db.models import Customer, CustomerLevel
from ..errors import Conflict, Invalid, NotFound
from ..fields import validate
from .schema import CustomerLevelSchema


def to_dict(level: CustomerLevel) -> dict:
    return {"id": level.id, "name": level.name, "priority": level.priority}


def get(level_id) -> CustomerLevel:
    try:
        found = CustomerLevel.get_or_none(CustomerLevel.id == int(level_id))
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound(f"no customer level {level_id}")
    return found


def listing() -> list[CustomerLevel]:
    return list(CustomerLevel.select().order_by(CustomerLevel.priority.desc(), CustomerLevel.name))


def _check_name(name: str, own_id: int | None = None) -> None:
    q = CustomerLevel.select().where(CustomerLevel.name == name)
    if own_id is not None:
        q = q.where(CustomerLevel.id != own_id)
    if q.exists():
        raise Conflict(f"a customer level named {name!r} exists already", "name")


# Levels render into nothing Asterisk loads (the queue asks for a caller's
# priority when the call comes), so their changes need no apply.

def create(data, actor: str) -> tuple[CustomerLevel, int]:
    values = validate(CustomerLevelSchema(), data)
    with change(actor, "customer_level.create", values["name"], settled=True) as cs:
        _check_name(values["name"])
        level = cs.create(CustomerLevel, **values)
    return level, cs.revision


def update(level_id, data, actor: str, *, partial: bool) -> tuple[CustomerLevel, int | None]:
    level = get(level_id)
    values = validate(CustomerLevelSchema(), data, partial=partial)
    with change(actor, "customer_level.update", level.name, settled=True) as cs:
        level = get(level_id)
        if "name" in values:
            _check_name(values["name"], level.id)
        cs.update(level, **values)
    return level, None if cs.empty else cs.revision


def delete(level_id, actor: str) -> int:
    with change(actor, "customer_level.delete", str(level_id), settled=True) as cs:
        level = get(level_id)
        holders = Customer.select().where(Customer.level == level).count()
        if holders:
            raise Conflict(f"customer level {level.name!r} is given to {holders} customer(s); "
                           f"give them another level first")
        cs.delete(level)
    return cs.revision


def named(name: str | None, known: dict[str, CustomerLevel] | None = None) -> CustomerLevel | None:
    """The level called `name` (None for none), from `known` levels by name if given."""
    if name is None:
        return None
    found = known.get(name) if known is not None else CustomerLevel.get_or_none(CustomerLevel.name == name)
    if found is None:
        names = ", ".join(level.name for level in listing())
        raise Invalid(f"level: there is no level {name!r}; the levels are: {names}", "level")
    return found
