"""Headquarters' side of sites: the branch list, enrolment codes, joining, revoking.

A site is made with its name, extension range and breakout patterns; it gets a site number,
a tunnel address in headquarters' tunnel network and a one-time code. A branch that shows
the code's token (over HTTPS, see enrol.py) with its WireGuard key becomes a VPN peer in the
same change that marks the code used, so a site is never half-enrolled. Revoking removes
the site and its peer together.

Ranges may overlap between branches (two hotels that both number their rooms 8001-8099): such
sites are dialled by their prefix only (dialing.py). A range may not overlap headquarters' own
numbers, which its phones dial plainly, nor a prefix an outbound route here names.
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress

from marshmallow import ValidationError, fields, validate as v, validates

from .. import numbers, secrets as box_secrets
from ..db import change, write_lock
from ..db.journal import utcnow
from ..db.models import Extension, OutboundPattern, Site, VpnPeer
from ..errors import Conflict, Invalid, NotFound
from ..fields import Name, StrictSchema, StrictString, validate
from ..vpn import service as vpn
from . import code as codes, updates
from .dialing import BreakoutPattern, inside, prefix, prefix_only, runs

CODE_HOURS = 24
KEEPALIVE = 25  # seconds: branches sit behind NAT routers
RANGE_MAX = 10000
REPORTED_MAX = 2000  # runs of extensions a branch reports (and headquarters passes on)


def parse_range(text: str) -> tuple[str, str]:
    first, sep, last = text.partition("-")
    if not sep or not first.isdigit() or not last.isdigit() or len(first) != len(last) or first[0] == "0" \
            or not 2 <= len(first) <= 8:
        raise ValidationError("must be FROM-TO, two numbers of the same length, such as 2000-2099")
    if int(first) > int(last) or int(last) - int(first) >= RANGE_MAX:
        raise ValidationError(f"must run upwards, at most {RANGE_MAX} numbers")
    return first, last


class SiteSchema(StrictSchema):
    name = Name(required=True)
    extensions = StrictString(required=True)
    breakout_patterns = fields.List(BreakoutPattern(), validate=v.Length(max=20))

    @validates("extensions")
    def _extensions(self, value, **kwargs):
        parse_range(value)


class AsteriskSchema(StrictSchema):
    """A branch's Asterisk as it runs now: its entity id, and a token made anew at each start of it
    (headquarters sends it again what it passes on when that changes: appliance/sites/mailboxes.py)."""

    eid = StrictString(required=True, validate=v.Regexp(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$"))
    run = StrictString(required=True, validate=v.Regexp(r"^[0-9a-f]{16}$"))


class ReportSchema(StrictSchema):
    number = fields.Integer(strict=True, required=True, validate=v.Range(2, 100000))
    secret = StrictString(required=True, validate=v.Length(max=128))
    version = StrictString(validate=v.Length(max=64))
    phones_registered = fields.Integer(strict=True, allow_none=True, validate=v.Range(0, 100000))
    # The branch's own extensions as FROM-TO runs: headquarters watches their busy lamps.
    extensions = fields.List(StrictString(validate=v.Length(max=17)), validate=v.Length(max=REPORTED_MAX))
    update = fields.Nested(updates.ReportedSchema)  # the state of an upgrade pushed to it (updates.py)
    asterisk = fields.Nested(AsteriskSchema)  # absent while its Asterisk is not up

    @validates("extensions")
    def _extensions(self, value, **kwargs):
        for r in value:
            parse_range(r)


class JoinSchema(StrictSchema):
    token = StrictString(required=True, validate=v.Regexp(codes.TOKEN.pattern))
    public_key = vpn.Key(required=True)
    version = StrictString(validate=v.Length(max=64))


def listing() -> list[Site]:
    return list(Site.select().order_by(Site.number))


def get(key) -> Site:
    found = Site.get_or_none(Site.id == key) if str(key).isdigit() else None
    if found is None:
        raise NotFound(f"no site {key}")
    return found


def prefixed_sites() -> set[int]:
    """Sites dialled by prefix only: their range overlaps another site's (pending ones count, so a
    site's numbering does not change again when the other enrols)."""
    return prefix_only({s.number: (s.extensions_from, s.extensions_to)
                        for s in Site.select(Site.number, Site.extensions_from, Site.extensions_to)})


def dialling(site: Site, prefixed: set[int]) -> dict:
    """How the other sites dial this site's extensions: its prefix always, plainly too unless prefixed."""
    return {"prefix": prefix(site.number), "short_numbers": site.number not in prefixed}


