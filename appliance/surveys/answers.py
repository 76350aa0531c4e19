"""The keys callers press, as the dial plan reports them (UserEvent CallboxSurvey over AMI),
kept per call; and the results per question.

The dial plan sends a key only once the question's allowed keys matched it; it is checked here
again against the survey as it is now, and anything else is logged and dropped.
"""

from __future__ import annotations

import logging
from collections import Counter

from ..db import db, write_lock
from ..db.journal import utcnow
from ..db.models import CampaignNumber, Survey, SurveyAnswer
from ..log import kv
from .service import questions_of

log = logging.getLogger(__name__)


def _int(text) -> int | None:
    text = str(text or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def record(ev) -> SurveyAnswer | None:
    """Keep the answer of a `Step: answer` event; None when it is not one the survey allows."""
    survey_id, question, key = _int(ev.get("Survey")), _int(ev.get("Question")), ev.get("Key", "")
    campaign_id, entry_id = _int(ev.get("Campaign")), _int(ev.get("Entry"))
    survey = Survey.get_or_none(Survey.id == survey_id) if survey_id is not None else None
    questions = questions_of(survey) if survey is not None else []
    if question is None or not 1 <= question <= len(questions) or len(key) != 1 \
            or key not in questions[question - 1]["keys"]:
        log.warning("survey answer dropped", extra=kv(survey=ev.get("Survey"), question=ev.get("Question"),
                                                        key=key[:5]))
        return None
    number = ev.get("CallerIDNum", "")
    if entry_id is not None:
        entry = CampaignNumber.get_or_none(CampaignNumber.id == entry_id)
        if entry is None or entry.campaign_id != campaign_id:
            campaign_id = entry_id = None
        else:
            number = entry.number
    with write_lock, db.atomic():
        return SurveyAnswer.create(survey_id=survey.id, campaign_id=campaign_id, entry_id=entry_id,
                                   call_id=ev.get("Uniqueid", ""), number=number if number != "<unknown>" else "",
                                   question=question, key=key, at=utcnow())


def answered_in_call(call_id: str) -> int:
    """How many questions of a call got a key."""
    return SurveyAnswer.select(SurveyAnswer.question).where(SurveyAnswer.call_id == call_id).distinct().count()


def results(survey: Survey, campaign_id: int | None = None, after_calls: bool = False,
            campaigns_only: bool = False) -> list[dict]:
    """Per question: how many answered, the count of each allowed key, the average key."""
    q = SurveyAnswer.select(SurveyAnswer.question, SurveyAnswer.key).where(SurveyAnswer.survey_id == survey.id)
    if campaign_id is not None:
        q = q.where(SurveyAnswer.campaign_id == campaign_id)
    elif after_calls:
        q = q.where(SurveyAnswer.campaign_id.is_null())
    elif campaigns_only:
        q = q.where(SurveyAnswer.campaign_id.is_null(False))
    counts: dict[int, Counter] = {}
    for question, key in q.tuples():
        counts.setdefault(question, Counter())[key] += 1
    out = []
    for n, question in enumerate(questions_of(survey), 1):
        c = counts.get(n, Counter())
        total = sum(c[k] for k in question["keys"])
        average = sum(int(k) * c[k] for k in question["keys"]) / total if total else None
        out.append({"question": n, "keys": {k: c[k] for k in question["keys"]}, "answers": total,
                    "average": None if average is None else round(average, 2)})
    return out


def to_dict(a: SurveyAnswer) -> dict:
    return {"id": a.id, "survey": a.survey_id, "campaign": a.campaign_id, "call_id": a.call_id, "number": a.number,
            "question": a.question, "key": a.key, "at": a.at.isoformat() + "Z"}


def listing(survey: Survey, limit: int) -> list[dict]:
    return [to_dict(a) for a in SurveyAnswer.select().where(SurveyAnswer.survey_id == survey.id)
            .order_by(SurveyAnswer.id.desc()).limit(limit)]
