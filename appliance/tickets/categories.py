"""The ticket category tree: each category may set a time limit and a default department."""

from __future__ import annotations

from ..db import change
from ..db.models import Ticket, TicketCategory
from ..errors import Conflict, Invalid, NotFound
from ..fields import validate
from . import departments
from .schema import CategorySchema, by_id


def tree() -> dict[int, TicketCategory]:
    """Every category by id."""
    return {x.id: x for x in TicketCategory.select()}


def path(c: TicketCategory, by_id: dict[int, TicketCategory] | None = None) -> str:
    """"Parent / Child": a category as people name it."""
    by_id = by_id if by_id is not None else tree()
    names, seen = [], set()
    node: TicketCategory | None = c
    while node is not None and node.id not in seen:
        seen.add(node.id)
        names.append(node.name)
        node = by_id.get(node.parent_id) if node.parent_id else None
    return " / ".join(reversed(names))


def to_dict(c: TicketCategory) -> dict:
    return {"id": c.id, "name": c.name, "path": path(c), "parent": c.parent_id,
            "time_limit_hours": c.time_limit_hours, "department": c.department_id}


def get(category_id) -> TicketCategory:
    found = by_id(TicketCategory, category_id)
    if found is None:
        raise NotFound(f"no ticket category {category_id}")
    return found


def known(category_id: int | None, field: str = "category") -> TicketCategory | None:
    found = by_id(TicketCategory, category_id)
    if found is None and category_id is not None:
        raise Invalid(f"{field}: there is no ticket category {category_id}", field)
    return found


def listing() -> list[TicketCategory]:
    """Depth first, by name: a tree as it reads."""
    rows = list(TicketCategory.select().order_by(TicketCategory.name))
    children: dict[int | None, list[TicketCategory]] = {}
    for c in rows:
        children.setdefault(c.parent_id, []).append(c)
    ordered: list[TicketCategory] = []

    def walk(parent_id):
        for c in children.get(parent_id, []):
            ordered.append(c)
            walk(c.id)

    walk(None)
    return ordered


def _check(values: dict, own: TicketCategory | None = None) -> None:
    parent = known(values.get("parent"), "parent") if "parent" in values else (
        own.parent if own is not None and own.parent_id else None)
    departments.known(values.get("department"))
    name = values.get("name", own.name if own else None)
    node = parent
    while node is not None:  # a category may not sit under itself
        if own is not None and node.id == own.id:
            raise Invalid("parent: a category cannot be placed under itself or its own subcategory", "parent")
        node = node.parent if node.parent_id else None
    q = TicketCategory.select().where(TicketCategory.name == name,
                                      TicketCategory.parent == parent if parent else TicketCategory.parent.is_null())
    if own is not None:
        q = q.where(TicketCategory.id != own.id)
    if q.exists():
        raise Conflict(f"a category named {name!r} exists already there", "name")


def create(data, actor: str) -> tuple[TicketCategory, int]:
    values = validate(CategorySchema(), data)
    with change(actor, "ticket_category.create", values["name"], settled=True) as cs:
        _check(values)
        category = cs.create(TicketCategory, name=values["name"], parent=values.get("parent"),
                             time_limit_hours=values.get("time_limit_hours"), department=values.get("department"))
    return category, cs.revision


def update(category_id, data, actor: str, *, partial: bool) -> tuple[TicketCategory, int | None]:
    category = get(category_id)
    values = validate(CategorySchema(), data, partial=partial)
    with change(actor, "ticket_category.update", category.name, settled=True) as cs:
        category = get(category_id)
        _check(values, category)
        fields = {k: values.get(k) for k in ("name", "parent", "time_limit_hours", "department")
                  if k in values or not partial}
        cs.update(category, **fields)
    return category, None if cs.empty else cs.revision


def delete(category_id, actor: str) -> int:
    with change(actor, "ticket_category.delete", str(category_id), settled=True) as cs:
        category = get(category_id)
        if TicketCategory.select().where(TicketCategory.parent == category).exists():
            raise Conflict(f"ticket category {category.name!r} has subcategories; delete or move them first")
        used = Ticket.select().where(Ticket.category == category).count()
        if used:
            raise Conflict(f"ticket category {category.name!r} is given to {used} ticket(s)")
        cs.delete(category)
    return cs.revision