def _route_naming(pattern: str, number: int) -> bool:
    """Whether an outbound route pattern names site `number`'s prefix: digits (or X, N, Z) then a star."""
    head, star, _rest = pattern.lstrip("_").lstrip("+").partition("*")
    digits = str(number)
    return bool(star) and len(head) == len(digits) and all(
        h == d or h == "X" or (h == "N" and d >= "2") or (h == "Z" and d >= "1") for h, d in zip(head, digits))


def to_dict(site: Site, live: dict | None, prefixed: set[int] | None = None) -> dict:
    """The API's shape; `live` is the site's peer's live state from the VPN manager."""
    state, last_seen = "pending", None
    if site.enrolled_at is not None:
        age = (live or {}).get("handshake_age")
        # WireGuard renews a session every two minutes while the tunnel is used, and the
        # branch's keepalive keeps it used: three minutes without one is a tunnel down.
        state = "up" if age is not None and age < 180 else "down"
        if age is not None:
            last_seen = (utcnow() - dt.timedelta(seconds=age)).replace(microsecond=0).isoformat() + "Z"
    return {"id": site.id, "name": site.name, "number": site.number, "state": state, "last_seen": last_seen,
            "version": site.version, "phones_registered": site.phones_registered,
            "extensions": f"{site.extensions_from}-{site.extensions_to}",
            "breakout_patterns": [p for p in site.breakout_patterns.split(",") if p],
            "tunnel_address": site.tunnel_address,
            **dialling(site, prefixed_sites() if prefixed is None else prefixed),
            "code_expires": None if site.enrolled_at else site.code_expires.isoformat() + "Z"}


def _tunnel(number: int) -> tuple[str, str]:
    """Headquarters' tunnel interface, and site `number`'s address in its network."""
    iface = vpn.interface()
    if not iface["address"] or not iface.get("public_address"):
        raise Conflict("set this box's tunnel address and public address on the VPN page first")
    network = ipaddress.ip_interface(iface["address"]).network
    if number + 1 >= network.num_addresses - 1:
        raise Conflict(f"the tunnel network {network} has no room for another site")
    address = network.network_address + number
    if any(address in ipaddress.ip_network(n) for p in VpnPeer.select() for n in vpn.networks_of(p)):
        raise Conflict(f"site {number}'s tunnel address {address} is taken by a VPN peer")
    if address == ipaddress.ip_interface(iface["address"]).ip:
        raise Conflict(f"site {number}'s tunnel address would be this box's own: give this box the network's "
                       f"first address (such as {network.network_address + 1})")
    return iface["address"], str(address)


def create(data, actor: str, https_url: str, fingerprint: str, now: dt.datetime | None = None) -> tuple[Site, str, int]:
    """A new pending site and its code."""
    values = validate(SiteSchema(), data)
    first, last = parse_range(values["extensions"])
    now = now or utcnow()
    token = codes.new_token()
    with change(actor, "site.create", values["name"]) as cs:
        if Site.get_or_none(Site.name == values["name"]):
            raise Conflict(f"name: a site called {values['name']} exists", "name")
        # Headquarters' phones dial its own numbers plainly, and branches are sent its extensions
        # plainly: a site's extension there would be neither reachable nor a short number.
        ours = sorted(n for n in numbers.taken() if len(n) == len(first) and n.isdigit()
                      and int(first) <= int(n) <= int(last))
        if ours:
            raise Invalid(f"extensions: {ours[0]} is already this box's {numbers.in_use(ours[0])}; "
                          "headquarters' own numbers cannot be at a site", "extensions")
        number = max([s.number for s in listing()] + [1]) + 1  # headquarters is site 1
        named = next((p.pattern for p in OutboundPattern.select(OutboundPattern.pattern)
                      if _route_naming(p.pattern, number)), None)
        if named:
            raise Invalid(f"extensions: the outbound route pattern {named} takes numbers starting "
                          f"{prefix(number)}, this site's prefix; change that pattern first", "extensions")
        _hq, address = _tunnel(number)
        site = cs.create(Site, name=values["name"], number=number, extensions_from=first, extensions_to=last,
                         breakout_patterns=",".join(values.get("breakout_patterns", [])),
                         code_hash=codes.token_hash(token), code_expires=now + dt.timedelta(hours=CODE_HOURS),
                         tunnel_address=address, trunk_secret=box_secrets.sip_secret(24), created_at=now)
    return site, codes.make(https_url, fingerprint, token), cs.revision


