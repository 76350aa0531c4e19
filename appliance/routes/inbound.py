"""Inbound routes: by dialled number (DID) and caller number, to a destination.

Asterisk picks among them by how specific they are: an exact number beats a
pattern, and a route that also names the caller beats one that does not.
A route with neither catches every call the others do not.
With fax detection on, the box answers and listens for a fax machine's calling
tone for a few seconds before the destination: a fax goes to the fax receiver.
"""

from __future__ import annotations

from .. import destinations
from ..db import change
from ..db.journal import utcnow
from ..db.models import InboundRoute
from ..errors import Conflict, NotFound
from ..fields import Bool, DialPattern, Language, Name, StrictSchema, validate


class InboundRouteSchema(StrictSchema):
    name = Name(required=True, max_length=60)
    did = DialPattern(allow_none=True)
    cid = DialPattern(allow_none=True)
    destination = destinations.Destination(required=True)
    language = Language()
    fax_detect = Bool()


def to_dict(r: InboundRoute) -> dict:
    return {"id": r.id, "name": r.name, "did": r.did, "cid": r.cid, "language": r.language,
            "fax_detect": bool(r.fax_detect), "destination": destinations.as_dict(r.dest_kind, r.dest_target)}


def get(route_id) -> InboundRoute:
    try:
        found = InboundRoute.get_or_none(InboundRoute.id == int(route_id))
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound(f"no inbound route {route_id}")
    return found


def listing() -> list[InboundRoute]:
    return list(InboundRoute.select().order_by(InboundRoute.position, InboundRoute.id))


def _check(values: dict, own_id: int | None) -> dict:
    out = {k: values[k] for k in ("name", "did", "cid", "language", "fax_detect") if k in values}
    if "name" in values:
        q = InboundRoute.select().where(InboundRoute.name == values["name"])
        if own_id is not None:
            q = q.where(InboundRoute.id != own_id)
        if q.exists():
            raise Conflict(f"an inbound route named {values['name']!r} exists already", "name")
    if "destination" in values:
        out["dest_kind"], out["dest_target"] = destinations.check_exists(values["destination"], "destination")
    return out


def _check_unique_match(did, cid, own_id: int | None) -> None:
    same_did = InboundRoute.did.is_null() if did is None else InboundRoute.did == did
    same_cid = InboundRoute.cid.is_null() if cid is None else InboundRoute.cid == cid
    q = InboundRoute.select().where(same_did, same_cid)
    if own_id is not None:
        q = q.where(InboundRoute.id != own_id)
    other = q.first()
    if other is not None:
        raise Conflict(f"inbound route {other.name!r} already matches the same numbers", "did")


def create(data, actor: str) -> tuple[InboundRoute, int]:
    values = validate(InboundRouteSchema(), data)
    with change(actor, "inbound_route.create", values["name"]) as cs:
        route = add(cs, values)
    return route, cs.revision


def add(cs, values: dict) -> InboundRoute:
    """Create within the change `cs` from validated values."""
    values = {"did": None, "cid": None, "language": None, "fax_detect": False, **values}
    cols = _check(values, None)
    _check_unique_match(values["did"], values["cid"], None)
    now = utcnow()
    position = (InboundRoute.select().count() or 0) + 1
    return cs.create(InboundRoute, position=position, created_at=now, updated_at=now, **cols)


def update(route_id, data, actor: str, *, partial: bool) -> tuple[InboundRoute, int | None]:
    get(route_id)
    values = validate(InboundRouteSchema(), data, partial=partial)
    if not partial:
        values = {"did": None, "cid": None, "language": None, "fax_detect": False, **values}
    with change(actor, "inbound_route.update", str(route_id)) as cs:
        route = get(route_id)
        cols = _check(values, route.id)
        _check_unique_match(cols.get("did", route.did), cols.get("cid", route.cid), route.id)
        cs.update(route, **cols)
        if not cs.empty:
            cs.update(route, updated_at=utcnow())
    return route, None if cs.empty else cs.revision


def delete(route_id, actor: str) -> int:
    with change(actor, "inbound_route.delete", str(route_id)) as cs:
        cs.delete(get(route_id))
    return cs.revision
