"""Managing the people who sign in: administrators, supervisors, agents, department users.

An agent is tied to an extension and sees only it; supervisors' extensions
may use supervisor feature codes. These reach the dial plan, so user changes
apply like any other change.
"""

from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate as mvalidate, validates

from ..db import change
from ..db.journal import utcnow
from ..db.models import Department, Extension, Session, User
from ..tickets.departments import known as _department
from ..errors import Conflict, Invalid, NotFound
from ..fields import Number, StrictSchema, StrictString, validate
from .passwords import check_strength, hash_password
from .service import LANGUAGES, ROLES


class UserSchema(StrictSchema):
    username = StrictString(required=True)
    password = StrictString(required=True)
    role = StrictString(required=True, validate=mvalidate.OneOf(ROLES))
    extension = Number(allow_none=True)
    language = StrictString(validate=mvalidate.OneOf(LANGUAGES))
    department = fields.Integer(strict=True, allow_none=True, metadata={"description": "a department's id"})

    @validates("username")
    def _username(self, value, **kwargs):
        if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{1,31}", value):
            raise ValidationError("must be 2 to 32 lower-case letters, digits and . _ -")

    @validates("password")
    def _password(self, value, **kwargs):
        reason = check_strength(value)
        if reason:
            raise ValidationError(reason)


def to_dict(u: User) -> dict:
    return {"id": u.id, "username": u.username, "role": u.role, "language": u.language,
            "extension": u.extension.number if u.extension_id else None,
            "department": u.department_id,
            "created_at": u.created_at.isoformat() + "Z"}


def get(user_id) -> User:
    try:
        found = User.get_or_none(User.id == int(user_id))
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound(f"no user {user_id}")
    return found


def listing() -> list[User]:
    return list(User.select().order_by(User.username))


def _extension(number: str | None) -> Extension | None:
    if number is None:
        return None
    ext = Extension.get_or_none(Extension.number == number)
    if ext is None:
        raise Invalid(f"extension: there is no extension {number}", "extension")
    return ext


def _check_role(role: str, ext: Extension | None, department: Department | None = None) -> None:
    if role == "agent" and ext is None:
        raise Invalid("extension: an agent needs an extension", "extension")
    if (role == "department") != (department is not None):
        raise Invalid("department: a department user needs a department, and only they have one", "department")


def create(data, actor: str, hasher=hash_password) -> tuple[User, int]:
    values = validate(UserSchema(), data)
    ext = _extension(values.get("extension"))
    department = _department(values.get("department"))
    _check_role(values["role"], ext, department)
    hashed = hasher(values["password"])
    with change(actor, "user.create", values["username"]) as cs:
        if User.select().where(User.username == values["username"]).exists():
            raise Conflict(f"user {values['username']!r} exists already", "username")
        user = cs.create(User, username=values["username"], password_hash=hashed, role=values["role"],
                         extension=ext, language=values.get("language", "en"), department=department,
                         created_at=utcnow())
    return user, cs.revision


def update(user_id, data, actor: str, *, partial: bool, hasher=hash_password) -> tuple[User, int | None]:
    get(user_id)
    values = validate(UserSchema(), data, partial=True if partial else ("password",))
    hashed = hasher(values["password"]) if "password" in values else None
    with change(actor, "user.update", str(user_id)) as cs:
        user = get(user_id)
        if values.get("username", user.username) != user.username:
            raise Invalid("username: cannot be changed", "username")
        fields = {k: values[k] for k in ("role", "language") if k in values}
        if "extension" in values or not partial:
            fields["extension"] = _extension(values.get("extension"))
        if "department" in values or not partial:
            fields["department"] = _department(values.get("department"))
        ext = fields.get("extension", user.extension if user.extension_id else None)
        department = fields.get("department", user.department if user.department_id else None)
        _check_role(fields.get("role", user.role), ext, department)
        if user.role == "admin" and fields.get("role", "admin") != "admin":
            _not_last_admin(user)
        if hashed:
            fields["password_hash"] = hashed
        cs.update(user, **fields)
    if hashed:
        # A new password signs the user out everywhere else.
        Session.delete().where(Session.user == user).execute()
    return user, None if cs.empty else cs.revision


def _not_last_admin(user: User) -> None:
    if User.select().where(User.role == "admin", User.id != user.id).count() == 0:
        raise Conflict("the box needs at least one administrator")


def delete(user_id, actor: str, current_user_id: int | None = None) -> int:
    with change(actor, "user.delete", str(user_id)) as cs:
        user = get(user_id)
        if user.id == current_user_id:
            raise Conflict("you cannot delete yourself")
        if user.role == "admin":
            _not_last_admin(user)
        Session.delete().where(Session.user == user).execute()
        cs.delete(user)
    return cs.revision
