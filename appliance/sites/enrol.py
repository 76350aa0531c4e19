"""A branch's side of sites: enrol with headquarters' code, and what it got.

The branch checks the code, talks to headquarters over HTTPS with its certificate pinned
(pinned.py), sends its own WireGuard public key and stores the answer in one change: its
tunnel address, headquarters as its VPN peer (the whole tunnel network through it, so the
other sites are reached through headquarters) and the site record. Nothing is stored when
any step fails.
"""

from __future__ import annotations

import ipaddress
import json
import re

from marshmallow import fields

from ..db import change
from ..db.journal import utcnow
from ..db.models import Setting, VpnPeer
from ..errors import Conflict, Invalid, Unavailable
from ..fields import StrictSchema, validate
from ..vpn import service as vpn
from . import code as codes
from .dialing import check_breakout, inside, prefix
from .service import REPORTED_MAX, parse_range
from .pinned import WrongCertificate, post

SETTING = "site"
DIRECTORY = "site.directory"  # the other sites' ranges and breakout patterns, as headquarters last listed them
SECRET = re.compile(r"[A-Za-z0-9]{16,64}")
JOIN_PATH = "/api/v1/sites/join"


class EnrolSchema(StrictSchema):
    code = fields.String(required=True)


def state() -> dict:
    row = Setting.get_or_none(Setting.key == SETTING)
    return json.loads(row.value) if row else {"state": "none"}


def public_state() -> dict:
    """GET /enrol: whether this box is a branch, and of which headquarters (no secrets)."""
    s = state()
    if s["state"] != "enrolled":
        return {"state": "none", "headquarters": None}
    return {"state": "enrolled", "headquarters": s["headquarters"], "fingerprint": s["fingerprint"],
            "site": s["site"], "tunnel": {k: s["tunnel"][k] for k in ("address", "network", "headquarters")},
            "enrolled_at": s["enrolled_at"]}


def _check_answer(doc) -> dict:
    """Headquarters' answer, checked as strictly as a user's input: it reaches wg and ip."""
    try:
        tunnel = doc["tunnel"]
        vpn.check_tunnel_address(tunnel["address"])
        network = ipaddress.ip_network(tunnel["network"], strict=True)
        if ipaddress.ip_interface(tunnel["address"]).network != network:
            raise ValueError("tunnel address outside its network")
        ipaddress.ip_address(tunnel["headquarters"])
        vpn.check_key(tunnel["headquarters_key"])
        vpn.check_endpoint(tunnel["headquarters_endpoint"])
        _check_site(doc["site"])
        if not isinstance(doc["trunk"]["username"], str) or doc["trunk"]["username"] != f"site{doc['site']['number']}" \
                or not SECRET.fullmatch(doc["trunk"]["secret"]):
            raise ValueError("trunk credentials")
        return doc
    except Exception as exc:  # noqa: BLE001 - any malformed answer is the same refusal
        raise Unavailable(f"headquarters' answer is not usable ({exc})") from None


def _check_site(site: dict) -> None:
    """A site as headquarters describes it; its range and patterns reach this box's dial plan."""
    number = site["number"]
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 100000:
        raise ValueError("site number")
    parse_range(site["extensions"])
    # The prefix follows from the number; headquarters names it so the page can show it.
    if site.get("prefix", prefix(number)) != prefix(number):
        raise ValueError("site prefix")
    if not isinstance(site.get("short_numbers", True), bool):
        raise ValueError("short numbers")
    patterns = site.get("breakout_patterns", [])
    if not isinstance(patterns, list) or len(patterns) > 20:
        raise ValueError("breakout patterns")
    for p in patterns:
        check_breakout(p)


def check_directory(doc) -> dict:
    """Headquarters' site list, as strictly as its enrolment answer: only what the dial plan needs."""
    try:
        sites = []
        for site in doc["sites"]:
            _check_site(site)
            listed = site.get("listed", [])  # absent from a headquarters of an earlier version
            if not isinstance(listed, list) or len(listed) > REPORTED_MAX:
                raise ValueError("listed extensions")
            for r in listed:
                parse_range(r)
                if not inside(r, site["extensions"]):
                    raise ValueError(f"{r} is outside site {site['number']}'s range")
            sites.append({"number": site["number"], "name": str(site.get("name", ""))[:64],
                          "extensions": site["extensions"], "prefix": prefix(site["number"]),
                          "short_numbers": site.get("short_numbers", True),
                          "breakout_patterns": [check_breakout(p) for p in site.get("breakout_patterns", [])],
                          "listed": listed})
        hq = []
        for r in doc["headquarters"]["extensions"]:
            parse_range(r)
            hq.append(r)
        return {"sites": sites, "headquarters": {"number": 1, "extensions": hq}}
    except Exception as exc:  # noqa: BLE001 - any malformed list is the same refusal
        raise ValueError(f"headquarters' site list is not usable ({exc})") from None


