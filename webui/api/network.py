"""/network: the box's interfaces, VLANs, routes, DNS, time servers and host name; live links.

A change of addresses, VLANs or routes is applied at once and stays pending
until POST /network/confirm (from the browser once it reaches the box again,
at the new address if that moved); the box goes back by itself when the
confirmation does not come within `confirm_seconds`.
"""

from __future__ import annotations

from appliance.db import change
from appliance.fields import validate
from appliance.network import service
from appliance.network.schema import normalise

from ..plugins import current_user, json_body
from .apply import settle

APPLY_WAIT = 15.0


def install(api, box) -> None:
    def manager():
        return getattr(box, "network", None)

    def state() -> dict:
        net = manager()
        left = service.seconds_left()
        last = {k: v for k, v in net.last.items() if k != "wanted"} if net is not None else None
        return {**service.document(), "managed": bool(net and net.managed), "applied": last,
                "pending": None if left is None else {"seconds_left": round(left, 1),
                                                      "deadline": service.pending()["deadline"].isoformat() + "Z"}}

    @api.get("/network")
    def get_network():
        """The network settings, whether the box applies them, what the last apply did, and a
        change that waits for its confirmation (seconds left)."""
        return state()

    @api.put("/network", schema=service.NetworkPut)
    def put_network():
        """Replace the network settings. A change of addresses, VLANs or routes is applied and
        stays pending until POST /network/confirm; without it the box goes back after confirm_seconds."""
        values = validate(service.NetworkPut(), json_body())
        net = manager()
        if net is not None:
            net.check(normalise({k: v for k, v in values.items() if k not in ("hostname", "ntp_servers")}))
        with change(current_user().username, "network.update", "network") as cs:
            service.put(cs, values, confirm=bool(net and net.managed))
        settle(box, None if cs.empty else cs.revision, APPLY_WAIT)
        return state()

    @api.post("/network/confirm")
    def confirm():
        """Keep the pending network change (409 when none waits)."""
        with change(current_user().username, "network.confirm", "network", settled=True) as cs:
            service.confirm(cs)
        return state()

    @api.get("/network/links")
    def links():
        """Every link but loopback: state, carrier, MAC, addresses, bytes received and sent."""
        net = manager()
        return {"items": net.interfaces() if net is not None else []}
