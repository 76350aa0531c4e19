"""Answering a change only once the PBX runs it (or refused it)."""

from __future__ import annotations

from bottle import request, response

from appliance.errors import Rejected

APPLY_WAIT = 5.0


def settle(box, revision: int | None, timeout: float = APPLY_WAIT) -> None:
    """Wait until Asterisk runs the change; raise Rejected if it refused it.

    Sets Callbox-Revision and Callbox-Applied (false when the PBX is not up
    yet: the change is committed and applies when Asterisk starts). A client
    that makes many changes in a row can pass ?wait=false and let them apply
    together.
    """
    if revision is None:
        response.set_header("Callbox-Applied", "true")
        return
    response.set_header("Callbox-Revision", str(revision))
    pbx = box.pbx
    if request.query.get("wait") == "false" or pbx.error:
        response.set_header("Callbox-Applied", "false")
        return
    record = pbx.wait_settled(revision, timeout)
    if record.status == "rejected":
        raise Rejected(f"the PBX refused this change, so it was undone: {record.error}")
    response.set_header("Callbox-Applied", "true" if record.status == "applied" else "false")
