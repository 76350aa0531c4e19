"""Outbound survey campaigns: the numbers to call, the pace, the hours, the permission class,
start/pause/stop, and what became of each number.

Campaigns are the box's work, not config: they render into nothing and are written directly
(under the config database's write lock), like tickets. Numbers are dialled as given (digits, as
a phone would dial them); the blacklist and customers' opt-out are matched on the normalised form.
"""

from __future__ import annotations

import re
from collections import Counter

from peewee import fn

from .. import csvfile
from ..db import db, write_lock
from ..db.journal import utcnow
from ..db.models import Campaign, CampaignNumber, SurveyAnswer
from ..errors import Conflict, Invalid, NotFound
from ..fields import validate
from ..permissions import service as permissions
from . import decisions, service as surveys
from .schema import CAMPAIGN_DEFAULTS, MAX_NUMBERS, CampaignSchema

SETTINGS = ("permission_class", "calls_at_once", "calls_per_minute", "hours_from", "hours_to", "retries",
            "retry_minutes", "ring_seconds")
#: What start, pause and stop may change a campaign from.
ACTIONS = {"start": ("draft", "paused"), "pause": ("running",), "stop": ("draft", "running", "paused")}
_NUMBER = re.compile(r"[0-9]{2,20}")
_SEPARATORS = str.maketrans("", "", " -().")


def parse_numbers(value) -> list[str]:
    """A list of numbers, or pasted text (lines, commas, semicolons or tabs between them), as
    the digits the box dials, in order, each once."""
    if isinstance(value, str):
        items = re.split(r"[\r\n,;\t]+", value)
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = value
    else:
        raise Invalid("numbers: must be a list of numbers or the text of one", "numbers")
    out: list[str] = []
    for raw in items:
        digits = raw.translate(_SEPARATORS)
        if not digits:
            continue
        if not _NUMBER.fullmatch(digits):
            raise Invalid(f"numbers: {raw.strip()!r} is not a number the box can dial (2 to 20 digits)", "numbers")
        if digits not in out:
            out.append(digits)
    if len(out) > MAX_NUMBERS:
        raise Invalid(f"numbers: at most {MAX_NUMBERS} numbers", "numbers")
    return out


def numbers_from_csv(data: bytes, field: str = "file") -> list[str]:
    """A spreadsheet's "number" column; a problem is named as `field`'s."""
    try:
        rows = csvfile.parse(data, ("number", "name", "note"), ("number",))
        return parse_numbers([csvfile.unguard(row["number"]) for _, row in rows])
    except csvfile.CsvError as exc:
        raise Invalid(f"{field}: {exc}", field) from None
    except Invalid as exc:
        raise Invalid(exc.message.replace("numbers:", f"{field}:", 1), field) from None


def _numbers(values: dict) -> list[str] | None:
    """The numbers a body gives, pasted and from a CSV file, each once; None when it gives none."""
    if "numbers" not in values and "numbers_csv" not in values:
        return None
    found = parse_numbers(values.get("numbers", []))
    if "numbers_csv" in values:
        seen = set(found)
        found += [n for n in numbers_from_csv(values["numbers_csv"].encode(), "numbers_csv") if n not in seen]
    return found


def summary(c: Campaign) -> dict:
    counts: Counter = Counter()
    for state, outcome, n in (CampaignNumber.select(CampaignNumber.state, CampaignNumber.outcome, fn.COUNT(CampaignNumber.id))
                              .where(CampaignNumber.campaign == c)
                              .group_by(CampaignNumber.state, CampaignNumber.outcome).tuples()):
        counts[outcome if state == "done" else state] += n
    return {"numbers": sum(counts.values()), "pending": counts["pending"], "calling": counts["calling"],
            **{o: counts[o] for o in decisions.OUTCOMES}}


def to_dict(c: Campaign) -> dict:
    return {"id": c.id, "name": c.name, "survey": c.survey_id, "survey_name": c.survey.name,
            **{k: getattr(c, k) for k in SETTINGS}, "status": c.status, "summary": summary(c),
            "created_by": c.created_by, "created_at": c.created_at.isoformat() + "Z",
            "updated_at": c.updated_at.isoformat() + "Z"}


def get(key) -> Campaign:
    key = str(key)
    found = Campaign.get_or_none(Campaign.id == int(key)) if key.isascii() and key.isdigit() and len(key) < 10 \
        else None
    if found is None:
        raise NotFound(f"no campaign {key}")
    return found


def listing() -> list[Campaign]:
    return list(Campaign.select().order_by(Campaign.created_at.desc(), Campaign.id.desc()))


def _check(values: dict, own: Campaign | None) -> None:
    if "survey" in values:
        surveys.ensure_exists(values["survey"], "survey")
    if "permission_class" in values:
        permissions.ensure_exists(values["permission_class"], "permission_class")
    if "name" in values:
        q = Campaign.select().where(Campaign.name == values["name"])
        if own is not None:
            q = q.where(Campaign.id != own.id)
        if q.exists():
            raise Conflict(f"a campaign named {values['name']!r} exists already", "name")


