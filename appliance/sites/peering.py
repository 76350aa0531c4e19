"""What this box's dial plan and PJSIP need about the other sites, from its own database.

Headquarters has a trunk to every enrolled branch and sends each branch's range and breakout
patterns to it. A branch has one trunk, to headquarters (site 1), and sends everything it
does not have itself there: headquarters' extensions, the other branches' ranges and their
breakout patterns (headquarters forwards them); the other branches' prefixed numbers (3*8001)
go there as dialled, and headquarters drops the prefix as it sends the call to that branch. Its
own breakout patterns are what calls from headquarters may leave by through its lines. Busy
lamps: headquarters watches the extensions each branch reports (not those of branches dialled
by prefix only), a branch headquarters' extensions and those the other branches reported (their
states relayed by headquarters: render/sites.py).
"""

from __future__ import annotations

import ipaddress

from ..db.models import Site
from ..vpn import service as vpn
from . import enrol, service
from .dialing import prefix, prefixed_patterns, range_patterns

HEADQUARTERS = 1


def view():
    from ..pbx.snapshot import SitesView, SiteTrunkView

    state = enrol.state()
    if state["state"] == "enrolled":
        own = state["site"]["number"]
        listed = enrol.directory()
        others = [s for s in listed["sites"] if s["number"] != own]
        ranges = [r for r in listed["headquarters"]["extensions"]]
        ranges += [s["extensions"] for s in others if s.get("short_numbers", True)]
        breakouts = [p for s in listed["sites"] if s["number"] != own for p in s["breakout_patterns"]]
        trunk = SiteTrunkView(HEADQUARTERS, state["tunnel"]["headquarters"], state["trunk"]["username"],
                              state["trunk"]["secret"])
        return SitesView(trunks=(trunk,), own=own, ranges=_ranges(ranges, HEADQUARTERS),
                         prefixed=tuple((p, HEADQUARTERS, 0) for s in others
                                        for p in prefixed_patterns(s["number"], *s["extensions"].split("-"))),
                         watched=_numbers(listed["headquarters"]["extensions"], HEADQUARTERS)
                         + tuple(w for s in others if s.get("short_numbers", True)
                                 for w in _numbers(s.get("listed", []), s["number"])),
                         breakouts=_unique((p, HEADQUARTERS) for p in breakouts),
                         local_breakout=tuple(state["site"].get("breakout_patterns", [])),
                         network=state["tunnel"]["network"])
    sites = [s for s in Site.select().order_by(Site.number) if s.enrolled_at is not None]
    if not sites:
        return SitesView()
    address = vpn.interface()["address"]
    only = service.prefixed_sites()
    plain = [s for s in sites if s.number not in only]
    prefixed = tuple((p, s.number, len(prefix(s.number))) for s in sites
                     for p in prefixed_patterns(s.number, s.extensions_from, s.extensions_to))
    return SitesView(
        trunks=tuple(SiteTrunkView(s.number, s.tunnel_address, f"site{s.number}", s.trunk_secret) for s in sites),
        ranges=tuple(r for s in plain for r in _ranges([f"{s.extensions_from}-{s.extensions_to}"], s.number)),
        prefixed=prefixed, callers=tuple(p for p, number, _strip in prefixed if number in only),
        # Two prefixed sites publish the same device names (PJSIP/8001): no busy lamps for them.
        watched=tuple(w for s in plain for w in _numbers([r for r in s.extensions_listed.split(",") if r], s.number)),
        breakouts=_unique((p, s.number) for s in sites for p in s.breakout_patterns.split(",") if p),
        network=str(ipaddress.ip_interface(address).network) if address else None)


def watched() -> list[dict]:
    """The other sites' extensions this box follows (busy lamps), each with its site's number and
    name where this box knows it (a branch is not told headquarters' name)."""
    if enrol.state()["state"] == "enrolled":
        names = {s["number"]: s["name"] for s in enrol.directory()["sites"]}
    else:
        names = {s.number: s.name for s in Site.select(Site.number, Site.name)}
    return [{"number": n, "site": s, "site_name": names.get(s)} for n, s in view().watched]


def _ranges(ranges, number: int) -> tuple[tuple[str, int], ...]:
    return _unique((p, number) for r in ranges for p in range_patterns(*r.split("-")))


def _numbers(ranges, number: int) -> tuple[tuple[str, int], ...]:
    """Every number of the FROM-TO runs, each with the site it is at."""
    out = []
    for r in ranges:
        first, last = r.split("-")
        out += [(str(n).zfill(len(first)), number) for n in range(int(first), int(last) + 1)]
    return tuple(out)


def _unique(pairs) -> tuple[tuple[str, int], ...]:
    """A pattern two sites both name goes to the first (the dial plan takes one per pattern)."""
    seen, out = set(), []
    for pattern, number in pairs:
        if pattern not in seen:
            seen.add(pattern)
            out.append((pattern, number))
    return tuple(out)
