"""The network settings behind /network: read, change, confirm, go back.

A change to addresses, VLANs or routes can cut the administrator off, so it is
applied at once but stays pending (the `network_pending` row keeps the last
confirmed settings and a deadline) until POST /network/confirm; the manager
restores the kept settings when the deadline passes without one, also after a
restart of the supervisor.
"""

from __future__ import annotations

import datetime as dt
import json

from marshmallow import fields, validate, validates

from .. import box_settings
from ..db.journal import utcnow
from ..db.models import Setting
from ..errors import Conflict
from ..fields import Host, StrictString
from .planner import disruptive
from .schema import NetworkSchema, normalise

PENDING_KEY = "network_pending"


class NetworkPut(NetworkSchema):
    """The whole network document, with the host name and time servers beside it."""

    hostname = StrictString()
    ntp_servers = fields.List(Host(), validate=validate.Length(max=4))

    @validates("hostname")
    def _hostname(self, value, **kwargs):
        box_settings.check_hostname(value)


def document(settings=None) -> dict:
    settings = settings or box_settings.load()
    return {"hostname": settings.hostname, "ntp_servers": list(settings.ntp_servers), **settings.network}


def pending() -> dict | None:
    """{"previous": the last confirmed settings, "deadline": naive UTC} while a change waits."""
    row = Setting.get_or_none(Setting.key == PENDING_KEY)
    if row is None:
        return None
    doc = json.loads(row.value)
    return {**doc, "deadline": dt.datetime.fromisoformat(doc["deadline"])}


def seconds_left(now: dt.datetime | None = None) -> float | None:
    p = pending()
    if p is None:
        return None
    return max(0.0, (p["deadline"] - (now or utcnow())).total_seconds())


def put(cs, values: dict, *, confirm: bool, now: dt.datetime | None = None) -> bool:
    """Store the new settings within `cs`; returns whether they wait for a confirmation
    (`confirm`: the box applies its network, so a change can lose its administrator)."""
    settings = box_settings.load()
    network = normalise({k: v for k, v in values.items() if k not in ("hostname", "ntp_servers")})
    new = {"network": network}
    for key in ("hostname", "ntp_servers"):
        if key in values:
            new[key] = values[key]
    waits = confirm and disruptive(settings.network, network)
    if waits:
        row = Setting.get_or_none(Setting.key == PENDING_KEY)
        # A second change before the first is confirmed goes back to the same confirmed settings.
        previous = json.loads(row.value)["previous"] if row is not None else \
            {"network": settings.network, "hostname": settings.hostname, "ntp_servers": list(settings.ntp_servers)}
        deadline = (now or utcnow()) + dt.timedelta(seconds=network["confirm_seconds"])
        value = json.dumps({"previous": previous, "deadline": deadline.isoformat()})
        if row is None:
            cs.create(Setting, key=PENDING_KEY, value=value)
        else:
            cs.update(row, value=value)
    box_settings.save(cs, new)
    return waits


def confirm(cs) -> None:
    row = Setting.get_or_none(Setting.key == PENDING_KEY)
    if row is None:
        raise Conflict("no network change waits for a confirmation")
    cs.delete(row)


def rollback(cs) -> bool:
    """Back to the last confirmed settings; False when nothing was pending."""
    row = Setting.get_or_none(Setting.key == PENDING_KEY)
    if row is None:
        return False
    box_settings.save(cs, json.loads(row.value)["previous"])
    cs.delete(row)
    return True
