"""/system/update, /system/factory-reset: firmware updates and going back to a new box."""

from __future__ import annotations

from bottle import request, response

from appliance.errors import Conflict, Invalid
from appliance.update.manager import MAX_BUNDLE, UpdateError

from ..plugins import json_body

DEV_BOX = "updates and factory reset need a box booted from its disk; this one cannot reboot itself"


def install(api, box) -> None:
    def manager():
        found = getattr(box, "update", None)
        if found is None or not box.runtime.can_reboot:
            raise Conflict(DEV_BOX)
        return found

    @api.get("/system/update")
    def update_status():
        """The running and the other system slot's versions, and the state of an update under way.

        available is false (with a reason) on a dev box instance. job.state goes
        receiving, checking, installing (with progress), rebooting; or failed with a message."""
        found = getattr(box, "update", None)
        if found is None or not box.runtime.can_reboot:
            return {"available": False, "reason": DEV_BOX}
        return found.status()

    @api.post("/system/update", success="202", body="application/octet-stream")
    def upload_update():
        """Install an update: the body is the signed bundle (update.raucb) itself.

        The box checks its signature and that it is made for this box, writes it to
        the other system slot and reboots into it; the new system is kept only once it
        is healthy. Follow the progress with GET /system/update."""
        updates = manager()
        length = request.content_length
        try:
            if length > MAX_BUNDLE:
                raise Invalid(f"the file is larger than a system slot ({MAX_BUNDLE // 2**20} MB)", "file")
            try:
                bundle = updates.receive(request.environ["wsgi.input"], length)
            except UpdateError as exc:
                raise Conflict(str(exc)) from None
        except (Invalid, Conflict) as exc:
            # Refused or cut, the rest of the body may never be read: the connection ends with the
            # answer, so the server does not take what is left of a bundle for the next request.
            exc.headers = {"Connection": "close"}
            raise
        response.status = 202
        return updates.install_async(bundle)

    @api.post("/system/factory-reset", success="202", schema={
        "type": "object", "required": ["confirm"], "properties": {"confirm": {"type": "string", "enum": ["erase"]}}})
    def factory_reset():
        """Erase all configuration, voicemail, recordings and keys, and reboot as a new box.

        Send {"confirm": "erase"}. The same is a boot option in the box's boot menu."""
        updates = manager()
        data = json_body()
        if not isinstance(data, dict) or data.get("confirm") != "erase":
            raise Invalid('send {"confirm": "erase"} to erase the box', "confirm")
        try:
            updates.factory_reset()
        except UpdateError as exc:
            raise Conflict(str(exc)) from None
        response.status = 202
        return {"rebooting": True, "factory_reset": True}
