"""Pause reasons: why an agent stops taking calls (lunch, a meeting...), numbered for the phone code *46N."""

from __future__ import annotations

from marshmallow import fields, validate as mvalidate

from ..db import change
from ..db.models import PauseReason
from ..errors import Conflict, NotFound
from ..fields import Name, StrictSchema, validate


class PauseReasonSchema(StrictSchema):
    name = Name(required=True, max_length=40)
    code = fields.Integer(strict=True, required=True, validate=mvalidate.Range(1, 9))


def to_dict(r: PauseReason) -> dict:
    return {"id": r.id, "name": r.name, "code": r.code, "phone_code": f"*46{r.code}"}


def listing() -> list[PauseReason]:
    return list(PauseReason.select().order_by(PauseReason.code))


def get(reason_id) -> PauseReason:
    try:
        found = PauseReason.get_or_none(PauseReason.id == int(reason_id))
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound(f"no pause reason {reason_id}")
    return found


def _check(values: dict, own: PauseReason | None) -> None:
    for key in ("name", "code"):
        if key in values:
            q = PauseReason.select().where(getattr(PauseReason, key) == values[key])
            if own is not None:
                q = q.where(PauseReason.id != own.id)
            if q.exists():
                raise Conflict(f"another pause reason has this {key}", key)


def create(data, actor: str) -> tuple[PauseReason, int]:
    values = validate(PauseReasonSchema(), data)
    with change(actor, "pause_reason.create", values["name"], settled=True) as cs:
        _check(values, None)
        reason = cs.create(PauseReason, **values)
    return reason, None


def update(reason_id, data, actor: str, *, partial: bool) -> tuple[PauseReason, int | None]:
    get(reason_id)
    values = validate(PauseReasonSchema(), data, partial=partial)
    with change(actor, "pause_reason.update", str(reason_id), settled=True) as cs:
        reason = get(reason_id)
        _check(values, reason)
        cs.update(reason, **values)
    return reason, None


def delete(reason_id, actor: str) -> None:
    with change(actor, "pause_reason.delete", str(reason_id), settled=True) as cs:
        cs.delete(get(reason_id))
