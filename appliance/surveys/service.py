"""Surveys as journaled changes: each renders into a dial plan context (pbx/render/surveys.py).

The questions are kept as one JSON list on the survey's row: they are read and written whole
(the page edits a survey as one form), and the journal undoes them with the row.
"""

from __future__ import annotations

import json

from ..db import change
from ..db.journal import utcnow
from ..db.models import Campaign, Prompt, Queue, Survey
from ..errors import Conflict, Invalid, NotFound
from ..fields import validate
from .schema import QUESTION_DEFAULTS, SURVEY_DEFAULTS, SurveySchema


def questions_of(s: Survey) -> list[dict]:
    return json.loads(s.questions)


def to_dict(s: Survey) -> dict:
    return {"id": s.id, "name": s.name, "questions": questions_of(s), "language": s.language,
            "created_at": s.created_at.isoformat() + "Z", "updated_at": s.updated_at.isoformat() + "Z"}


def get(key) -> Survey:
    key = str(key)
    found = Survey.get_or_none(Survey.id == int(key)) if key.isascii() and key.isdigit() and len(key) < 10 else None
    if found is None:
        raise NotFound(f"no survey {key}")
    return found


def listing() -> list[Survey]:
    return list(Survey.select().order_by(Survey.name))


def _questions(values: list[dict]) -> str:
    out = []
    for i, q in enumerate(values):
        q = {**QUESTION_DEFAULTS, **q}
        if q["prompt"] is not None and not Prompt.select().where(Prompt.id == q["prompt"]).exists():
            raise Invalid(f"questions.{i}.prompt: there is no prompt {q['prompt']}", f"questions.{i}.prompt")
        out.append({"prompt": q["prompt"], "sound": q["sound"], "keys": q["keys"], "timeout": q["timeout"]})
    return json.dumps(out)


def _check_name(name: str, own: Survey | None) -> None:
    q = Survey.select().where(Survey.name == name)
    if own is not None:
        q = q.where(Survey.id != own.id)
    if q.exists():
        raise Conflict(f"a survey named {name!r} exists already", "name")


def create(data, actor: str) -> tuple[Survey, int]:
    values = {**SURVEY_DEFAULTS, **validate(SurveySchema(), data)}
    with change(actor, "survey.create", values["name"]) as cs:
        _check_name(values["name"], None)
        now = utcnow()
        survey = cs.create(Survey, name=values["name"], questions=_questions(values["questions"]),
                           language=values["language"], created_at=now, updated_at=now)
    return survey, cs.revision


def update(key, data, actor: str, *, partial: bool) -> tuple[Survey, int | None]:
    get(key)
    values = validate(SurveySchema(), data, partial=partial)
    if not partial:
        values = {**SURVEY_DEFAULTS, **values}
    with change(actor, "survey.update", str(key)) as cs:
        survey = get(key)
        fields = {}
        if "name" in values:
            _check_name(values["name"], survey)
            fields["name"] = values["name"]
        if "questions" in values:
            fields["questions"] = _questions(values["questions"])
        if "language" in values:
            fields["language"] = values["language"]
        cs.update(survey, **fields)
        if not cs.empty:
            cs.update(survey, updated_at=utcnow())
    return survey, None if cs.empty else cs.revision


def delete(key, actor: str) -> int:
    with change(actor, "survey.delete", str(key)) as cs:
        survey = get(key)
        queues = [q.number for q in Queue.select(Queue.number).where(Queue.survey_after_id == survey.id)]
        if queues:
            raise Conflict(f"survey {survey.name!r} is asked after the calls of queue {', '.join(queues)}")
        if Campaign.select().where(Campaign.survey == survey).exists():
            raise Conflict(f"survey {survey.name!r} is used by a campaign; delete the campaign first")
        cs.delete(survey)
    return cs.revision


def ensure_exists(survey_id: int | None, field: str) -> None:
    if survey_id is not None and not Survey.select().where(Survey.id == survey_id).exists():
        raise Invalid(f"{field}: there is no survey {survey_id}", field)
