"""Surveys (/surveys) and outbound survey campaigns (/campaigns): the CRUD routes, a campaign's
start, pause and stop, its numbers (pasted or a CSV file), outcomes, results and CSV export."""

from __future__ import annotations

from bottle import request, response

from appliance import csvfile
from appliance.surveys import answers, campaigns, service
from appliance.surveys.schema import CampaignSchema, SurveySchema

from ..plugins import json_body
from .crud import install_crud

STAFF = ("admin", "supervisor")


def install(api, box) -> None:
    install_crud(api, box, "/surveys", service, service.to_dict, lambda s: s.id, schema=SurveySchema, roles=STAFF)
    install_crud(api, box, "/campaigns", campaigns, campaigns.to_dict, lambda c: c.id, schema=CampaignSchema,
                 roles=STAFF)

    @api.get("/surveys/<key>/results", roles=STAFF)
    def survey_results(key):
        """Per question: answers, the count of each key and the average key; `source=calls` counts
        only the surveys asked after queue calls, `source=campaigns` only the campaigns'."""
        survey = service.get(key)
        source = request.query.get("source") or "all"
        return {"survey": survey.id, "source": source,
                "questions": answers.results(survey, after_calls=source == "calls", campaigns_only=source == "campaigns")}

    def action(name: str, doc: str):
        def handler(key):
            return campaigns.to_dict(campaigns.act(key, name))
        handler.__doc__ = doc
        api.route(f"/campaigns/<key>/{name}", "POST", handler, name=f"campaigns.{name}", roles=STAFF)

    action("start", "Start calling (or go on after a pause), within the allowed hours and the pace.")
    action("pause", "No new calls until started again; calls in progress go on.")
    action("stop", "End the campaign: numbers not called yet are never called.")

    def live() -> dict:
        manager = getattr(box, "surveys", None)
        return manager.runner.live() if manager is not None and not manager.error else {}

    @api.get("/campaigns/<key>/numbers", roles=STAFF)
    def numbers(key):
        """Each number, its state, outcome and attempts; for a call in progress, whether it was
        answered and the question being asked."""
        return {"items": campaigns.numbers_of(key, live())}

    @api.get("/surveys/<key>/answers", roles=STAFF)
    def survey_answers(key):
        """The keys pressed, newest first (at most `limit`, 500 by default): each with its call,
        number, campaign (null after a queue call), question and time."""
        limit = request.query.get("limit", "500")
        limit = int(limit) if limit.isascii() and limit.isdigit() and 0 < int(limit) <= 5000 else 500
        return {"items": answers.listing(service.get(key), limit)}

    @api.post("/campaigns/<key>/numbers", body="text/csv", roles=STAFF)
    def add_numbers(key):
        """More numbers: a CSV file with a "number" column (text/csv), or JSON {"numbers": [...] or "text"}."""
        if request.content_type.startswith("text/csv"):
            found = campaigns.numbers_from_csv(request.body.read(csvfile.MAX_BYTES + 1))
        else:
            body = json_body()
            found = campaigns.parse_numbers(body.get("numbers") if isinstance(body, dict) else None)
        return {"added": campaigns.add_numbers(key, found)}

    @api.get("/campaigns/<key>/results", roles=STAFF)
    def results(key):
        """The outcomes' counts and, per question, the count of each key and the average key."""
        c = campaigns.get(key)
        return {"campaign": c.id, "summary": campaigns.summary(c), "questions": answers.results(c.survey, c.id)}

    @api.get("/campaigns/<key>/export", produces="text/csv", roles=STAFF)
    def export(key):
        """Each number's outcome and keys, as CSV."""
        text = campaigns.export_csv(key)
        response.content_type = "text/csv; charset=utf-8"
        response.set_header("Content-Disposition", f'attachment; filename="campaign-{int(key)}.csv"')
        return text
