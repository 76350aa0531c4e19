"""/conferences/{number}/live and the live page's actions on a running room.

The rooms themselves (list, create, change, delete) are CRUD routes in resources.py.
Administrators and supervisors watch rooms and act on them; hosts do the same from their
phone's keypad (the host menu in confbridge.conf).
"""

from __future__ import annotations

from bottle import response

from appliance.conferences import service
from appliance.conferences.actions import InviteSchema
from appliance.errors import Unavailable
from appliance.permissions import service as permissions

from ..plugins import current_user, json_body

STAFF = ("admin", "supervisor")


def install(api, box) -> None:
    def manager():
        found = getattr(box, "conferences", None)
        if found is None or found.error:
            raise Unavailable("conferences are not running")
        return found

    @api.get("/conferences/<number>/live", roles=STAFF)
    def live(number):
        """Who is in the room now (muted, talking, host) and whether it is locked or recorded."""
        return manager().live.live(service.get(number).number)

    def party_action(name: str, doc: str, act):
        def handler(number, party):
            act(manager().actions, number, party)
            response.status = 204
        handler.__doc__ = doc
        api.route(f"/conferences/<number>/parties/<party>/{name}", "POST", handler,
                  name=f"conferences.party_{name}", roles=STAFF, success="204")

    party_action("mute", "Mute a party: the room no longer hears it.", lambda a, n, p: a.mute(n, p, True))
    party_action("unmute", "Let a muted party be heard again.", lambda a, n, p: a.mute(n, p, False))
    party_action("kick", "Remove a party from the room (its call ends).", lambda a, n, p: a.kick(n, p))

    def room_action(name: str, doc: str, act):
        def handler(number):
            act(manager().actions, number)
            response.status = 204
        handler.__doc__ = doc
        api.route(f"/conferences/<number>/{name}", "POST", handler, name=f"conferences.{name.replace('-', '_')}",
                  roles=STAFF, success="204")

    room_action("lock", "Lock the room: no one else joins (hosts still may).", lambda a, n: a.lock(n, True))
    room_action("unlock", "Open a locked room again.", lambda a, n: a.lock(n, False))
    room_action("record", "Start recording the room (beside the calls' recordings).", lambda a, n: a.record(n, True))
    room_action("stop-record", "Stop recording the room.", lambda a, n: a.record(n, False))

    @api.post("/conferences/<number>/invite", roles=STAFF, success="202", schema=InviteSchema)
    def invite(number):
        """Call a number (an extension, or one an outbound route dials) and put it in the room."""
        user = current_user()
        calling = manager().actions.invite(number, json_body(), permissions.class_of_user(user),
                                           f"user-{user.username}")
        response.status = 202
        return {"calling": calling}
