"""The admin menu: every page, who may open it, and whether it exists yet."""

from __future__ import annotations

from dataclasses import dataclass

ANYONE = ("admin", "supervisor", "agent")
STAFF = ("admin", "supervisor")
ADMIN = ("admin",)


@dataclass(frozen=True)
class Page:
    key: str  # the page's name in the catalogue: nav.<key>
    path: str
    roles: tuple[str, ...]
    ready: bool = True  # False: a "coming soon" page until its API lands


@dataclass(frozen=True)
class Group:
    key: str  # nav.group.<key>
    pages: tuple[Page, ...]


MENU = (
    Group("overview", (Page("dashboard", "/", STAFF),)),
    Group("phones", (Page("extensions", "/extensions", STAFF), Page("voicemail", "/voicemail", ANYONE))),
    Group("calls", (
        Page("ivr", "/ivr", STAFF, ready=False),
        Page("ring_groups", "/ring-groups", STAFF, ready=False),
        Page("inbound_routes", "/inbound-routes", STAFF, ready=False),
        Page("outbound_routes", "/outbound-routes", STAFF, ready=False),
        Page("trunks", "/trunks", STAFF, ready=False),
    )),
    Group("admin", (
        Page("users", "/users", ADMIN, ready=False),
        Page("audit", "/audit", STAFF, ready=False),
        Page("system", "/system", ADMIN, ready=False),
        Page("update", "/update", ADMIN),
        Page("wizard", "/wizard", ADMIN, ready=False),
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
    return "/" if role in STAFF else PAGES["voicemail"].path
