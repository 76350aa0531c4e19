"""Page groups as journaled changes.

A group's number is one of the dial plan's numbers (appliance/numbers: no clash with an
extension, ring group, queue, room or the park). Members are extensions; one that refuses
intercom is kept in the group but left out of its pages (pbx/render/paging.py).
"""

from __future__ import annotations

from marshmallow import fields, validate as v

from .. import numbers
from ..db import change
from ..db.journal import utcnow
from ..db.models import Extension, PagingGroup, PagingGroupMember
from ..errors import Conflict, Invalid, NotFound
from ..fields import Bool, Name, Number, StrictSchema, validate
from ..ringgroups.service import member_extensions

MAX_MEMBERS = 64  # one ConfBridge conference under Page(): the box's largest room


class PagingGroupSchema(StrictSchema):
    number = Number(required=True)
    name = Name(required=True)
    members = fields.List(Number(), required=True, validate=v.Length(1, MAX_MEMBERS))
    duplex = Bool()  # True: members may talk back


def members_of(group: PagingGroup) -> list[str]:
    rows = (PagingGroupMember.select(PagingGroupMember, Extension).join(Extension)
            .where(PagingGroupMember.paging_group == group).order_by(PagingGroupMember.position))
    return [m.extension.number for m in rows]


def to_dict(g: PagingGroup) -> dict:
    return {"number": g.number, "name": g.name, "members": members_of(g), "duplex": g.duplex,
            "created_at": g.created_at.isoformat() + "Z", "updated_at": g.updated_at.isoformat() + "Z"}


def listing() -> list[PagingGroup]:
    return list(PagingGroup.select().order_by(PagingGroup.number))


def get(number) -> PagingGroup:
    found = PagingGroup.get_or_none(PagingGroup.number == str(number))
    if found is None:
        raise NotFound(f"no page group {number}")
    return found


def _set_members(cs, group: PagingGroup, exts: list[Extension]) -> None:
    for old in PagingGroupMember.select().where(PagingGroupMember.paging_group == group):
        cs.delete(old)
    for position, ext in enumerate(exts):
        cs.create(PagingGroupMember, paging_group=group, extension=ext, position=position)


def create(data, actor: str) -> tuple[PagingGroup, int]:
    values = validate(PagingGroupSchema(), data)
    with change(actor, "paging_group.create", values["number"]) as cs:
        numbers.ensure_free(values["number"])
        exts = member_extensions(values["members"])
        now = utcnow()
        group = cs.create(PagingGroup, number=values["number"], name=values["name"],
                          duplex=values.get("duplex", False), created_at=now, updated_at=now)
        numbers.claim(cs, group.number, "paging_group", group.id, checked=True)
        _set_members(cs, group, exts)
    return group, cs.revision


def update(number, data, actor: str, *, partial: bool) -> tuple[PagingGroup, int | None]:
    get(number)
    values = validate(PagingGroupSchema(), data, partial=partial or ("number",))
    if values.get("number", number) != number:
        raise Invalid("number: cannot be changed; create a new page group instead", "number")
    with change(actor, "paging_group.update", number) as cs:
        group = get(number)
        fields_ = {"name": values["name"]} if "name" in values else {}
        if "duplex" in values or not partial:
            fields_["duplex"] = values.get("duplex", False)
        cs.update(group, **fields_)
        if "members" in values and values["members"] != members_of(group):
            _set_members(cs, group, member_extensions(values["members"]))
        if not cs.empty:
            cs.update(group, updated_at=utcnow())
    return group, None if cs.empty else cs.revision


def delete(number, actor: str) -> int:
    with change(actor, "paging_group.delete", str(number)) as cs:
        group = get(number)
        for member in PagingGroupMember.select().where(PagingGroupMember.paging_group == group):
            cs.delete(member)
        numbers.release(cs, group.number)
        cs.delete(group)
    return cs.revision


def remove_extension(cs, ext: Extension) -> None:
    """An extension being deleted leaves every page group; a group left empty is refused."""
    for member in PagingGroupMember.select().where(PagingGroupMember.extension == ext):
        group = member.paging_group
        if PagingGroupMember.select().where(PagingGroupMember.paging_group == group).count() == 1:
            raise Conflict(f"extension {ext.number} is the only member of page group {group.number}; "
                           f"change or delete the group first")
        cs.delete(member)