def _add_numbers(c: Campaign, numbers: list[str]) -> int:
    known = {n for (n,) in CampaignNumber.select(CampaignNumber.number).where(CampaignNumber.campaign == c).tuples()}
    position = CampaignNumber.select().where(CampaignNumber.campaign == c).count()
    if position + len([n for n in numbers if n not in known]) > MAX_NUMBERS:
        raise Invalid(f"numbers: a campaign holds at most {MAX_NUMBERS} numbers", "numbers")
    now = utcnow()
    added = 0
    for number in numbers:
        if number in known:
            continue
        position += 1
        CampaignNumber.create(campaign=c, position=position, number=number, state="pending", attempts=0,
                              updated_at=now)
        added += 1
    return added


def create(data, actor: str) -> tuple[Campaign, None]:
    values = {**CAMPAIGN_DEFAULTS, **validate(CampaignSchema(), data)}
    numbers = _numbers(values) or []
    with write_lock, db.atomic():
        _check(values, None)
        now = utcnow()
        c = Campaign.create(name=values["name"], survey=values["survey"], **{k: values[k] for k in SETTINGS},
                            status="draft", created_by=actor, created_at=now, updated_at=now)
        _add_numbers(c, numbers)
    return c, None


def update(key, data, actor: str, *, partial: bool) -> tuple[Campaign, None]:
    get(key)
    values = validate(CampaignSchema(), data, partial=partial)
    if not partial:
        values = {**CAMPAIGN_DEFAULTS, **values}
    numbers = _numbers(values)
    with write_lock, db.atomic():
        c = get(key)
        if c.status == "running":
            raise Conflict("a running campaign cannot be changed; pause it first")
        if c.status in ("stopped", "finished"):
            raise Conflict(f"the campaign is {c.status}")
        _check(values, c)
        fields = {k: values[k] for k in SETTINGS + ("name",) if k in values}
        if "survey" in values:
            if values["survey"] != c.survey_id and c.status != "draft":
                raise Conflict("survey: a campaign that has started keeps its survey", "survey")
            fields["survey"] = values["survey"]
        if fields:
            Campaign.update(updated_at=utcnow(), **fields).where(Campaign.id == c.id).execute()
        if numbers:
            _add_numbers(c, numbers)
    return get(key), None


def add_numbers(key, numbers: list[str]) -> int:
    with write_lock, db.atomic():
        c = get(key)
        if c.status in ("stopped", "finished"):
            raise Conflict(f"the campaign is {c.status}")
        added = _add_numbers(c, numbers)
        if added and c.status == "finished":
            c.status = "running"
            c.save()
    return added


def delete(key, actor: str) -> None:
    with write_lock, db.atomic():
        c = get(key)
        if c.status == "running":
            raise Conflict("a running campaign cannot be deleted; stop it first")
        SurveyAnswer.delete().where(SurveyAnswer.campaign_id == c.id).execute()
        CampaignNumber.delete().where(CampaignNumber.campaign == c).execute()
        c.delete_instance()


def act(key, action: str) -> Campaign:
    """start, pause or stop."""
    with write_lock, db.atomic():
        c = get(key)
        if c.status not in ACTIONS[action]:
            raise Conflict(f"a campaign that is {c.status} cannot {action}")
        if action == "start" and not CampaignNumber.select().where(CampaignNumber.campaign == c).exists():
            raise Conflict("the campaign has no numbers to call")
        c.status = {"start": "running", "pause": "paused", "stop": "stopped"}[action]
        c.updated_at = utcnow()
        c.save()
    return c


def number_dict(n: CampaignNumber, live: dict | None = None) -> dict:
    """`live`: the runner's view of the number's call in progress (answered, the question asked)."""
    live = live or {}
    return {"id": n.id, "number": n.number, "state": n.state, "outcome": n.outcome, "attempts": n.attempts,
            "answered": live.get("answered", False), "asking": live.get("asking"),
            "next_try": n.next_try.isoformat() + "Z" if n.next_try else None,
            "updated_at": n.updated_at.isoformat() + "Z"}


def numbers_of(key, live: dict[int, dict] | None = None) -> list[dict]:
    c = get(key)
    live = live or {}
    return [number_dict(n, live.get(n.id) if n.state == "calling" else None)
            for n in CampaignNumber.select().where(CampaignNumber.campaign == c).order_by(CampaignNumber.position)]


EXPORT_COLUMNS = ("number", "state", "outcome", "attempts")


def export_csv(key) -> str:
    """Each number's outcome and its keys, one column per question (q1, q2, ...)."""
    c = get(key)
    questions = len(surveys.questions_of(c.survey))
    keys: dict[int, dict[int, str]] = {}
    for a in SurveyAnswer.select().where(SurveyAnswer.campaign_id == c.id).order_by(SurveyAnswer.at):
        keys.setdefault(a.entry_id, {})[a.question] = a.key
    rows = []
    for n in CampaignNumber.select().where(CampaignNumber.campaign == c).order_by(CampaignNumber.position):
        answered = keys.get(n.id, {})
        rows.append([csvfile.guard(n.number), n.state, n.outcome or "", n.attempts,
                     *(answered.get(q, "") for q in range(1, questions + 1))])
    return csvfile.write(EXPORT_COLUMNS + tuple(f"q{q}" for q in range(1, questions + 1)), rows)
