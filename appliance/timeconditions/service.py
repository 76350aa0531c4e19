"""Time conditions as journaled changes, and what their schedule says right now.

The dial plan decides by Asterisk's own clock at call time (GotoIfTime, in the box's time
zone); `state_now` answers the same question here, for the page and for *28N.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from .. import box_settings, destinations
from ..db import change
from ..db.journal import utcnow
from ..db.models import TimeCondition
from ..errors import Conflict, Invalid, NotFound
from ..fields import validate
from . import ical
from .schema import DAYS, MAX_CODE, TimeConditionSchema, holiday_json

FIELDS = ("name", "code", "override")


def rules_of(tc: TimeCondition) -> list[dict]:
    return json.loads(tc.rules)


def holidays_of(tc: TimeCondition) -> list[dict]:
    return json.loads(tc.holidays)


def state_now(tc: TimeCondition, now: dt.datetime | None = None) -> str:
    """matched or unmatched, as a call arriving at `now` (UTC by default) would find it."""
    if tc.override:
        return tc.override
    local = (now or dt.datetime.now(dt.timezone.utc)).astimezone(ZoneInfo(box_settings.load().timezone))
    for h in holidays_of(tc):
        day = dt.date.fromisoformat(h["date"])
        if (day.month, day.day) == (local.month, local.day) and (h["yearly"] or day.year == local.year):
            return "unmatched"
    clock = local.strftime("%H:%M")
    for rule in rules_of(tc):
        if DAYS[local.weekday()] in rule["days"] and rule["from"] <= clock < rule["to"]:
            return "matched"
    return "unmatched"


def to_dict(tc: TimeCondition) -> dict:
    return {"id": tc.id, "name": tc.name, "code": tc.code, "rules": rules_of(tc), "holidays": holidays_of(tc),
            "matched": destinations.as_dict(tc.matched_kind, tc.matched_target),
            "unmatched": destinations.as_dict(tc.unmatched_kind, tc.unmatched_target),
            "override": tc.override, "state": state_now(tc)}


def get(key) -> TimeCondition:
    found = TimeCondition.get_or_none(TimeCondition.id == _id(key))
    if found is None:
        raise NotFound(f"no time condition {key}")
    return found


def _id(key) -> int:
    if isinstance(key, int):
        return key
    if not (str(key).isascii() and str(key).isdigit()) or len(str(key)) > 9:
        raise NotFound(f"no time condition {key}")
    return int(key)


def listing() -> list[TimeCondition]:
    return list(TimeCondition.select().order_by(TimeCondition.code))


def _free_code() -> int:
    used = {tc.code for tc in TimeCondition.select(TimeCondition.code)}
    for code in range(1, MAX_CODE + 1):
        if code not in used:
            return code
    raise Conflict(f"every code *281 to *28{MAX_CODE} is taken", "code")


def _rules_json(rules: list[dict]) -> str:
    return json.dumps([{"days": sorted(set(r["days"]), key=DAYS.index), "from": r["start"], "to": r["end"]}
                       for r in rules])


def _destination(values: dict, key: str, own_id: int | None) -> tuple[str, str | None]:
    kind, target = destinations.check_exists(values[key], key)
    if kind == "time_condition":
        _check_chain(own_id, int(target), key)
    return kind, target


def _check_chain(own_id: int | None, target: int, field: str) -> None:
    """A time condition may lead to another, but never back to itself."""
    seen, todo = set(), [target]
    while todo:
        current = todo.pop()
        if own_id is not None and current == own_id:
            raise Invalid(f"{field}: leads back to this time condition", field)
        if current in seen:
            continue
        seen.add(current)
        tc = TimeCondition.get_or_none(TimeCondition.id == current)
        if tc is None:
            continue
        todo += [int(t) for k, t in ((tc.matched_kind, tc.matched_target), (tc.unmatched_kind, tc.unmatched_target))
                 if k == "time_condition"]


def _check(values: dict) -> None:
    if not values.get("rules"):
        raise Invalid("rules: a time condition needs at least one opening time", "rules")


def create(data, actor: str) -> tuple[TimeCondition, int]:
    values = validate(TimeConditionSchema(), data)
    for key in ("matched", "unmatched"):
        if key not in values:
            raise Invalid(f"{key}: is required", key)
    _check(values)
    now = utcnow()
    with change(actor, "time_condition.create", values["name"]) as cs:
        _unique(values, None)
        fields = {"name": values["name"], "code": values.get("code") or _free_code(),
                  "rules": _rules_json(values["rules"]),
                  "holidays": json.dumps([holiday_json(h) for h in values.get("holidays", [])]),
                  "override": values.get("override"), "created_at": now, "updated_at": now}
        for key in ("matched", "unmatched"):
            fields[f"{key}_kind"], fields[f"{key}_target"] = _destination(values, key, None)
        tc = cs.create(TimeCondition, **fields)
    return tc, cs.revision


def _unique(values: dict, own: TimeCondition | None) -> None:
    for key in ("name", "code"):
        if key in values:
            other = TimeCondition.get_or_none(getattr(TimeCondition, key) == values[key])
            if other is not None and (own is None or other.id != own.id):
                what = f"*28{values[key]}" if key == "code" else repr(values[key])
                raise Conflict(f"{key}: {what} is already time condition {other.name!r}'s", key)


def update(key, data, actor: str, *, partial: bool) -> tuple[TimeCondition, int | None]:
    tc = get(key)
    values = validate(TimeConditionSchema(), data, partial=partial)
    if not partial:
        for field in ("matched", "unmatched"):
            if field not in values:
                raise Invalid(f"{field}: is required", field)
        _check(values)
    elif "rules" in values:
        _check(values)
    with change(actor, "time_condition.update", str(tc.id)) as cs:
        tc = get(key)
        _unique(values, tc)
        fields = {k: values[k] for k in FIELDS if k in values}
        if not partial:
            fields.setdefault("override", None)
            fields.setdefault("holidays", "[]")
        if "rules" in values:
            fields["rules"] = _rules_json(values["rules"])
        if "holidays" in values:
            fields["holidays"] = json.dumps([holiday_json(h) for h in values["holidays"]])
        for field in ("matched", "unmatched"):
            if field in values:
                fields[f"{field}_kind"], fields[f"{field}_target"] = _destination(values, field, tc.id)
        cs.update(tc, **fields)
        if not cs.empty:
            cs.update(tc, updated_at=utcnow())
    return tc, None if cs.empty else cs.revision


def delete(key, actor: str) -> int:
    with change(actor, "time_condition.delete", str(key)) as cs:
        tc = get(key)
        destinations.ensure_unreferenced("time_condition", str(tc.id), f"time condition {tc.name!r}")
        cs.delete(tc)
    return cs.revision


def get_by_code(code: int) -> TimeCondition:
    tc = TimeCondition.get_or_none(TimeCondition.code == code)
    if tc is None:
        raise NotFound(f"no time condition *28{code}")
    return tc


def toggle_override(code: int, actor: str) -> tuple[TimeCondition, int | None]:
    """*28N: force the other destination than the schedule gives now; again: back to the schedule."""
    tc = get_by_code(code)
    if tc.override:
        new = None
    else:
        new = "unmatched" if state_now(tc) == "matched" else "matched"
    return update(tc.id, {"override": new}, actor, partial=True)


def import_holidays(key, data: bytes, actor: str) -> tuple[TimeCondition, int | None, int]:
    """Add the all-day events of an iCalendar file as holidays (yearly where the file says so)."""
    tc = get(key)
    try:
        found = ical.holidays(data)
    except ical.CalendarError as exc:
        raise Invalid(f"file: {exc}", "file") from None
    have = {(h["date"], h["yearly"]) for h in holidays_of(tc)}
    new = [h for h in found if (h["date"], h["yearly"]) not in have]
    if not found:
        raise Invalid("file: has no all-day events", "file")
    merged = holidays_of(tc) + new
    _, revision = update(tc.id, {"holidays": merged}, actor, partial=True)
    return get(tc.id), revision, len(new)
