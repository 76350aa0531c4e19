"""Departments tickets are dispatched to, with the contacts staff reach them by.

They render into nothing Asterisk loads: changes are journaled settled (audit, no apply).
"""

from __future__ import annotations

from ..db import change
from ..db.journal import utcnow
from ..db.models import Department, Ticket, TicketCategory, User
from ..errors import Conflict, Invalid, NotFound
from ..fields import validate
from .schema import DepartmentSchema, by_id


def to_dict(d: Department) -> dict:
    return {"id": d.id, "name": d.name, "phone": d.phone, "email": d.email,
            "created_at": d.created_at.isoformat() + "Z", "updated_at": d.updated_at.isoformat() + "Z"}


def get(department_id) -> Department:
    found = by_id(Department, department_id)
    if found is None:
        raise NotFound(f"no department {department_id}")
    return found


def known(department_id: int | None, field: str = "department") -> Department | None:
    """The department a request names by id (None for none); 422 naming `field` if there is none."""
    found = by_id(Department, department_id)
    if found is None and department_id is not None:
        raise Invalid(f"{field}: there is no department {department_id}", field)
    return found


def listing() -> list[Department]:
    return list(Department.select().order_by(Department.name))


def _check_name(name: str, own_id: int | None = None) -> None:
    q = Department.select().where(Department.name == name)
    if own_id is not None:
        q = q.where(Department.id != own_id)
    if q.exists():
        raise Conflict(f"a department named {name!r} exists already", "name")


def create(data, actor: str) -> tuple[Department, int]:
    values = validate(DepartmentSchema(), data)
    with change(actor, "department.create", values["name"], settled=True) as cs:
        _check_name(values["name"])
        now = utcnow()
        department = cs.create(Department, name=values["name"], phone=values.get("phone"),
                               email=values.get("email"), created_at=now, updated_at=now)
    return department, cs.revision


def update(department_id, data, actor: str, *, partial: bool) -> tuple[Department, int | None]:
    department = get(department_id)
    values = validate(DepartmentSchema(), data, partial=partial)
    with change(actor, "department.update", department.name, settled=True) as cs:
        department = get(department_id)
        if "name" in values:
            _check_name(values["name"], department.id)
        fields = {k: values.get(k) for k in ("name", "phone", "email") if k in values or not partial}
        cs.update(department, **fields)
        if not cs.empty:
            cs.update(department, updated_at=utcnow())
    return department, None if cs.empty else cs.revision


def delete(department_id, actor: str) -> int:
    with change(actor, "department.delete", str(department_id), settled=True) as cs:
        department = get(department_id)
        for model, what in ((Ticket, "ticket(s)"), (TicketCategory, "ticket categories"), (User, "user(s)")):
            holders = model.select().where(model.department == department).count()
            if holders:
                raise Conflict(f"department {department.name!r} has {holders} {what}; move them first")
        cs.delete(department)
    return cs.revision
