"""The ban engine's settings and its ban records in the config database.

Settings are one JSON row in the settings table (key "security"), validated here: the
engine's policy, and the addresses bans are mailed to (`email`), which the engine never reads.
Ban records (security_ban) keep each address's latest ban, ended or not, so that bans
are put back in the kernel at start and repeat offenders still escalate after a restart.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json

from marshmallow import ValidationError, fields, validate as v, validates

from ..db import change
from ..db.models import SecurityBan, Setting
from ..fields import Email, StrictSchema, StrictString, validate
from .engine import Ban, Policy

KEY = "security"
MAX_ALLOW = 200
MAX_EMAIL = 5


class SecuritySettingsSchema(StrictSchema):
    max_failures = fields.Integer(strict=True, validate=v.Range(2, 1000))
    window_seconds = fields.Integer(strict=True, validate=v.Range(5, 86400))
    ban_minutes = fields.List(fields.Integer(strict=True, allow_none=True, validate=v.Range(1, 525600)),
                              validate=v.Length(1, 5))
    allow = fields.List(StrictString(validate=v.Length(max=64)), validate=v.Length(max=MAX_ALLOW))
    #: Who is mailed when an address is banned (through the box's outgoing mail); empty: nobody.
    email = fields.List(Email(), validate=v.Length(max=MAX_EMAIL))

    @validates("allow")
    def _allow(self, value, **kwargs):
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValidationError(f"{item!r} is not an IP address or network such as 10.0.0.0/8") from None

    @validates("ban_minutes")
    def _ban_minutes(self, value, **kwargs):
        if None in value[:-1]:
            raise ValidationError("only the last ban may be permanent (null)")


def _canonical_allow(items) -> list[str]:
    out = []
    for item in items:
        net = ipaddress.ip_network(item, strict=False)
        text = str(net.network_address) if net.num_addresses == 1 else str(net)
        if text not in out:
            out.append(text)
    return out


def to_dict(policy: Policy) -> dict:
    return {"max_failures": policy.max_failures, "window_seconds": policy.window_seconds,
            "ban_minutes": list(policy.ban_minutes), "allow": list(policy.allow)}


def _stored() -> dict:
    row = Setting.get_or_none(Setting.key == KEY)
    return json.loads(row.value) if row is not None else {}


def load_email() -> list[str]:
    """The addresses bans are mailed to."""
    return list(_stored().get("email") or [])


def public(policy: Policy) -> dict:
    """The settings as the API shows them: the policy and the ban mail's addresses."""
    return {**to_dict(policy), "email": load_email()}


def load_policy() -> Policy:
    stored = _stored()
    merged = {**to_dict(Policy()), **{k: val for k, val in stored.items() if k in Policy.__dataclass_fields__}}
    return Policy(merged["max_failures"], merged["window_seconds"], tuple(merged["ban_minutes"]),
                  tuple(merged["allow"]))


def save_policy(actor: str, data) -> Policy:
    """Validate a whole or partial settings document and store it; the resulting policy."""
    values = validate(SecuritySettingsSchema(), data, partial=True)
    if "allow" in values:
        values["allow"] = _canonical_allow(values["allow"])
    doc = {**to_dict(load_policy()), "email": load_email(), **values}
    # Nothing Asterisk loads: settled at once, in the audit log all the same.
    with change(actor, "security.settings", ",".join(sorted(values)), settled=True) as cs:
        row = Setting.get_or_none(Setting.key == KEY)
        if row is None:
            cs.create(Setting, key=KEY, value=json.dumps(doc))
        else:
            cs.update(row, value=json.dumps(doc))
    return load_policy()


def load_bans() -> list[Ban]:
    return [Ban(r.address, r.reason, r.since, r.until, r.count) for r in SecurityBan.select()]


def store_ban(ban: Ban) -> None:
    SecurityBan.insert(address=ban.address, reason=ban.reason, since=ban.since, until=ban.until,
                       count=ban.count).on_conflict_replace().execute()


def delete_bans(addresses) -> None:
    addresses = list(addresses)
    if addresses:
        SecurityBan.delete().where(SecurityBan.address.in_(addresses)).execute()


def _iso(t: float | None) -> str | None:
    if t is None:
        return None
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def ban_to_dict(ban: Ban) -> dict:
    return {"address": ban.address, "reason": ban.reason, "since": _iso(ban.since), "until": _iso(ban.until),
            "count": ban.count}
