"""Queues and their members as journaled changes."""

from __future__ import annotations

from .. import destinations, numbers
from ..db import change
from ..db.journal import utcnow
from ..db.models import Extension, MusicClass, Queue, QueueMember
from ..errors import Conflict, Invalid, NotFound
from ..fields import validate
from ..permissions import service as permissions
from ..surveys import service as surveys
from .schema import DEFAULTS, QueueSchema

COLUMNS = ("name", "strategy", "memory_seconds", "music", "announce_position", "announce_interval", "join_empty",
           "leave_empty", "max_wait", "max_callers", "wrapup", "ring_timeout", "announce_agent", "survey",
           "recording", "callback", "callback_class", "service_level", "language")


def members_of(queue: Queue) -> list[dict]:
    rows = (QueueMember.select(QueueMember, Extension).join(Extension)
            .where(QueueMember.queue == queue).order_by(QueueMember.penalty, Extension.number))
    return [{"extension": m.extension.number, "penalty": m.penalty, "dynamic": m.dynamic} for m in rows]


def to_dict(q: Queue) -> dict:
    return {"number": q.number, **{c: getattr(q, c) for c in COLUMNS},
            "survey_after": q.survey_after_id,
            "overflow": destinations.as_dict(q.overflow_kind, q.overflow_target), "members": members_of(q)}


def get(number: str) -> Queue:
    found = Queue.get_or_none(Queue.number == number)
    if found is None:
        raise NotFound(f"no queue {number}")
    return found


def listing() -> list[Queue]:
    return list(Queue.select().order_by(Queue.number))


def _columns(values: dict, own: Queue | None) -> dict:
    cols = {c: values[c] for c in COLUMNS if c in values}
    if "name" in values:
        q = Queue.select().where(Queue.name == values["name"])
        if own is not None:
            q = q.where(Queue.id != own.id)
        if q.exists():
            raise Conflict(f"a queue named {values['name']!r} exists already", "name")
    if "music" in values and values["music"] != "default" and \
            not MusicClass.select().where(MusicClass.name == values["music"]).exists():
        raise Invalid(f"music: there is no music class {values['music']!r}", "music")
    if "survey_after" in values:
        surveys.ensure_exists(values["survey_after"], "survey_after")
        cols["survey_after_id"] = values["survey_after"]
    # One survey after a call: a caller is never asked twice.
    if values.get("survey", own.survey if own else False) and \
            values.get("survey_after", own.survey_after_id if own else None) is not None:
        raise Invalid("survey_after: a queue asks either its one-question survey or a survey of its own", "survey_after")
    if "callback_class" in values:
        permissions.ensure_exists(values["callback_class"], "callback_class")
    if "overflow" in values:
        kind, target = destinations.check_exists(values["overflow"], "overflow")
        if own is not None and kind == "queue" and target == own.number:
            raise Invalid("overflow: a queue cannot overflow into itself", "overflow")
        cols["overflow_kind"], cols["overflow_target"] = kind, target
    return cols


def _set_members(cs, queue: Queue, members: list[dict]) -> None:
    wanted = [m["extension"] for m in members]
    if len(set(wanted)) != len(wanted):
        raise Invalid("members: an extension is listed twice", "members")
    found = {e.number: e for e in Extension.select().where(Extension.number.in_(wanted))}
    missing = [n for n in wanted if n not in found]
    if missing:
        raise Invalid(f"members: there is no extension {missing[0]}", "members")
    for old in QueueMember.select().where(QueueMember.queue == queue):
        cs.delete(old)
    for m in members:
        cs.create(QueueMember, queue=queue, extension=found[m["extension"]], penalty=m["penalty"],
                  dynamic=m["dynamic"])


def create(data, actor: str) -> tuple[Queue, int]:
    values = validate(QueueSchema(), data)
    with change(actor, "queue.create", values["number"]) as cs:
        queue = add(cs, values)
    return queue, cs.revision


def add(cs, values: dict) -> Queue:
    values = {**DEFAULTS, **values}
    numbers.ensure_free(values["number"])
    now = utcnow()
    cols = _columns(values, None)
    queue = cs.create(Queue, number=values["number"], created_at=now, updated_at=now, **cols)
    numbers.claim(cs, queue.number, "queue", queue.id, checked=True)
    _set_members(cs, queue, values["members"])
    return queue


def update(number: str, data, actor: str, *, partial: bool) -> tuple[Queue, int | None]:
    get(number)
    values = validate(QueueSchema(), data, partial=partial or ("number",))
    if values.get("number", number) != number:
        raise Invalid("number: cannot be changed; create a new queue instead", "number")
    if not partial:
        values = {**DEFAULTS, **values}
    with change(actor, "queue.update", number) as cs:
        queue = get(number)
        cs.update(queue, **_columns(values, queue))
        if "members" in values and values["members"] != members_of(queue):
            _set_members(cs, queue, values["members"])
        if not cs.empty:
            cs.update(queue, updated_at=utcnow())
    return queue, None if cs.empty else cs.revision


def delete(number: str, actor: str) -> int:
    with change(actor, "queue.delete", number) as cs:
        queue = get(number)
        destinations.ensure_unreferenced("queue", number, f"queue {number}")
        for m in QueueMember.select().where(QueueMember.queue == queue):
            cs.delete(m)
        numbers.release(cs, number)
        cs.delete(queue)
    return cs.revision


def remove_extension(cs, ext: Extension) -> None:
    """An extension being deleted leaves every queue."""
    for m in QueueMember.select().where(QueueMember.extension == ext):
        cs.delete(m)
