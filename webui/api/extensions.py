"""/extensions: list, create, read, replace, change, delete."""

from __future__ import annotations

from bottle import request, response

from appliance.errors import Forbidden, Invalid
from appliance.extensions import csvio, service
from appliance.extensions.schema import BulkSchema, ExtensionSchema, ExtensionUpdateSchema
from appliance.reports import calllog

from ..plugins import current_user, json_body, require_own_extension
from .apply import settle


def _int(name: str, default: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:  # '²' is a digit; SQLite takes 64 bits
        raise Invalid(f"{name}: must be a whole number", name)
    return int(raw)


STAFF = ("admin", "supervisor")
ANYONE = ("admin", "supervisor", "agent")
#: What agents may change of their own extension.
AGENT_FIELDS = {"voicemail_pin", "email", "dnd", "forward", "intercom", "follow_me", "browser_phone"}


def install(api, box) -> None:
    def view(ext, box_row):
        return service.to_dict(ext, box_row, box.pbx.registration(ext.number) if not box.pbx.error else None)

    @api.get("/extensions", roles=STAFF)
    def list_extensions():
        """A page of extensions: page, per_page, q (number or name contains), sort."""
        page, per_page = _int("page", 1), _int("per_page", 50)
        rows, total = service.page(page, per_page, request.query.getunicode("q") or None,
                                   request.query.get("sort") or "number")
        return {"items": [view(e, m) for e, m in rows], "page": page, "per_page": per_page, "total": total}

    @api.post("/extensions", schema=ExtensionSchema, roles=STAFF)
    def create_extension():
        """Create an extension; a strong secret and a PIN are made when none is given."""
        ext, mailbox, revision = service.create(json_body(), current_user().username)
        settle(box, revision)
        response.status = 201
        response.set_header("Location", f"/api/v1/extensions/{ext.number}")
        return view(*service.get(ext.number))

    @api.post("/extensions/bulk", schema=BulkSchema, roles=STAFF)
    def create_extensions():
        """Create many extensions as one change: all of them, or none (with each row's problem)."""
        body = json_body()
        rows = body.get("extensions") if isinstance(body, dict) else None
        created, revision, _ = service.create_many(rows, current_user().username)
        settle(box, revision)
        response.status = 201
        return {"items": [view(e, m) for e, m in service.with_mailboxes(created)]}

    @api.post("/extensions/import", body="text/csv", roles=STAFF)
    def import_extensions():
        """A CSV file as the body: the good lines are created, the others reported by line."""
        created, revision, problems = service.import_csv(request.body.read(csvio.MAX_BYTES + 1),
                                                         current_user().username)
        settle(box, revision)
        response.status = 201
        return {"created": [e.number for e in created], "errors": problems}

    @api.get("/extensions/export", produces="text/csv", roles=STAFF)
    def export_extensions():
        """Every extension as CSV, in the import format."""
        everything = service.everything()
        response.content_type = "text/csv; charset=utf-8"
        response.set_header("Content-Disposition", 'attachment; filename="extensions.csv"')
        return csvio.export(everything)

    @api.post("/extensions/<number>/secret", success="200", roles=STAFF)
    def reset_secret(number):
        """Give the extension a new SIP secret (its phone must be told)."""
        _, revision = service.reset_secret(number, current_user().username)
        settle(box, revision)
        return view(*service.get(number))

    @api.get("/extensions/<number>", roles=ANYONE)
    def get_extension(number):
        """One extension, with its live registration (agents: their own)."""
        require_own_extension(number)
        return view(*service.get(number))

    @api.get("/extensions/<number>/calls", roles=ANYONE)
    def recent_calls(number):
        """The extension's last calls, newest first (limit: 1 to 100, 20 by default), each as the
        extension saw it: in (answered there), out (placed there) or missed (rang there, not answered
        there), with the number and name at the other end (agents: their own extension's)."""
        require_own_extension(number)
        service.get(number)
        return calllog.recent(number, {k: request.query.getunicode(k) or "" for k in request.query.keys()})

    @api.route("/extensions/<number>", method=["PUT", "PATCH"], schema=ExtensionUpdateSchema, roles=ANYONE)
    def change_extension(number):
        """Replace (PUT: absent secret and PIN are kept) or change some fields (PATCH).

        Agents may PATCH their own extension's voicemail PIN, e-mail, do-not-disturb, forwards,
        intercom, follow-me and browser phone only."""
        require_own_extension(number)
        if current_user().role == "agent":
            body = json_body()
            if request.method != "PATCH" or not isinstance(body, dict) or set(body) - AGENT_FIELDS:
                raise Forbidden("agents may change only their voicemail PIN, e-mail, do-not-disturb, forwards, "
                                "intercom, follow-me and browser phone")
            _, _, revision = service.update(number, body, current_user().username, partial=True)
            settle(box, revision)
            return view(*service.get(number))
        _, _, revision = service.update(number, json_body(), current_user().username,
                                        partial=request.method == "PATCH")
        settle(box, revision)
        return view(*service.get(number))

    @api.delete("/extensions/<number>", roles=STAFF)
    def delete_extension(number):
        """Delete an extension, its mailbox and its messages."""
        settle(box, service.delete(number, current_user().username))
        response.status = 204
