"""A ticket's three-way call: the caller and the agent on the ticket's call, and the department
the ticket is dispatched to, on its phone.

The two channels of the queue call leave their bridge together (AMI Redirect with ExtraChannel)
for a ConfBridge room of their own, and the box calls the department's phone into that room:
an extension directly, an outside number through the outbound routes within the permission
class of the person asking, as click-to-call and conference invites do (callbox-dial-for).
The number is checked before anything moves; a refusal changes nothing.
"""

from __future__ import annotations

import re
import secrets

from .. import destinations
from ..db import db, write_lock
from ..db.models import Extension, Ticket
from ..errors import Conflict, Forbidden, Invalid
from ..pbx.control import send
from ..pbx.render.dialplan import THREEWAY_CONTEXT
from ..permissions import service as permissions
from . import clock
from .service import _event

RING_SECONDS = 30
STAFF = ("admin", "supervisor")


def department_number(ticket: Ticket) -> str:
    """The digits the box dials for the ticket's department; 422 where there is none to dial."""
    if not ticket.department_id:
        raise Invalid("department: dispatch the ticket to a department first", "department")
    phone = re.sub(r"[\s().-]", "", ticket.department.phone or "")
    if not phone:
        raise Invalid(f"department: {ticket.department.name} has no phone number", "department")
    if not re.fullmatch(r"[0-9]{2,32}", phone):
        raise Invalid(f"department: {ticket.department.name}'s phone {ticket.department.phone!r} is not a number "
                      "the box can dial", "department")
    return phone


def _leg(number: str, permission_class: str, by: str) -> tuple[str, list]:
    """The channel that rings the department, and the variables its call carries."""
    if not Extension.select().where(Extension.number == number).exists():
        reason = permissions.check(permission_class, number) if destinations.dialable(number) else \
            "no outbound route dials it"
        if reason is not None:
            raise Invalid(f"department: {number}: {reason}", "department")
    return permissions.on_behalf(number, permission_class, by)


def start(ami, ticket: Ticket, call, user) -> str:
    """Join the ticket's live `call` (callcenter LiveCall) and its department's phone; the room's number."""
    number = department_number(ticket)
    if call is None or not call.connected or not call.agent_channel:
        raise Conflict("the ticket's call is not connected to an agent now")
    own = user.extension_id is not None and user.extension.number == call.agent
    if not own and user.role not in STAFF:
        raise Forbidden("only the agent on the call (or a supervisor) may add the department to it")
    channel, variables = _leg(number, permissions.class_of_user(user), user.extension.number if own else user.username)
    room = str(secrets.randbelow(8 * 10**7) + 2 * 10**7)  # 8 digits from 2: the dial plan's _NX.
    # The caller enters as 0<room>: the room's marked user, whose leaving ends it (dialplan.py).
    send(ami, "Redirect", Channel=call.channel, ExtraChannel=call.agent_channel, Context=THREEWAY_CONTEXT,
         ExtraContext=THREEWAY_CONTEXT, Exten="0" + room, ExtraExten=room, Priority=1, ExtraPriority=1)
    send(ami, "Originate", variables, Channel=channel, Context=THREEWAY_CONTEXT, Exten=room, Priority=1,
         CallerID=f'"{ticket.number}" <{call.agent}>', Async="true", Timeout=RING_SECONDS * 1000)
    with write_lock, db.atomic():
        _event(ticket, clock.now(), user.username, "three_way", None, f"{ticket.department.name} ({number})")
    return room
