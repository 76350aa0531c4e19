"""Reports on call records: GET /reports (their names) and GET /reports/{name}."""

from __future__ import annotations

from bottle import HTTPResponse, request

from appliance import box_settings
from appliance.db.models import Queue, Trunk
from appliance.reports import export, reports

STAFF = ("admin", "supervisor")


def box_config() -> dict:
    """What the reports need of the box's configuration: queues' thresholds, trunks' limits."""
    return {"queues": {q.number: {"name": q.name, "service_level": q.service_level, "wrapup": q.wrapup}
                       for q in Queue.select(Queue.number, Queue.name, Queue.service_level, Queue.wrapup)},
            "trunks": {str(t.id): {"name": t.name, "max_channels": t.max_channels}
                       for t in Trunk.select(Trunk.id, Trunk.name, Trunk.max_channels)}}


def install(api, box) -> None:
    @api.get("/reports", roles=STAFF)
    def list_reports():
        """The reports there are, by name."""
        return {"items": reports.catalogue()}

    @api.get("/reports/<name>", roles=STAFF)
    def one_report(name):
        """A report over days: from and to (YYYY-MM-DD in the box's time zone, both included), by (hour,
        day, week or month; day if not given); the queues report also takes short_abandon (seconds, 5 if
        not given). Reports: traffic, extensions, trunks, trunk_occupancy, queues, agents, survey. Gives
        {name, from, to, by, rows, totals, definitions, page, per_page, total_rows}: one page of the rows
        (page from 1, per_page 1 to 1000, 100 if only page is given; the first 1,000 rows when neither
        is), the totals every row's; with format=csv or format=xlsx every row and a last row of totals as
        a download (paging is refused there)."""
        params = {k: request.query.getunicode(k) or "" for k in request.query.keys()}
        kind = export.format_of(params)
        doc = reports.report(name, params, box_settings.load().timezone, box_config(), whole=kind is not None)
        if kind is None:
            return doc
        columns, rows = export.report_table(doc)
        headers, body = export.stream(kind, f"{name}-{doc['from']}-{doc['to']}-{doc['by']}", columns, rows)
        return HTTPResponse(body, headers=headers)
