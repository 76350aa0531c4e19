"""POST /calls: click-to-call from a page (appliance/clicktocall)."""

from __future__ import annotations

from bottle import response

from appliance.clicktocall import service
from appliance.errors import Unavailable

from ..plugins import current_user, json_body

ANYONE = ("admin", "supervisor", "agent")


def install(api, box) -> None:
    @api.post("/calls", roles=ANYONE, success="202", schema=service.CallSchema)
    def place_call():
        """Ring the phone of extension `from` (its browser phone where that is on and registered,
        else its desk phone); once it is answered, dial `to` for the signed-in user (within their
        permission class, as if dialled from that phone). Agents call from their own extension
        only. Answers with the call's id (its id in the call log) and `rings`: "browser" or "desk".
        What becomes of the call follows on the user's event stream as "click_to_call" events
        {id, state, final}: ringing, answered; then no_answer, busy, declined, not_registered or
        unreachable (the user's phone), or connected, far_busy, far_no_answer, far_failed,
        refused (the number), ended."""
        pbx = getattr(box, "pbx", None)
        if pbx is None or pbx.ami is None:
            raise Unavailable("telephony is not running")
        follower = getattr(getattr(box, "clicktocall", None), "follower", None)
        call_id, rings = service.place(pbx.ami, json_body(), current_user(), pbx.registration, follower)
        response.status = 202
        return {"id": call_id, "rings": rings}
