"""The pages: dashboard, extensions, voicemail, the call center, the call flow, users, audit, system, wizard.

Each page is a server-rendered shell; its script loads and changes data over
the JSON API (the same routes and the same checks as any API client) and
follows the live event stream.
"""

from __future__ import annotations

from bottle import request

from appliance import box_settings
from appliance.errors import Invalid

from ..plugins import current_user, redirect
from .auth import SETUP_STEPS
from .nav import ADMIN, ANYONE, PAGES, STAFF, home_for
from . import tickets
from .render import render

# Pages that need nothing from the server but their shell: the template and
# script of the page's name, after the shared scripts they use.
SHELLS = {
    "wallboard": ("widgets", "wallboard"),
    "queues": ("widgets", "crud", "queues"),
    "customers": ("crud", "widgets", "customers"),
    "history": ("widgets", "history"),
    "music": ("music",),
    "cc_settings": ("crud", "cc_settings"),
    "webcall_settings": ("webcall_settings",),
    "ivr": ("widgets", "crud", "ivr"),
    "ring_groups": ("widgets", "crud", "ring_groups"),
    "paging_groups": ("widgets", "crud", "paging_groups"),
    "time_conditions": ("widgets", "crud", "time_conditions"),
    "inbound_routes": ("widgets", "crud", "inbound_routes"),
    "outbound_routes": ("widgets", "crud", "outbound_routes"),
    "trunks": ("widgets", "crud", "trunks"),
    "hardware": ("hardware",),
    "users": ("crud", "users"),
    "audit": ("audit",),
    "park": ("park",),
    "blacklist": ("widgets", "crud", "blacklist"),
    "conferences": ("crud", "conferences"),
    "speed_dials": ("crud", "speed_dials"),
    "faxes": ("faxes",),
    "vpn": ("crud", "vpn"),
    "sites": ("sites",),
    "permission_classes": ("crud", "permission_classes"),
    "system": ("system",),
    "network": ("network",),
    "system_prompts": ("system_prompts",),
    "ticket_setup": ("crud", "ticket_setup"),
    "desk_phones": ("crud", "desk_phones"),
    "sms": ("crud", "widgets", "sms"),
    "surveys": ("crud", "surveys"),
}


def install(app, box) -> None:
    @app.get("/", roles=ANYONE + ("department",))
    def dashboard():
        role = current_user().role
        if role not in STAFF:
            redirect(home_for(role), 303)
        # Until the wizard has run once, the dashboard points administrators to it.
        return render("dashboard", title_key="nav.dashboard", current="dashboard", scripts=("widgets", "dashboard"),
                      boot={"health": box.health()}, wizard_pending=not box_settings.load().wizard_done)

    @app.get("/webcall/demo", roles=ADMIN)
    def webcall_demo():
        # The snippet as a website would carry it; it works once the box's own address is an allowed origin.
        return render("webcall_demo", title_key="nav.webcall_demo", current="webcall_settings")

    @app.get(PAGES["security"].path, roles=PAGES["security"].roles)
    def security():
        # The page warns when the administrator's own address is not on the allow list.
        import ipaddress

        from ..plugins import client_address

        address = client_address() or ""
        engine = getattr(box, "security", None)
        allow = engine.engine.policy.networks() if engine is not None and hasattr(engine, "engine") else ()
        try:
            allowed = any(ipaddress.ip_address(address) in net for net in allow)
        except ValueError:
            allowed = False
        return render("security", title_key="nav.security", current="security", scripts=("security",),
                      boot={"own_address": address}, own_address=address, own_allowed=allowed)

    @app.get("/extensions", roles=STAFF)
    def extensions():
        return render("extensions", title_key="nav.extensions", current="extensions", scripts=("crud", "widgets", "extensions"))

    @app.get("/voicemail", roles=ANYONE)
    def voicemail():
        mailbox, fixed = _own_or_chosen("mailbox")
        return render("voicemail", title_key="nav.voicemail", current="voicemail", scripts=("widgets", "voicemail"),
                      boot={"mailbox": mailbox, "fixed": fixed}, fixed=fixed)

    @app.get(PAGES["agent"].path, roles=PAGES["agent"].roles)
    def agent():
        ext, fixed = _own_or_chosen("ext")
        scripts = ("widgets", "ticket_form", "agent", "vendor/jssip.min", "webphone")
        return render("agent", title_key="nav.agent", current="agent", scripts=scripts,
                      boot={"extension": ext, "fixed": fixed}, fixed=fixed, **tickets.form_values())

    @app.get(PAGES["cdr"].path, roles=PAGES["cdr"].roles)
    def call_log():
        from appliance.reports.calls import DIRECTIONS, OUTCOMES

        return render("cdr", title_key="nav.cdr", current="cdr", scripts=("widgets", "cdr"), directions=DIRECTIONS,
                      outcomes=OUTCOMES, own=current_user().role not in STAFF)

    @app.get(PAGES["reports"].path, roles=PAGES["reports"].roles)
    def reports_page():
        from appliance.reports.period import BY
        from appliance.reports.reports import REPORTS

        return render("reports", title_key="nav.reports", current="reports",
                      scripts=("vendor/chart.umd.min", "reports"), names=tuple(REPORTS), bys=BY)

    @app.get(PAGES["wizard"].path, roles=PAGES["wizard"].roles)
    def wizard():
        # Step 1 was the administrator's password (/setup); the wizard goes on from step 2.
        return render("wizard", title_key="nav.wizard", current="wizard", scripts=("wizard",),
                      boot={"steps": SETUP_STEPS}, steps=SETUP_STEPS)

    for key, scripts in SHELLS.items():
        page = PAGES[key]
        app.route(page.path, "GET", _shell(key, scripts), roles=page.roles)


def _own_or_chosen(param: str) -> tuple[str, bool]:
    """The extension a page is about, and whether it is fixed: an agent's own, or the one staff chose (?param=)."""
    user = current_user()
    if user.role not in STAFF:
        return (user.extension.number if user.extension else ""), True
    chosen = request.query.get(param) or ""
    if chosen and not (chosen.isascii() and chosen.isdigit()):
        raise Invalid(f"{param}: must be an extension number", param)
    return chosen, False


def _shell(key: str, scripts: tuple[str, ...]):
    def shell():
        return render(key, title_key=f"nav.{key}", current=key, scripts=scripts)

    shell.__name__ = f"page_{key}"
    return shell
