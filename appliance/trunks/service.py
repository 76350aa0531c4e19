"""Trunks as journaled changes."""

from __future__ import annotations


from ..db import change
from ..db.journal import utcnow
from ..db.models import DahdiPort, DahdiSpan, OutboundRoute, OutboundRouteTrunk, Trunk
from ..errors import Conflict, Invalid, NotFound
from ..fields import validate
from .schema import DEFAULTS, TrunkSchema


E1_BEARERS = 30  # an E1 span's voice channels (timeslot 16 signals)


def to_dict(t: Trunk, state: dict | None = None) -> dict:
    doc = {
        "id": t.id, "name": t.name, "kind": t.kind, "host": t.host, "port": t.port, "transport": t.transport,
        "username": t.username, "register": t.register, "from_domain": t.from_domain,
        "caller_id": t.caller_id, "max_channels": t.max_channels, "enabled": t.enabled,
        "language": t.language,
        # The provider's password stays on the box: a page only needs to know there is one.
        "secret_set": bool(t.secret),
        "status": state,
    }
    if t.kind == "dahdi":
        spans = span_numbers(t)
        ports = [p.number for p in DahdiPort.select().where(DahdiPort.trunk == t).order_by(DahdiPort.number)]
        doc.update(spans=spans, ports=ports, channels=E1_BEARERS * len(spans) + len(ports))
    return doc


def span_numbers(t: Trunk) -> list[int]:
    """The E1 spans of a DAHDI trunk."""
    return [s.number for s in DahdiSpan.select().where(DahdiSpan.trunk == t).order_by(DahdiSpan.number)]


def get(trunk_id) -> Trunk:
    found = Trunk.get_or_none(Trunk.id == _id(trunk_id))
    if found is None:
        raise NotFound(f"no trunk {trunk_id}")
    return found


def _id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound(f"no trunk {value}") from None


def listing() -> list[Trunk]:
    return list(Trunk.select().order_by(Trunk.name))


def _check_name(name: str, own_id: int | None = None) -> None:
    q = Trunk.select().where(Trunk.name == name)
    if own_id is not None:
        q = q.where(Trunk.id != own_id)
    if q.exists():
        raise Conflict(f"a trunk named {name!r} exists already", "name")


def _check_registration(values: dict) -> None:
    if values["register"] and not (values["username"] and values["secret"]):
        raise Invalid("register: registering needs a user name and a secret", "register")


def create(data, actor: str) -> tuple[Trunk, int]:
    values = {**DEFAULTS, **validate(TrunkSchema(), data)}
    with change(actor, "trunk.create", values["name"]) as cs:
        trunk = add(cs, values)
    return trunk, cs.revision


def add(cs, values: dict) -> Trunk:
    """Create within the change `cs` from validated values."""
    values = {**DEFAULTS, **values}
    if values["kind"] == "dahdi":
        values["host"] = ""  # its lines are the box's own spans or ports
    _check_registration(values)
    _check_name(values["name"])
    now = utcnow()
    return cs.create(Trunk, created_at=now, updated_at=now, **values)


def update(trunk_id, data, actor: str, *, partial: bool) -> tuple[Trunk, int | None]:
    trunk = get(trunk_id)
    values = validate(TrunkSchema(), data, partial=partial)
    if not partial:
        values = {**DEFAULTS, "kind": trunk.kind, "secret": trunk.secret, **values}
    if values.get("kind", trunk.kind) != trunk.kind:
        raise Invalid("kind: a trunk stays SIP or DAHDI; make a new trunk instead", "kind")
    if trunk.kind == "dahdi":
        values["host"] = ""
    with change(actor, "trunk.update", trunk.name) as cs:
        trunk = get(trunk_id)
        merged = {**{k: getattr(trunk, k) for k in DEFAULTS}, "name": trunk.name, "host": trunk.host, **values}
        _check_registration(merged)
        if "name" in values:
            _check_name(values["name"], trunk.id)
        cs.update(trunk, **values)
        if not cs.empty:
            cs.update(trunk, updated_at=utcnow())
    return trunk, None if cs.empty else cs.revision


def delete(trunk_id, actor: str) -> int:
    with change(actor, "trunk.delete", str(trunk_id)) as cs:
        trunk = get(trunk_id)
        routes = [r.name for r in OutboundRoute.select().join(OutboundRouteTrunk)
                  .where(OutboundRouteTrunk.trunk == trunk)]
        if routes:
            raise Conflict(f"trunk {trunk.name!r} is in use by outbound route {', '.join(map(repr, routes))}")
        lines = ([f"span {s.number}" for s in DahdiSpan.select().where(DahdiSpan.trunk == trunk)]
                 + [f"port {p.number}" for p in DahdiPort.select().where(DahdiPort.trunk == trunk)])
        if lines:
            raise Conflict(f"trunk {trunk.name!r} still has {', '.join(lines)}; take them off it first")
        cs.delete(trunk)
    return cs.revision
