"""Permission classes as journaled changes, and the one check of a number against a class.

The model: an outbound route's pattern says what kind of number it dials ("reach": local,
national or international: a fact about the numbers, which the administrator knows from the
pattern); a class is a set of reaches. One route (one provider, one outside-line prefix) usually
carries all three kinds, so the reach sits on each pattern rather than on the route; classes
combine reaches freely ("local and international but not national") and adding a class never
touches a route. Emergency numbers (a box setting) go out whatever the class.

The dial plan enforces it (appliance/pbx/render/dialplan.py: callbox-permit and
callbox-on-behalf); check() here says the same thing before the box places a call for someone,
so that nobody waits for a call the dial plan would refuse.
"""

from __future__ import annotations

from marshmallow import fields, validate as v

from .. import box_settings
from ..db import change
from ..db.models import Extension, OutboundPattern, PermissionClass, Queue
from ..destinations import matches
from ..errors import Conflict, Invalid, NotFound
from ..fields import Name, StrictSchema, StrictString, validate

REACHES = ("local", "national", "international")
BUILTIN = ("internal", "local", "national", "international")
DEFAULT_EXTENSION_CLASS = "international"  # as before classes existed: every route
DEFAULT_CALLBACK_CLASS = "national"  # a caller's presented number can be forged: never abroad by default
NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,29}$"


class PermissionClassSchema(StrictSchema):
    name = StrictString(required=True, validate=v.Regexp(
        NAME_PATTERN, error="must be a class name: lower-case letters, digits, _ and -, starting with a letter"))
    reach = fields.List(StrictString(validate=v.OneOf(REACHES)), required=True, validate=v.Length(max=3))
    note = Name(allow_none=True, max_length=60)


class PermissionClassUpdateSchema(PermissionClassSchema):
    """PUT and PATCH: the name is the key extensions and queues use; it cannot change."""

    name = StrictString()


def reach_of(c: PermissionClass) -> list[str]:
    return [r for r in REACHES if r in c.reach.split(",")]


def users_of(name: str) -> list[str]:
    """What is assigned this class, in words."""
    out = [f"extension {e.number}" for e in Extension.select(Extension.number)
           .where(Extension.permission_class == name).order_by(Extension.number)]
    out += [f"queue {q.number} (callbacks)" for q in Queue.select(Queue.number)
            .where(Queue.callback_class == name).order_by(Queue.number)]
    return out


def to_dict(c: PermissionClass) -> dict:
    return {"name": c.name, "reach": reach_of(c), "builtin": c.builtin, "note": c.note,
            "extensions": Extension.select().where(Extension.permission_class == c.name).count()}


def listing() -> list[PermissionClass]:
    return list(PermissionClass.select().order_by(PermissionClass.builtin.desc(), PermissionClass.id))


def get(name) -> PermissionClass:
    found = PermissionClass.get_or_none(PermissionClass.name == str(name))
    if found is None:
        raise NotFound(f"no permission class {name}")
    return found


def ensure_exists(name: str, field: str) -> str:
    """For an extension's or a queue's field: the class must exist (422 naming the field)."""
    if not PermissionClass.select().where(PermissionClass.name == name).exists():
        known = ", ".join(c.name for c in listing())
        raise Invalid(f"{field}: there is no permission class {name!r} (there are: {known})", field)
    return name


def create(data, actor: str) -> tuple[PermissionClass, int]:
    values = validate(PermissionClassSchema(), data)
    with change(actor, "permission_class.create", values["name"]) as cs:
        if PermissionClass.select().where(PermissionClass.name == values["name"]).exists():
            raise Conflict(f"name: a permission class {values['name']!r} exists already", "name")
        c = cs.create(PermissionClass, name=values["name"], reach=_reach(values["reach"]), builtin=False,
                      note=values.get("note"))
    return c, cs.revision


def update(name, data, actor: str, *, partial: bool) -> tuple[PermissionClass, int | None]:
    get(name)
    values = validate(PermissionClassUpdateSchema(), data, partial=partial)
    if values.get("name", name) != name:
        raise Invalid("name: cannot be changed; create a new class instead", "name")
    with change(actor, "permission_class.update", str(name)) as cs:
        c = get(name)
        fields_ = {}
        if "reach" in values:
            fields_["reach"] = _reach(values["reach"])
        elif not partial:
            raise Invalid("reach: is required", "reach")
        if "note" in values or not partial:
            fields_["note"] = values.get("note")
        if c.builtin and fields_.get("reach", c.reach) != c.reach:
            raise Conflict(f"permission class {c.name!r} is built in: its reach cannot change; "
                           "make a class of your own", "reach")
        cs.update(c, **fields_)
    return c, None if cs.empty else cs.revision


def delete(name, actor: str) -> int:
    with change(actor, "permission_class.delete", str(name)) as cs:
        c = get(name)
        if c.builtin:
            raise Conflict(f"permission class {c.name!r} is built in and stays")
        users = users_of(c.name)
        if users:
            raise Conflict(f"permission class {c.name!r} is in use by {', '.join(users[:5])}"
                           + (" and more" if len(users) > 5 else ""))
        cs.delete(c)
    return cs.revision


def _reach(values: list[str]) -> str:
    return ",".join(r for r in REACHES if r in values)


def on_behalf(number: str, permission_class: str, by: str) -> tuple[str, list]:
    """The channel that reaches `number` for someone, and the variables its call carries: an
    extension on its own endpoint (its forwards and voicemail stay out of it); any other number
    through callbox-dial-for -> callbox-on-behalf and the outbound routes, as a phone's call would
    leave, within `permission_class` (checked again there) and logged as placed for `by`."""
    from ..pbx.render.dialplan import DIAL_FOR_CONTEXT

    if Extension.select().where(Extension.number == number).exists():
        return f"PJSIP/{number}", []
    return f"Local/{number}@{DIAL_FOR_CONTEXT}", [("Variable", f"__CALLBOX_FOR_CLASS={permission_class}"),
                                                   ("Variable", f"__CALLBOX_FOR={by}")]


def class_of_user(user) -> str:
    """What a person signed in to the web UI may dial through the box (a supervisor moving a call
    outside): their extension's class; without one, administrators anything, others national."""
    if user.extension_id is not None:
        ext = Extension.get_or_none(Extension.id == user.extension_id)
        if ext is not None:
            return ext.permission_class
    return "international" if user.role == "admin" else DEFAULT_CALLBACK_CLASS


def emergency_numbers() -> tuple[str, ...]:
    return tuple(box_settings.load().emergency_numbers)


def check(class_name: str, number: str) -> str | None:
    """Whether the box may dial `number` (as an outbound route would see it) for someone of this
    class: None when it may, else the reason in words."""
    if not number.isascii() or not number.isdigit():
        return "not a phone number"
    if number in emergency_numbers():
        return None
    c = PermissionClass.get_or_none(PermissionClass.name == class_name)
    if c is None:
        return f"no permission class {class_name}"
    reach = None
    # Asterisk takes the most specific matching pattern; the longest literal prefix stands in for it.
    for p in sorted(OutboundPattern.select(), key=lambda p: -_specificity(p.pattern)):
        if matches(p.pattern, number):
            reach = p.reach
            break
    if reach is None:
        return "no outbound route dials it"
    if reach not in reach_of(c):
        return f"{reach} numbers are not allowed to class {c.name}"
    return None


def _specificity(pattern: str) -> int:
    body = pattern[1:] if pattern.startswith("_") else pattern
    literal = 0
    for ch in body:
        if not ch.isdigit():
            break
        literal += 1
    return 1000 if not pattern.startswith("_") else literal
