"""Turning a user's browser phone on or off, and what the page needs to register it.

The SIP account (`<extension>-web`) and its password are given to the signed-in user of the
extension only; the password is derived from the extension's secret (appliance/pbx/render/webrtc.py),
so it needs no column and changes when the extension gets a new SIP password.
"""

from __future__ import annotations

from ..db.models import Extension
from ..errors import Conflict
from ..extensions import service as extensions
from ..pbx.render import webrtc


def own_extension(user) -> Extension:
    ext = user.extension
    if ext is None:
        raise Conflict("you have no extension: an administrator gives you one on the Users page")
    return ext


def account(ext: Extension | None, system, registration: dict | None) -> dict:
    """What the page registers with: SIP over WebSocket at the box's address (the page's own host)
    on `port` (ws) or `tls_port` (wss, for a page served over HTTPS; null where the box has none),
    as `user` with `password`. A user without an extension has no phone to turn on."""
    on = bool(ext and ext.browser_phone)
    return {
        "enabled": on,
        "extension": ext.number if ext else None,
        "user": webrtc.endpoint(ext.number) if on else None,
        "password": webrtc.password(ext.secret) if on else None,
        "display_name": ext.name if ext else None,
        "port": system.webrtc_port,
        "tls_port": system.webrtc_tls_port or None,
        "path": webrtc.WS_PATH,
        "registration": registration,
    }


def set_enabled(user, enabled: bool) -> int | None:
    """The user's own extension gets (or loses) its browser phone; the revision to wait for."""
    ext = own_extension(user)
    _, _, revision = extensions.update(ext.number, {"browser_phone": enabled}, user.username, partial=True)
    return revision
