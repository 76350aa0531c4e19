"""Outbound routes: dialled patterns, digits stripped and added, trunks tried in order.

Phones reach trunks only through these routes; a trunk's own callers never
do (their context has no outbound access), which keeps toll fraud out.
"""

from __future__ import annotations

from marshmallow import fields, validate as mvalidate

from ..db import change
from ..db.journal import utcnow
from ..db.models import OutboundPattern, OutboundRoute, OutboundRouteTrunk, Trunk
from ..errors import Conflict, Invalid, NotFound
from ..fields import DialPattern, Name, StrictSchema, StrictString, validate


class PatternSchema(StrictSchema):
    pattern = DialPattern(required=True)
    strip = fields.Integer(strict=True, validate=mvalidate.Range(0, 20), load_default=0)
    prefix = StrictString(validate=mvalidate.Regexp(r"^\+?[0-9*#]{0,20}$", error="must be digits, * or #"),
                          load_default="")
    # What kind of numbers it dials, for permission classes; unsaid, it may reach anywhere.
    reach = StrictString(validate=mvalidate.OneOf(("local", "national", "international")),
                         load_default="international")


class OutboundRouteSchema(StrictSchema):
    name = Name(required=True, max_length=60)
    patterns = fields.List(fields.Nested(PatternSchema), required=True, validate=mvalidate.Length(1, 50))
    trunks = fields.List(fields.Integer(strict=True), required=True, validate=mvalidate.Length(1, 10))


def patterns_of(route: OutboundRoute) -> list[dict]:
    rows = OutboundPattern.select().where(OutboundPattern.route == route).order_by(OutboundPattern.position)
    return [{"pattern": p.pattern, "strip": p.strip, "prefix": p.prefix, "reach": p.reach} for p in rows]


def trunks_of(route: OutboundRoute) -> list[int]:
    rows = (OutboundRouteTrunk.select().where(OutboundRouteTrunk.route == route)
            .order_by(OutboundRouteTrunk.position))
    return [r.trunk_id for r in rows]


def to_dict(r: OutboundRoute) -> dict:
    return {"id": r.id, "name": r.name, "position": r.position, "patterns": patterns_of(r), "trunks": trunks_of(r)}


def get(route_id) -> OutboundRoute:
    try:
        found = OutboundRoute.get_or_none(OutboundRoute.id == int(route_id))
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound(f"no outbound route {route_id}")
    return found


def listing() -> list[OutboundRoute]:
    return list(OutboundRoute.select().order_by(OutboundRoute.position, OutboundRoute.id))


def _check_name(name: str, own_id: int | None) -> None:
    q = OutboundRoute.select().where(OutboundRoute.name == name)
    if own_id is not None:
        q = q.where(OutboundRoute.id != own_id)
    if q.exists():
        raise Conflict(f"an outbound route named {name!r} exists already", "name")


def _set_children(cs, route: OutboundRoute, values: dict) -> None:
    if "patterns" in values:
        seen = set()
        for p in values["patterns"]:
            if p["pattern"] in seen:
                raise Invalid(f"patterns: {p['pattern']} is listed twice", "patterns")
            seen.add(p["pattern"])
        clash = (OutboundPattern.select(OutboundPattern, OutboundRoute).join(OutboundRoute)
                 .where(OutboundPattern.pattern.in_(seen), OutboundPattern.route != route).first())
        if clash is not None:
            raise Conflict(f"patterns: {clash.pattern} is already in outbound route {clash.route.name!r}",
                           "patterns")
        for old in OutboundPattern.select().where(OutboundPattern.route == route):
            cs.delete(old)
        for i, p in enumerate(values["patterns"]):
            # A PATCH validates partially, which leaves a pattern's defaults unfilled.
            cs.create(OutboundPattern, route=route, pattern=p["pattern"], strip=p.get("strip", 0),
                      prefix=p.get("prefix", ""), position=i, reach=p.get("reach", "international"))
    if "trunks" in values:
        ids = values["trunks"]
        if len(set(ids)) != len(ids):
            raise Invalid("trunks: a trunk is listed twice", "trunks")
        known = {t.id for t in Trunk.select(Trunk.id).where(Trunk.id.in_(ids))}
        missing = [i for i in ids if i not in known]
        if missing:
            raise Invalid(f"trunks: there is no trunk {missing[0]}", "trunks")
        for old in OutboundRouteTrunk.select().where(OutboundRouteTrunk.route == route):
            cs.delete(old)
        for i, trunk_id in enumerate(ids):
            cs.create(OutboundRouteTrunk, route=route, trunk=trunk_id, position=i)


def set_trunks(cs, route: OutboundRoute, trunk_ids: list[int]) -> None:
    """Within the change `cs`: the route's trunks, in the order to try them."""
    _set_children(cs, route, {"trunks": trunk_ids})


def create(data, actor: str) -> tuple[OutboundRoute, int]:
    values = validate(OutboundRouteSchema(), data)
    with change(actor, "outbound_route.create", values["name"]) as cs:
        route = add(cs, values)
    return route, cs.revision


def add(cs, values: dict) -> OutboundRoute:
    """Create within the change `cs` from validated values."""
    _check_name(values["name"], None)
    now = utcnow()
    position = (OutboundRoute.select().count() or 0) + 1
    route = cs.create(OutboundRoute, name=values["name"], position=position, created_at=now, updated_at=now)
    _set_children(cs, route, values)
    return route


def update(route_id, data, actor: str, *, partial: bool) -> tuple[OutboundRoute, int | None]:
    get(route_id)
    values = validate(OutboundRouteSchema(), data, partial=partial)
    with change(actor, "outbound_route.update", str(route_id)) as cs:
        route = get(route_id)
        if "name" in values:
            _check_name(values["name"], route.id)
            cs.update(route, name=values["name"])
        if "patterns" in values and values["patterns"] == patterns_of(route):
            values.pop("patterns")
        if "trunks" in values and values["trunks"] == trunks_of(route):
            values.pop("trunks")
        _set_children(cs, route, values)
        if not cs.empty:
            cs.update(route, updated_at=utcnow())
    return route, None if cs.empty else cs.revision


def delete(route_id, actor: str) -> int:
    with change(actor, "outbound_route.delete", str(route_id)) as cs:
        route = get(route_id)
        for row in list(OutboundPattern.select().where(OutboundPattern.route == route)) + \
                list(OutboundRouteTrunk.select().where(OutboundRouteTrunk.route == route)):
            cs.delete(row)
        cs.delete(route)
    return cs.revision