def directory() -> dict:
    row = Setting.get_or_none(Setting.key == DIRECTORY)
    return json.loads(row.value) if row else {"sites": [], "headquarters": {"number": 1, "extensions": []}}


def remember(doc: dict) -> int | None:
    """Keep headquarters' site list (checked) when it changed: the dial plan is rendered from it."""
    doc = check_directory(doc)
    if state()["state"] != "enrolled" or directory() == doc:
        return None
    with change("headquarters", "site.directory", state()["headquarters"]) as cs:
        row = Setting.get_or_none(Setting.key == DIRECTORY)
        if row is None:
            cs.create(Setting, key=DIRECTORY, value=json.dumps(doc))
        else:
            cs.update(row, value=json.dumps(doc))
    return cs.revision


def enrol(data, actor: str, public_key: str, version: str) -> tuple[dict, int]:
    values = validate(EnrolSchema(), data)
    try:
        url, fingerprint, token = codes.parse(values["code"])
    except codes.BadCode as exc:
        raise Invalid(f"code: {exc}", "code") from None
    if state()["state"] == "enrolled":
        raise Conflict("this box is enrolled already")
    try:
        status, doc = post(url, fingerprint, JOIN_PATH, {"token": token, "public_key": public_key,
                                                         "version": version})
    except WrongCertificate as exc:
        raise Invalid(f"code: headquarters at {url} shows another certificate ({exc}) than the code names; "
                      "nothing was sent", "code") from None
    except OSError as exc:
        raise Unavailable(f"headquarters at {url} does not answer ({exc})") from None
    if status == 409:
        raise Conflict("code: this code has been used; ask headquarters for a new one", "code")
    if status == 422:
        raise Invalid(f"code: headquarters refused it ({(doc or {}).get('error', 'no reason given')})", "code")
    if status != 200:
        raise Unavailable(f"headquarters answered {status}")
    doc = _check_answer(doc)
    tunnel = doc["tunnel"]
    with change(actor, "site.enrol", url) as cs:
        network = ipaddress.ip_network(tunnel["network"])
        for p in VpnPeer.select():
            for theirs in map(ipaddress.ip_network, vpn.networks_of(p)):
                if theirs.version == network.version and theirs.overlaps(network):
                    raise Conflict(f"the tunnel network {network} overlaps peer {p.name}'s {theirs}")
        now = utcnow()
        cs.create(VpnPeer, name="Headquarters", public_key=tunnel["headquarters_key"], allowed_ips=str(network),
                  endpoint=tunnel["headquarters_endpoint"], keepalive=int(tunnel.get("keepalive", 25)),
                  created_at=now, updated_at=now)
        iface = {**vpn.interface(), "address": tunnel["address"]}
        row = Setting.get_or_none(Setting.key == vpn.SETTING)
        if row is None:
            cs.create(Setting, key=vpn.SETTING, value=json.dumps(iface))
        else:
            cs.update(row, value=json.dumps(iface))
        record = {"state": "enrolled", "headquarters": url, "fingerprint": fingerprint, "site": doc["site"],
                  "tunnel": tunnel, "trunk": doc["trunk"], "enrolled_at": now.isoformat() + "Z"}
        cs.create(Setting, key=SETTING, value=json.dumps(record))
    return public_state(), cs.revision




def leave(actor: str) -> int | None:
    """Headquarters revoked this branch: its peer, tunnel address and site record go, in one change."""
    s = state()
    if s["state"] != "enrolled":
        return None
    with change(actor, "site.leave", s["headquarters"]) as cs:
        for peer in VpnPeer.select().where(VpnPeer.public_key == s["tunnel"]["headquarters_key"]):
            cs.delete(peer)
        row = Setting.get_or_none(Setting.key == vpn.SETTING)
        if row is not None:
            cs.update(row, value=json.dumps({**vpn.interface(), "address": None}))
        cs.delete(Setting.get(Setting.key == SETTING))
        listed = Setting.get_or_none(Setting.key == DIRECTORY)
        if listed is not None:
            cs.delete(listed)
    return cs.revision
