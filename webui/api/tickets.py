"""/tickets, /departments, /ticket-categories: the hotline's tickets and where they go.

Agents make tickets during a call (the screen pop gives the caller and the
call) and staff from any channel; a department user sees their department's
tickets only, to work and answer them.
"""

from __future__ import annotations

import datetime as dt

from bottle import HTTPResponse, request, response, static_file

from appliance.errors import Invalid, NotFound, Unavailable
from appliance import box_settings
from appliance.reports import calllog, export
from appliance.tickets import audio, categories, clock, csvio, departments, report, service, threeway
from appliance.tickets.schema import (CategorySchema, CommentSchema, DepartmentSchema, DispatchSchema,
                                      TicketChangeSchema, TicketCreateSchema)

from ..plugins import current_user, json_body
from .crud import install_crud

STAFF = ("admin", "supervisor")
DESK = ("admin", "supervisor", "agent")
EVERYONE = DESK + ("department",)


def _department() -> int | None:
    """The department whose tickets only this user sees (None: all of them)."""
    user = current_user()
    return (user.department_id or -1) if user.role == "department" else None


def _params() -> dict:
    return {k: request.query.getunicode(k) or "" for k in request.query.keys()}


def install(api, box) -> None:
    def actor() -> str:
        return current_user().username

    def call_known(call_id: str) -> str | None:
        """A call now in a queue (the screen pop's id) or one the call log has; its record's id."""
        manager = getattr(box, "callcenter", None)
        if manager is not None and not manager.error and manager.live.call(call_id) is not None:
            return call_id
        return calllog.record_of(call_id)

    def view(ticket) -> dict:
        doc = service.to_dict(ticket)
        doc["recording"] = calllog.recording_of(ticket.call_id) if ticket.call_id else None
        doc["audio"] = audio.path_of(box.runtime.paths.ticket_audio, ticket.number) is not None
        return doc

    @api.get("/tickets", roles=EVERYONE)
    def list_tickets():
        """A page of tickets: open ones nearest their deadline (or past it) first, then the newest.
        page, per_page (at most 500), q (number, summary, details or caller's number), status (one or more,
        comma-separated), department (id), overdue (1 or 0), caller (a phone number in any form: that caller's
        tickets, as the screen pop lists them). Department users get their department's only."""
        return service.page(_params(), _department())

    @api.post("/tickets", schema=TicketCreateSchema, roles=DESK)
    def create_ticket():
        """Make a ticket; it gets its number, and its deadline from its category's time limit.
        Given a department (or a category with one), it is dispatched there at once."""
        ticket = service.create(json_body(), actor(), call_known)
        response.status = 201
        response.set_header("Location", f"/api/v1/tickets/{ticket.number}")
        return view(ticket)

    @api.get("/tickets/lookup", roles=DESK)
    def lookup_ticket():
        """The status of ticket `number` for a caller who gives it: answered only when `caller` (their phone
        number, any form) is the ticket's caller's; 404 otherwise, whether or not the ticket exists."""
        return service.lookup(request.query.getunicode("number"), request.query.getunicode("caller"))

    @api.get("/tickets/report", roles=STAFF + ("department",))
    def tickets_report():
        """Tickets made from `from` to `to` (YYYY-MM-DD in the box's time zone, both included), by kind,
        category, department or status (`by`, kind if not given): open, answered, answered on time and
        late, overdue now, timeliness (%) and average hours to the answer, with totals. format=csv or
        format=xlsx: the rows and a last row of totals as a download. Department users: theirs only."""
        params = _params()
        kind = export.format_of(params)
        doc = report.report(params, box_settings.load().timezone, _department())
        if kind is None:
            return doc
        columns = ["key", "name", *report.COLUMNS]
        rows = [*doc["rows"], {"key": "total", **doc["totals"]}]
        headers, body = export.stream(kind, f"tickets-{doc['from']}-{doc['to']}-{doc['by']}", columns, rows)
        return HTTPResponse(body, headers=headers)

    @api.get("/tickets/export", produces="text/csv", roles=STAFF + ("department",))
    def export_tickets():
        """The tickets the list's filters (q, status, department, overdue, caller) find, as CSV."""
        response.content_type = "text/csv; charset=utf-8"
        response.set_header("Content-Disposition", 'attachment; filename="tickets.csv"')
        return csvio.export(service.everything(_params(), _department()))

    @api.get("/tickets/<number>", roles=EVERYONE)
    def get_ticket(number):
        """One ticket, with its call's recording (an id for /recordings) where the call was recorded, and
        `audio`: whether audio is kept with it (/tickets/{number}/audio)."""
        return view(service.get(number, _department()))

    @api.get("/tickets/<number>/audio", roles=EVERYONE, produces="audio/wav")
    def ticket_audio(number):
        """The audio kept with the ticket (a complaint the caller recorded through an IVR), as WAV;
        404 when it has none. Whoever may see the ticket may listen."""
        ticket = service.get(number, _department())
        path = audio.path_of(box.runtime.paths.ticket_audio, ticket.number)
        if path is None:
            raise NotFound(f"ticket {ticket.number} has no audio")
        return static_file(path.name, root=str(path.parent), mimetype="audio/wav",
                           download=f"ticket-{ticket.number}.wav" if request.query.get("download") else False)

    @api.patch("/tickets/<number>", schema=TicketChangeSchema, roles=EVERYONE)
    def change_ticket(number):
        """Change some fields; a status may only follow the one before as a ticket's life allows
        (next_statuses lists them). Every change is kept in the history."""
        return view(service.update(number, json_body(), actor(), _department()))

    @api.post("/tickets/<number>/dispatch", schema=DispatchSchema, roles=DESK, success="200")
    def dispatch_ticket(number):
        """Send the ticket to a department: it becomes theirs, dispatched."""
        return view(service.dispatch(number, json_body(), actor(), _department()))

    @api.post("/tickets/<number>/three-way", roles=DESK, success="202")
    def three_way_call(number):
        """Add the ticket's department, on its phone, to the ticket's call: the caller, the agent and
        the department talk together. The agent on the call (or a supervisor) asks; an outside
        number is dialled within their permission class. 409 when the call is not connected now."""
        pbx, center = getattr(box, "pbx", None), getattr(box, "callcenter", None)
        if pbx is None or pbx.ami is None or center is None or center.error:
            raise Unavailable("telephony is not running")
        ticket = service.get(number, _department())
        call = center.live.call(ticket.call_id) if ticket.call_id else None
        room = threeway.start(pbx.ami, ticket, call, current_user())
        response.status = 202
        return {"room": room, "department": ticket.department.name}

    @api.get("/tickets/<number>/comments", roles=EVERYONE)
    def ticket_comments(number):
        """The ticket's comments, oldest first."""
        return {"items": service.comments(service.get(number, _department()))}

    @api.post("/tickets/<number>/comments", schema=CommentSchema, roles=EVERYONE)
    def comment_ticket(number):
        """Add a comment."""
        response.status = 201
        return service.comment(number, json_body(), actor(), _department())

    @api.get("/tickets/<number>/history", roles=EVERYONE)
    def ticket_history(number):
        """Every change of the ticket: when, who, which field, from what to what."""
        return {"items": service.history(service.get(number, _department()))}

    install_crud(api, box, "/departments", departments, departments.to_dict, lambda d: d.id,
                 schema=DepartmentSchema, roles=STAFF, read_roles=EVERYONE)
    install_crud(api, box, "/ticket-categories", categories, categories.to_dict, lambda c: c.id,
                 schema=CategorySchema, roles=STAFF, read_roles=EVERYONE)

    if box.runtime.test_clock:
        @api.post("/testing/clock", roles=("admin",), success="200")
        def move_clock():
            """Tests only (BOX_TEST_CLOCK=1): the tickets' time moves `advance_seconds` ahead
            (0 to 30 days), and reminders due then are sent at once."""
            seconds = (json_body() or {}).get("advance_seconds")
            if not isinstance(seconds, int) or isinstance(seconds, bool) or not 0 <= seconds <= 30 * 86400:
                raise Invalid("advance_seconds: must be whole seconds from 0 to 2592000", "advance_seconds")
            clock.move(dt.timedelta(seconds=seconds))
            return {"now": clock.now().isoformat() + "Z"}
