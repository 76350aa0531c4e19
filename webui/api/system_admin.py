"""/audit, /system: the audit log, restarting telephony, rebooting, the logs as a download."""

from __future__ import annotations

import time
from itertools import chain

from bottle import HTTPResponse, request, response

from appliance import audit, tarstream
from appliance.errors import Conflict

from .extensions import _int


def install(api, box) -> None:
    @api.get("/audit")
    def audit_log():
        """Who changed what and when, newest first (page, per_page, actor)."""
        page, per_page = _int("page", 1), _int("per_page", 50)
        items, total = audit.entries(page, per_page, request.query.getunicode("actor") or None)
        return {"items": items, "page": page, "per_page": per_page, "total": total}

    @api.post("/system/restart-telephony", success="202")
    def restart_telephony():
        """Restart Asterisk. Calls in progress are cut; phones re-register by themselves."""
        box.pbx.process.request_restart("restart requested from the web UI")
        response.status = 202
        return {"restarting": True}

    @api.post("/system/reboot", success="202")
    def reboot():
        """Reboot the box (not a dev box instance)."""
        if not box.runtime.can_reboot:
            raise Conflict("this box runs as a dev instance and cannot reboot itself; stop it with `box down`")
        box.request_reboot()
        response.status = 202
        return {"rebooting": True}

    @api.get("/system/logs", produces="application/gzip")
    def logs():
        """The box's logs (supervisor, Asterisk, rotated ones too) as one .tar.gz, streamed as it is packed."""
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        stream = tarstream.gzipped(chain(tarstream.tree("logs", box.runtime.paths.log, folders=False),
                                         [tarstream.END]))
        return HTTPResponse(stream, headers={
            "Content-Type": "application/gzip",
            "Content-Disposition": f'attachment; filename="callbox-logs-{stamp}.tar.gz"'})
