"""/park: the call park's slots, live from Asterisk."""

from __future__ import annotations

from appliance.switchboard import park

ANYONE = ("admin", "supervisor", "agent")


def install(api, box) -> None:
    @api.get("/park", roles=ANYONE)
    def parked_calls():
        """The park lot's number and each slot with the call parked there (or null)."""
        return park.slots(box.pbx.ami)
