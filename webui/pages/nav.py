"""The admin menu: every page and who may open it."""

from __future__ import annotations

from dataclasses import dataclass

ANYONE = ("admin", "supervisor", "agent")
STAFF = ("admin", "supervisor")
ADMIN = ("admin",)
#: Department users work the tickets of their department, and nothing else.
TICKETS = ANYONE + ("department",)


@dataclass(frozen=True)
class Page:
    key: str  # the page's name in the catalogue: nav.<key>
    path: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Group:
    key: str  # nav.group.<key>
    pages: tuple[Page, ...]


MENU = (
    Group("overview", (Page("dashboard", "/", STAFF),)),
    # The call center: each page for the roles its API admits.
    Group("callcenter", (
        Page("agent", "/agent", ANYONE),
        Page("wallboard", "/wallboard", STAFF),
        Page("queues", "/queues", STAFF),
        Page("customers", "/customers", ANYONE),
        Page("history", "/history", STAFF),
        # Every call's record; agents see the calls they took part in (so does the API).
        Page("cdr", "/call-log", ANYONE),
        # Figures over days and their charts (the same roles as GET /reports).
        Page("reports", "/reports", STAFF),
        Page("music", "/music", STAFF),
        Page("cc_settings", "/callcenter-settings", ADMIN),
        Page("webcall_settings", "/webcall-settings", ADMIN),
        Page("sms", "/sms", STAFF),
        Page("surveys", "/surveys", STAFF),
    )),
    Group("tickets", (Page("tickets", "/tickets", TICKETS), Page("ticket_setup", "/ticket-setup", STAFF))),
    Group("phones", (Page("extensions", "/extensions", STAFF), Page("voicemail", "/voicemail", ANYONE),
                     Page("park", "/park", ANYONE), Page("blacklist", "/blacklist", STAFF),
                     Page("speed_dials", "/speed-dials", STAFF), Page("conferences", "/conferences", STAFF),
                     Page("faxes", "/faxes", STAFF), Page("desk_phones", "/desk-phones", STAFF))),
    # The call flow, users and the audit log are administrators' (so is their API).
    Group("calls", (
        Page("ivr", "/ivr", ADMIN),
        Page("ring_groups", "/ring-groups", ADMIN),
        Page("paging_groups", "/paging-groups", ADMIN),
        Page("time_conditions", "/time-conditions", ADMIN),
        Page("inbound_routes", "/inbound-routes", ADMIN),
        Page("outbound_routes", "/outbound-routes", ADMIN),
        Page("permission_classes", "/permission-classes", ADMIN),
        Page("trunks", "/trunks", ADMIN),
        Page("hardware", "/hardware", ADMIN),
        Page("system_prompts", "/prompts", ADMIN),
    )),
    Group("admin", (
        Page("users", "/users", ADMIN),
        Page("audit", "/audit", ADMIN),
        Page("security", "/security", ADMIN),
        Page("vpn", "/vpn", ADMIN),
        Page("sites", "/sites", ADMIN),
        Page("system", "/system", ADMIN),
        Page("network", "/network", ADMIN),
        Page("update", "/update", ADMIN),
        Page("wizard", "/wizard", ADMIN),
    )),
)

PAGES = {page.key: page for group in MENU for page in group.pages}


def menu_for(role: str) -> list[Group]:
    """The groups and pages this role may open; empty groups left out."""
    out = []
    for group in MENU:
        pages = tuple(p for p in group.pages if role in p.roles)
        if pages:
            out.append(Group(group.key, pages))
    return out


def home_for(role: str) -> str:
    if role == "department":
        return PAGES["tickets"].path
    return "/" if role in STAFF else PAGES["agent"].path
