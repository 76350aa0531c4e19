"""The call log: every call's record (GET /cdr) and one call with its legs (GET /cdr/{id})."""

from __future__ import annotations

from bottle import HTTPResponse, request

from appliance import box_settings
from appliance.reports import calllog, export
from appliance.reports.db import reports_db
from appliance.reports.manager import caller_key

from ..plugins import current_user

ANYONE = ("admin", "supervisor", "agent")


def _own() -> str | None:
    """An agent's extension: agents see the calls they took part in, and no others."""
    user = current_user()
    if user.role != "agent":
        return None
    return user.extension.number if user.extension else ""


def install(api, box) -> None:
    @api.get("/cdr", roles=ANYONE)
    def call_log():
        """Call records, newest first: page, per_page (at most 500), sort (start, end, wait_seconds,
        talk_seconds, hold_seconds, direction, outcome, from, to; - for descending), days (the last N
        days) or from and to (YYYY-MM-DD in the box's time zone, both included), direction, extension,
        trunk (id), queue, number (written any way), outcome. Agents get their own calls only. With
        format=csv or format=xlsx: every call the filters find (not one page) as a download. `total`
        is exact when the filters are days, direction and outcome at most; with other filters it
        counts up to 10,000 and "total_capped": true says there are more."""
        params = {k: request.query.getunicode(k) or "" for k in request.query.keys()}
        kind = export.format_of(params)
        timezone, own = box_settings.load().timezone, _own()
        if kind is None:
            return calllog.query(params, timezone, caller_key, own=own)
        calllog.filtered(params, timezone, caller_key, own=own)  # bad filters: a 422 before the download

        def records():
            # The download is read after this handler returns: it holds its own connection.
            with reports_db.connection_context():
                yield from calllog.everything(params, timezone, caller_key, own=own)

        headers, body = export.stream(kind, "call-log", list(calllog.COLUMNS), records())
        return HTTPResponse(body, headers=headers)

    @api.get("/cdr/<call_id>", roles=ANYONE)
    def call_record(call_id):
        """One call: its record, its legs (one per channel), transfers and recording."""
        return calllog.detail(call_id, own=_own())
