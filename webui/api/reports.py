"""Reports on call records: GET /reports (their names) and GET /reports/{name}."""

from __future__ import annotations

from bottle import request

from appliance import box_settings
from appliance.reports import reports

STAFF = ("admin", "supervisor")


def install(api, box) -> None:
    @api.get("/reports", roles=STAFF)
    def list_reports():
        """The reports there are, by name."""
        return {"items": reports.catalogue()}

    @api.get("/reports/<name>", roles=STAFF)
    def one_report(name):
        """A report over days: from and to (YYYY-MM-DD in the box's time zone, both included), by (hour,
        day, week or month; day if not given). Gives {name, from, to, by, rows, totals, definitions}."""
        params = {k: request.query.getunicode(k) or "" for k in request.query.keys()}
        return reports.report(name, params, box_settings.load().timezone)
