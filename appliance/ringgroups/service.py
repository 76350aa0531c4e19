"""Ring groups as journaled changes."""

from __future__ import annotations

from .. import destinations, numbers
from ..db import change
from ..db.journal import utcnow
from ..db.models import Extension, RingGroup, RingGroupMember
from ..errors import Conflict, Invalid, NotFound
from ..fields import validate
from .schema import DEFAULTS, RingGroupSchema


def members_of(group: RingGroup) -> list[str]:
    rows = (RingGroupMember.select(RingGroupMember, Extension).join(Extension)
            .where(RingGroupMember.ring_group == group).order_by(RingGroupMember.position))
    return [m.extension.number for m in rows]


def to_dict(g: RingGroup) -> dict:
    return {"number": g.number, "name": g.name, "strategy": g.strategy, "ring_seconds": g.ring_seconds,
            "members": members_of(g), "no_answer": destinations.as_dict(g.dest_kind, g.dest_target)}


def get(number: str) -> RingGroup:
    found = RingGroup.get_or_none(RingGroup.number == number)
    if found is None:
        raise NotFound(f"no ring group {number}")
    return found


def listing() -> list[RingGroup]:
    return list(RingGroup.select().order_by(RingGroup.number))


def member_extensions(members: list[str]) -> list[Extension]:
    """The extensions a group lists, in its order (each once, each existing)."""
    if len(set(members)) != len(members):
        raise Invalid("members: an extension is listed twice", "members")
    found = {e.number: e for e in Extension.select().where(Extension.number.in_(members))}
    missing = [m for m in members if m not in found]
    if missing:
        raise Invalid(f"members: there is no extension {missing[0]}", "members")
    return [found[m] for m in members]


def _set_members(cs, group: RingGroup, exts: list[Extension]) -> None:
    for old in RingGroupMember.select().where(RingGroupMember.ring_group == group):
        cs.delete(old)
    for position, ext in enumerate(exts):
        cs.create(RingGroupMember, ring_group=group, extension=ext, position=position)


def create(data, actor: str) -> tuple[RingGroup, int]:
    values = validate(RingGroupSchema(), data)
    with change(actor, "ring_group.create", values["number"]) as cs:
        group = add(cs, values)
    return group, cs.revision


def add(cs, values: dict) -> RingGroup:
    """Create within the change `cs` from validated values."""
    values = {**DEFAULTS, **values}
    numbers.ensure_free(values["number"])
    exts = member_extensions(values["members"])
    kind, target = destinations.check_exists(values["no_answer"], "no_answer")
    now = utcnow()
    group = cs.create(RingGroup, number=values["number"], name=values["name"], strategy=values["strategy"],
                      ring_seconds=values["ring_seconds"], dest_kind=kind, dest_target=target,
                      created_at=now, updated_at=now)
    numbers.claim(cs, group.number, "ring_group", group.id)
    _set_members(cs, group, exts)
    return group


def update(number: str, data, actor: str, *, partial: bool) -> tuple[RingGroup, int | None]:
    get(number)
    values = validate(RingGroupSchema(), data, partial=partial or ("number",))
    if values.get("number", number) != number:
        raise Invalid("number: cannot be changed; create a new ring group instead", "number")
    if not partial:
        values = {**DEFAULTS, **values}
    with change(actor, "ring_group.update", number) as cs:
        group = get(number)
        fields = {k: values[k] for k in ("name", "strategy", "ring_seconds") if k in values}
        if "no_answer" in values:
            fields["dest_kind"], fields["dest_target"] = destinations.check_exists(values["no_answer"], "no_answer")
            if fields["dest_kind"] == "ring_group" and fields["dest_target"] == number:
                raise Invalid("no_answer: a ring group cannot send its unanswered calls to itself", "no_answer")
        cs.update(group, **fields)
        if "members" in values and values["members"] != members_of(group):
            _set_members(cs, group, member_extensions(values["members"]))
        if not cs.empty:
            cs.update(group, updated_at=utcnow())
    return group, None if cs.empty else cs.revision


def delete(number: str, actor: str) -> int:
    with change(actor, "ring_group.delete", number) as cs:
        group = get(number)
        destinations.ensure_unreferenced("ring_group", number, f"ring group {number}")
        for member in RingGroupMember.select().where(RingGroupMember.ring_group == group):
            cs.delete(member)
        numbers.release(cs, number)
        cs.delete(group)
    return cs.revision


def remove_extension(cs, ext: Extension) -> None:
    """An extension being deleted leaves every group; a group left empty is refused."""
    for member in RingGroupMember.select().where(RingGroupMember.extension == ext):
        group = member.ring_group
        if RingGroupMember.select().where(RingGroupMember.ring_group == group).count() == 1:
            raise Conflict(f"extension {ext.number} is the only member of ring group {group.number}; "
                          f"change or delete the group first")
        cs.delete(member)
