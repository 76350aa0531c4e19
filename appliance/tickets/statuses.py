"""A ticket's life: which status may follow which. Pure."""

from __future__ import annotations

NEW, DISPATCHED, IN_PROGRESS, ANSWERED, CLOSED, REOPENED = (
    "new", "dispatched", "in_progress", "answered", "closed", "reopened")
STATUSES = (NEW, DISPATCHED, IN_PROGRESS, ANSWERED, CLOSED, REOPENED)
#: Tickets still owed an answer: only these can be late.
OPEN = (NEW, DISPATCHED, IN_PROGRESS, REOPENED)
#: As callers read them in a text message or an e-mail (the pages have their own, in webui/i18n).
NAMES = {"en": {NEW: "New", DISPATCHED: "Dispatched", IN_PROGRESS: "In progress", ANSWERED: "Answered",
                CLOSED: "Closed", REOPENED: "Reopened"},
         "zh": {NEW: "新建", DISPATCHED: "已派单", IN_PROGRESS: "办理中", ANSWERED: "已答复", CLOSED: "已办结",
                REOPENED: "已重办"}}


def name(status: str, lang: str | None) -> str:
    """A status in the box's language (en or zh): a status it does not know, as it is."""
    return NAMES["zh" if (lang or "").startswith("zh") else "en"].get(status, status)

# Dispatching again (to another department) is allowed until the ticket is answered;
# an answered or closed ticket comes back only by reopening it.
_NEXT = {
    NEW: {DISPATCHED, IN_PROGRESS, ANSWERED, CLOSED},
    DISPATCHED: {DISPATCHED, IN_PROGRESS, ANSWERED, CLOSED},
    IN_PROGRESS: {DISPATCHED, ANSWERED, CLOSED},
    ANSWERED: {CLOSED, REOPENED},
    CLOSED: {REOPENED},
    REOPENED: {DISPATCHED, IN_PROGRESS, ANSWERED, CLOSED},
}


def allowed(current: str, wanted: str) -> bool:
    return wanted in _NEXT.get(current, ())


def following(current: str) -> list[str]:
    """The statuses a ticket in `current` may move to, in their usual order."""
    return [s for s in STATUSES if allowed(current, s)]
