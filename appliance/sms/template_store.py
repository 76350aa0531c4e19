"""SMS templates as journaled changes (settled: they render into nothing Asterisk loads)."""

from __future__ import annotations

from ..db import change
from ..db.journal import utcnow
from ..db.models import SmsTemplate
from ..errors import Conflict, Invalid, NotFound
from ..fields import validate
from . import templates
from .schema import TemplateSchema


def events_of(t: SmsTemplate) -> list[str]:
    return [e for e in t.events.split(",") if e]


def to_dict(t: SmsTemplate) -> dict:
    return {"id": t.id, "name": t.name, "text": t.text, "events": events_of(t),
            "fields": templates.fields_of(t.text),
            "created_at": t.created_at.isoformat() + "Z", "updated_at": t.updated_at.isoformat() + "Z"}


def get(key) -> SmsTemplate:
    """By id, or by name."""
    found = None
    if isinstance(key, int) or (isinstance(key, str) and key.isascii() and key.isdigit()):
        found = SmsTemplate.get_or_none(SmsTemplate.id == int(key))
    if found is None and isinstance(key, str):
        found = SmsTemplate.get_or_none(SmsTemplate.name == key)
    if found is None:
        raise NotFound(f"no SMS template {key}")
    return found


def named(key, field: str = "template") -> SmsTemplate:
    """The template a request names (id or name); 422 naming `field` when there is none."""
    try:
        return get(key)
    except NotFound:
        raise Invalid(f"{field}: there is no SMS template {key!r}", field) from None


def listing() -> list[SmsTemplate]:
    return list(SmsTemplate.select().order_by(SmsTemplate.name))


def for_event(event: str) -> list[SmsTemplate]:
    return [t for t in SmsTemplate.select().order_by(SmsTemplate.id) if event in events_of(t)]


def _check_name(name: str, own_id: int | None = None) -> None:
    q = SmsTemplate.select().where(SmsTemplate.name == name)
    if own_id is not None:
        q = q.where(SmsTemplate.id != own_id)
    if q.exists():
        raise Conflict(f"an SMS template named {name!r} exists already", "name")


def create(data, actor: str) -> tuple[SmsTemplate, int]:
    values = validate(TemplateSchema(), data)
    with change(actor, "sms.template.create", values["name"], settled=True) as cs:
        _check_name(values["name"])
        now = utcnow()
        t = cs.create(SmsTemplate, name=values["name"], text=values["text"],
                      events=",".join(dict.fromkeys(values["events"])), created_at=now, updated_at=now)
    return t, cs.revision


def update(key, data, actor: str, *, partial: bool) -> tuple[SmsTemplate, int | None]:
    t = get(key)
    values = validate(TemplateSchema(), data, partial=partial)
    with change(actor, "sms.template.update", t.name, settled=True) as cs:
        t = get(t.id)
        if "name" in values:
            _check_name(values["name"], t.id)
        fields = {k: values[k] for k in ("name", "text") if k in values}
        if "events" in values:
            fields["events"] = ",".join(dict.fromkeys(values["events"]))
        cs.update(t, **fields)
        if not cs.empty:
            cs.update(t, updated_at=utcnow())
    return t, None if cs.empty else cs.revision


def delete(key, actor: str) -> int:
    with change(actor, "sms.template.delete", str(key), settled=True) as cs:
        cs.delete(get(key))
    return cs.revision
