"""/events: the box's live events as server-sent events, for dashboards and pages.

Under the supervisor's gevent server each open stream is a greenlet parked in
Subscription.get (a patched, cooperative wait), so hundreds cost little; no
call here blocks without a timeout. A comment every HEARTBEAT seconds keeps
proxies from closing an idle stream and finds clients that went away: the
write fails, the server closes the generator and the subscription ends.
"""

from __future__ import annotations

import json
from typing import Callable

from bottle import request, response

from appliance.events import Event
from appliance.users import service as users

from ..plugins import current_user

HEARTBEAT = 15.0
RETRY_MS = 3000


def _everything(event: Event) -> bool:
    return True


# What names the agent an event is about, per topic an agent may see.
AGENT_KEYS = {"registration": "number", "agent_state": "extension", "screenpop": "agent",
              "screenpop_external": "agent", "agent_ringing": "agent", "call_connected": "agent",
              "call_ended": "agent"}


#: Topics every signed-in user sees (anyone may take a parked call back).
SHARED_TOPICS = {"park"}

#: Topics whose events are for one user (named by id in "user"): what became of their click-to-call.
USER_TOPICS = {"click_to_call"}


def visible_to(user) -> Callable[[Event], bool]:
    """Which events a user's stream carries: admins and supervisors see all;
    an agent only their own phone, state, calls and screen pops."""
    if user.role == "admin":
        return _everything
    if user.role == "supervisor":
        # Who the ban engine banned is the administrators' (so is the /security API).
        return lambda event: not event.topic.startswith("security.")
    own = user.extension.number if user.extension is not None else None

    def own_events(event: Event) -> bool:
        if event.topic in SHARED_TOPICS:
            return True
        if event.topic in USER_TOPICS:
            return event.data.get("user") == user.id
        key = AGENT_KEYS.get(event.topic)
        return key is not None and own is not None and event.data.get(key) == own

    return own_events


def _last_event_id() -> int | None:
    raw = request.get_header("Last-Event-ID") or request.query.get("last_event_id")
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 19 else None


def stream(subscription, heartbeat: float):
    try:
        yield f"retry: {RETRY_MS}\n\n"
        reported = 0
        while True:
            events = subscription.get(heartbeat)
            if subscription.dropped > reported:
                # This client was too slow and lost events: it must reload what it shows.
                lost = subscription.dropped - reported
                reported = subscription.dropped
                yield f"event: lost\ndata: {json.dumps({'topic': 'lost', 'count': lost})}\n\n"
            if not events:
                yield ": keep-alive\n\n"
            for event in events:
                yield event.sse()
    finally:
        subscription.close()


def install(api, box) -> None:
    @api.get("/events", roles=users.ROLES, produces="text/event-stream")
    def events():
        """Live events as server-sent events (Last-Event-ID resumes)."""
        subscription = box.events.subscribe(visible_to(current_user()), since=_last_event_id())
        response.content_type = "text/event-stream; charset=utf-8"
        response.set_header("X-Accel-Buffering", "no")
        return stream(subscription, HEARTBEAT)
