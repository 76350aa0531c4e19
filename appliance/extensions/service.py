"""Creating, changing and removing extensions, each as one journaled change."""

from __future__ import annotations

from peewee import IntegrityError, fn

from .. import secrets
from ..db import change
from ..db.journal import utcnow
from ..db.models import Extension, Mailbox, User
from ..errors import Conflict, Invalid, NotFound
from ..fields import validate
from .schema import ExtensionSchema, ExtensionUpdateSchema

SORTS = {
    "number": (fn.LENGTH(Extension.number), Extension.number),
    "-number": (fn.LENGTH(Extension.number).desc(), Extension.number.desc()),
    "name": (Extension.name, Extension.number),
    "-name": (Extension.name.desc(), Extension.number),
}


def _mailbox(ext: Extension) -> Mailbox | None:
    return Mailbox.get_or_none(Mailbox.extension == ext)


def to_dict(ext: Extension, mailbox: Mailbox | None = None, registration: dict | None = None) -> dict:
    return {
        "number": ext.number,
        "name": ext.name,
        "secret": ext.secret,
        "email": ext.email,
        "voicemail_enabled": mailbox is not None,
        "voicemail_pin": mailbox.pin if mailbox else None,
        "created_at": ext.created_at.isoformat() + "Z",
        "updated_at": ext.updated_at.isoformat() + "Z",
        "registration": registration,
    }


def get(number: str) -> tuple[Extension, Mailbox | None]:
    ext = Extension.get_or_none(Extension.number == number)
    if ext is None:
        raise NotFound(f"no extension {number}")
    return ext, _mailbox(ext)


def page(page: int = 1, per_page: int = 50, q: str | None = None, sort: str = "number"):
    if sort not in SORTS:
        raise Invalid(f"sort: must be one of {', '.join(SORTS)}", "sort")
    if page < 1 or not 1 <= per_page <= 1000:
        raise Invalid("page must be 1 or more and per_page 1 to 1000", "per_page")
    query = Extension.select()
    if q:
        query = query.where(Extension.number.contains(q) | Extension.name.contains(q))
    total = query.count()
    rows = list(query.order_by(*SORTS[sort]).paginate(page, per_page))
    boxes = {m.extension_id: m for m in Mailbox.select().where(Mailbox.extension.in_([e.id for e in rows]))}
    return [(e, boxes.get(e.id)) for e in rows], total


def _check_free(number: str) -> None:
    if Extension.select().where(Extension.number == number).exists() or \
            Mailbox.select().where(Mailbox.number == number).exists():
        raise Conflict(f"number {number} is already in use", "number")


def _check_pin(pin: str, number: str) -> None:
    if pin == number:
        raise Invalid("voicemail_pin: must not be the extension number", "voicemail_pin")


def _check_secret(secret: str, number: str) -> None:
    if number in secret:
        raise Invalid("secret: must not contain the extension number", "secret")


def _new_pin(number: str) -> str:
    while (pin := secrets.pin()) == number:
        pass
    return pin


def create(data, actor: str) -> tuple[Extension, Mailbox | None, int]:
    values = validate(ExtensionSchema(), data)
    number = values["number"]
    secret = values.get("secret") or secrets.sip_secret()
    _check_secret(secret, number)
    pin = values.get("voicemail_pin") or _new_pin(number)
    _check_pin(pin, number)
    now = utcnow()
    try:
        with change(actor, "extension.create", number) as cs:
            _check_free(number)
            ext = cs.create(Extension, number=number, name=values["name"], secret=secret,
                            email=values.get("email"), created_at=now, updated_at=now)
            box = None
            if values.get("voicemail_enabled", True):
                box = cs.create(Mailbox, number=number, name=ext.name, pin=pin, email=ext.email, extension=ext)
    except IntegrityError:
        raise Conflict(f"number {number} is already in use", "number") from None
    return ext, box, cs.revision


def update(number: str, data, actor: str, *, partial: bool) -> tuple[Extension, Mailbox | None, int | None]:
    values = validate(ExtensionUpdateSchema(), data, partial=partial)
    if "number" in values and values["number"] != number:
        raise Invalid("number: cannot be changed; create a new extension instead", "number")
    with change(actor, "extension.update", number) as cs:
        ext, box = get(number)
        fields = {"name": values.get("name", ext.name)}
        if "secret" in values:
            _check_secret(values["secret"], number)
            fields["secret"] = values["secret"]
        if "email" in values or not partial:
            fields["email"] = values.get("email")
        enabled = values.get("voicemail_enabled", box is not None if partial else True)
        if "voicemail_pin" in values:
            _check_pin(values["voicemail_pin"], number)
        cs.update(ext, **fields)
        if enabled and box is None:
            pin = values.get("voicemail_pin") or _new_pin(number)
            box = cs.create(Mailbox, number=number, name=ext.name, pin=pin, email=ext.email, extension=ext)
        elif enabled:
            cs.update(box, name=ext.name, email=ext.email, pin=values.get("voicemail_pin", box.pin))
        elif box is not None:
            # Messages stay in the spool: turning voicemail back on shows them again.
            cs.delete(box)
            box = None
        if not cs.empty:
            cs.update(ext, updated_at=utcnow())
    return ext, box, None if cs.empty else cs.revision


def delete(number: str, actor: str) -> int:
    with change(actor, "extension.delete", number) as cs:
        ext, box = get(number)
        for user in User.select().where(User.extension == ext):
            cs.update(user, extension=None)
        if box is not None:
            cs.delete(box)
        cs.delete(ext)
    return cs.revision
