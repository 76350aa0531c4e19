"""The admin pages: dashboard, extensions, voicemail, and the pages still to come.

Each page is a server-rendered shell; its script loads and changes data over
the JSON API (the same routes and the same checks as any API client) and
follows the live event stream.
"""

from __future__ import annotations

from bottle import redirect, request

from appliance.errors import Invalid

from ..plugins import current_user
from .nav import ANYONE, MENU, STAFF, home_for
from .render import render


def install(app, box) -> None:
    @app.get("/", roles=ANYONE)
    def dashboard():
        role = current_user().role
        if role not in STAFF:
            redirect(home_for(role), 303)
        return render("dashboard", title_key="nav.dashboard", current="dashboard", scripts=("dashboard",),
                      boot={"health": box.health()})

    @app.get("/extensions", roles=STAFF)
    def extensions():
        return render("extensions", title_key="nav.extensions", current="extensions", scripts=("extensions",))

    @app.get("/voicemail", roles=ANYONE)
    def voicemail():
        user = current_user()
        if user.role in STAFF:
            mailbox, fixed = request.query.get("mailbox") or "", False
            if mailbox and not (mailbox.isascii() and mailbox.isdigit()):
                raise Invalid("mailbox: must be an extension number", "mailbox")
        else:
            mailbox, fixed = (user.extension.number if user.extension else ""), True
        return render("voicemail", title_key="nav.voicemail", current="voicemail", scripts=("voicemail",),
                      boot={"mailbox": mailbox, "fixed": fixed}, fixed=fixed)

    for group in MENU:
        for page in group.pages:
            if not page.ready:
                app.route(page.path, "GET", _soon(page.key), roles=page.roles)


def _soon(key: str):
    def coming_soon():
        return render("soon", title_key=f"nav.{key}", current=key, page_key=key)

    coming_soon.__name__ = f"soon_{key}"
    return coming_soon
