"""Click-to-call (POST /api/v1/calls): ring the caller's own phone; once it is answered, dial
the number through the same way in as conference invites and moved calls
(callbox-dial-for -> callbox-on-behalf), within the user's permission class.

The number is checked here before any phone rings (nobody answers a call the dial plan would
refuse) and again by the dial plan, which trusts only what the supervisor set on the channel.
The phone's channel is the call's first, so the call records show one outbound call from that
extension; its unique id is the call's id, which the API answers with.

The phone rings as long as a call to the extension would (the box's ring time).

Which phone: the browser phone when it is registered, else the desk phone. The user asked from
a page, and a browser phone that is on is where they are (the page answers it by itself); a
desk phone takes the call only when nobody is at the page's phone. One phone, not both: an
Originate has one first channel, and the call records count the call from it.
"""

from __future__ import annotations

import secrets

from .. import box_settings
from ..db.models import Extension
from ..errors import Forbidden, Invalid
from ..fields import Number, PhoneNumber, StrictSchema, validate
from ..pbx.control import send
from ..pbx.render import webrtc
from ..pbx.render.dialplan import CLICK_TO_CALL_CONTEXT
from ..permissions import service as permissions
from .follow import Followed

STAFF = ("admin", "supervisor")


class CallSchema(StrictSchema):
    from_ = Number(required=True, data_key="from")
    to = PhoneNumber(required=True)


def caller_extension(user, number: str) -> Extension:
    """The extension to ring: agents only their own; administrators and supervisors any."""
    own = user.extension_id is not None and user.extension.number == number
    if not own and user.role not in STAFF:
        raise Forbidden("you may only call from your own extension")
    ext = Extension.get_or_none(Extension.number == number)
    if ext is None:
        raise Invalid(f"from: there is no extension {number}", "from")
    return ext


def check_number(permission_class: str, number: str) -> None:
    """An extension, or an outside number the class may dial: else 422 naming `to`."""
    if Extension.select().where(Extension.number == number).exists():
        return
    reason = permissions.check(permission_class, number)
    if reason is not None:
        raise Invalid(f"to: {number}: {reason}", "to")


def device(ext: Extension, registration) -> str:
    """The endpoint to ring: the browser phone when it is on and registered, else the desk phone.
    `registration(endpoint)` is the box's live registration of an endpoint (None: none)."""
    browser = webrtc.endpoint(ext.number)
    return browser if ext.browser_phone and registration(browser) else ext.number


def place(ami, data, user, registration=lambda endpoint: None, follower=None) -> tuple[str, str]:
    """Ring the extension's phone; the call id (the phone channel's unique id) and which phone
    rings ("browser" or "desk") are returned. `follower` (follow.Follower) is told of the call
    before it starts, so that nothing Asterisk says of it is missed."""
    values = validate(CallSchema(), data)
    ext = caller_extension(user, values["from_"])
    number = values["to"]
    if number == ext.number:
        raise Invalid("to: is the extension that would ring", "to")
    permission_class = permissions.class_of_user(user)
    check_number(permission_class, number)
    if ext.permission_class != permission_class:  # someone else's phone: its own class binds too
        check_number(ext.permission_class, number)
    call_id = f"c2c-{secrets.token_hex(8)}"
    endpoint = device(ext, registration)
    if follower is not None:
        follower.expect(Followed(call_id, user.id, ext.number, endpoint, number))
    try:
        response = send(ami, "Originate",
                        [("Variable", f"CALLBOX_FOR_CLASS={permission_class}"),
                         ("Variable", f"CALLBOX_FOR={ext.number}")],
                        Channel=f"PJSIP/{endpoint}", Context=CLICK_TO_CALL_CONTEXT, Exten=number, Priority=1,
                        CallerID=f'"{number}" <{number}>', ChannelId=call_id, Async="true",
                        Timeout=box_settings.load().ring_timeout * 1000)
    except Exception:
        if follower is not None:
            follower.forget(call_id)
        raise
    if follower is not None:
        follower.placed(call_id, response.get("ActionID"))
    return call_id, "desk" if endpoint == ext.number else "browser"