def join(data, hq_public_key: str, now: dt.datetime | None = None) -> tuple[dict, int | None]:
    """A branch shows its code's token and its key: it becomes a peer; returns what it needs."""
    values = validate(JoinSchema(), data)
    now = now or utcnow()
    with change("site-enrolment", "site.join", "") as cs:
        site = Site.get_or_none(Site.code_hash == codes.token_hash(values["token"]))
        if site is None:
            raise Invalid("token: this code is not known here (revoked, or never issued)", "token")
        if site.enrolled_at is not None:
            if site.public_key != values["public_key"]:
                raise Conflict("token: this code has been used", "token")
            # The same branch asking again (its answer was lost): the same answer, nothing changes.
        elif site.code_expires < now:
            raise Invalid("token: this code has expired; issue a new one", "token")
        else:
            if VpnPeer.get_or_none(VpnPeer.public_key == values["public_key"]) or \
                    values["public_key"] == hq_public_key:
                raise Conflict("public_key: another peer has this key", "public_key")
            peer = cs.create(VpnPeer, name=f"Site {site.number} {site.name}"[:64], public_key=values["public_key"],
                             allowed_ips=f"{site.tunnel_address}/32", endpoint=None, keepalive=0,
                             created_at=now, updated_at=now)
            cs.update(site, enrolled_at=now, public_key=values["public_key"], vpn_peer=peer,
                      version=values.get("version"))
        iface = vpn.interface()
    hq_address = ipaddress.ip_interface(iface["address"])
    doc = {
        "site": {"number": site.number, "name": site.name, "prefix": prefix(site.number),
                 "extensions": f"{site.extensions_from}-{site.extensions_to}",
                 "breakout_patterns": [p for p in site.breakout_patterns.split(",") if p]},
        "tunnel": {"address": f"{site.tunnel_address}/{hq_address.network.prefixlen}",
                   "network": str(hq_address.network), "headquarters": str(hq_address.ip),
                   "headquarters_key": hq_public_key,
                   "headquarters_endpoint": vpn.check_endpoint(f"{iface['public_address']}:{iface['listen_port']}"),
                   "keepalive": KEEPALIVE},
        "trunk": {"username": f"site{site.number}", "secret": site.trunk_secret},
    }
    return doc, None if cs.empty else cs.revision


def authenticated(number: int, secret: str) -> Site:
    """The enrolled site `number` whose trunk secret is `secret` (NotFound otherwise)."""
    site = Site.get_or_none(Site.number == number)
    if site is None or site.enrolled_at is None or not hmac.compare_digest(site.trunk_secret, secret):
        raise NotFound("no such site")
    return site


def report(data) -> dict:
    """A branch's regular report (its version, phones registered); answers the site list.
    A site that is not (or no longer) here, or a wrong secret, is NotFound: the branch leaves."""
    values = validate(ReportSchema(), data)
    site = authenticated(values["number"], values["secret"])
    # Status, not configuration: written beside the journal, as the registrations are.
    with write_lock:
        Site.update(version=values.get("version"), phones_registered=values.get("phones_registered"),
                    **({"eid": values["asterisk"]["eid"]} if "asterisk" in values else {})) \
            .where(Site.id == site.id).execute()
    if "extensions" in values:
        listed = ",".join(r for r in values["extensions"] if _within(r, site))
        if listed != site.extensions_listed:  # the dial plan's hints change: a change of its own
            with change(f"site {site.number}", "site.extensions", site.name) as cs:
                cs.update(Site.get_by_id(site.id), extensions_listed=listed)
    return directory()


def _within(run: str, site: Site) -> bool:
    """A reported run inside the site's own range (the rest is not the branch's to claim)."""
    return inside(run, f"{site.extensions_from}-{site.extensions_to}")


def directory() -> dict:
    """What every branch needs to dial the others: each enrolled site's range, prefix, whether it has
    short numbers, breakout patterns and reported extensions, and headquarters' own extensions as
    ranges (a branch sends all of them to headquarters)."""
    prefixed = prefixed_sites()
    return {"sites": [{"number": s.number, "name": s.name, "extensions": f"{s.extensions_from}-{s.extensions_to}",
                       "tunnel_address": s.tunnel_address, **dialling(s, prefixed),
                       "breakout_patterns": [p for p in s.breakout_patterns.split(",") if p],
                       # The extensions it reported: the other branches light their busy lamps.
                       "listed": [r for r in s.extensions_listed.split(",") if r]}
                      for s in listing() if s.enrolled_at is not None],
            "headquarters": {"number": 1, "extensions": runs(e.number for e in Extension.select(Extension.number))}}


def delete(key, actor: str) -> int:
    """Revoke a site: its peer goes with it, and its code is dead."""
    with change(actor, "site.delete", str(key)) as cs:
        site = get(key)
        peer = site.vpn_peer
        cs.delete(site)
        if peer is not None:
            cs.delete(peer)
    return cs.revision
