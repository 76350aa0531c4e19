"""/security: the ban engine's banned addresses and its settings (appliance/security)."""

from __future__ import annotations

from bottle import response

from appliance.errors import Invalid, NotFound, Unavailable
from appliance.security import service
from appliance.security.engine import normal_address

from ..plugins import current_user, json_body

ADMIN = ("admin",)


def install(api, box) -> None:
    def manager():
        found = getattr(box, "security", None)
        if found is None or found.error:
            raise Unavailable("the ban engine is not running")
        return found

    @api.get("/security/bans", roles=ADMIN)
    def list_bans():
        """Addresses banned now: why, since when, until when (null: permanent), and the how-many-th ban it is."""
        return {"items": [service.ban_to_dict(b) for b in manager().bans()],
                "enforced": manager().enforced}

    @api.delete("/security/bans/<address>", roles=ADMIN, success="204")
    def unban(address):
        """Lift an address's ban at once and forget its earlier bans."""
        ip = normal_address(address)
        if ip is None:
            raise Invalid("not an IP address", "address")
        if manager().unban(ip) is None:
            raise NotFound(f"{ip} is not banned")
        response.status = 204

    @api.get("/security/settings", roles=ADMIN)
    def get_security_settings():
        """Failures that ban an address (max_failures within window_seconds), the bans' lengths in
        minutes (ban_minutes: first, second, ...; null is permanent), the addresses never banned, and
        the addresses a ban is mailed to (email, through the box's outgoing mail)."""
        return service.public(manager().engine.policy)

    @api.put("/security/settings", roles=ADMIN, schema=service.SecuritySettingsSchema)
    def put_security_settings():
        """Change the ban engine's settings (any of the fields; the others stay)."""
        policy = service.save_policy(current_user().username, json_body())
        manager().set_policy(policy)
        return service.public(policy)
