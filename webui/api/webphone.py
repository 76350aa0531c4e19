"""/me/phone: the signed-in user's phone in the browser (appliance/webphone)."""

from __future__ import annotations

from appliance.db.models import Extension
from appliance.errors import Invalid
from appliance.users import service as users
from appliance.webphone import service

from ..plugins import current_user, json_body
from .apply import settle


def install(api, box) -> None:
    def view():
        user = current_user()
        # Read afresh: the user's row holds the extension as it was when they were looked up.
        ext = None if user.extension_id is None else Extension.get_or_none(Extension.id == user.extension_id)
        pbx = box.pbx
        registration = None if pbx.error or ext is None else pbx.registration(service.webrtc.endpoint(ext.number))
        return service.account(ext, pbx.system, registration)

    @api.get("/me/phone", roles=users.ROLES)
    def get_phone():
        """The browser phone of the signed-in user's extension: whether it is on, and the SIP
        account it registers with over WebSocket (`user`, `password`, at the box's address on
        `port`, or `tls_port` from a page served over HTTPS, and `path`); its registration.
        For the signed-in user only."""
        return view()

    @api.put("/me/phone", roles=users.ROLES, schema={"type": "object", "required": ["enabled"], "properties": {
        "enabled": {"type": "boolean"}}})
    def put_phone():
        """Turn the browser phone of the signed-in user's extension on or off. When on, calls to
        the extension (direct, ring groups, queues) ring it with the desk phone."""
        data = json_body()
        if not isinstance(data, dict) or not isinstance(data.get("enabled"), bool):
            raise Invalid('enabled: send true or false, such as {"enabled": true}', "enabled")
        if set(data) - {"enabled"}:
            field = sorted(set(data) - {"enabled"})[0]
            raise Invalid(f"{field}: cannot be changed here", field)
        settle(box, service.set_enabled(current_user(), data["enabled"]))
        return view()
