"""SMS gateways as journaled changes: which provider or modem, how fast, how often to try.

They render into nothing Asterisk loads: changes are journaled settled (audit,
no apply). A gateway's password is a secret on the data partition, never in
the database and never given back by the API; its webhook token is the
secret part of the address the provider posts received messages and delivery
reports to.
"""

from __future__ import annotations

import json
import secrets as _secrets
from pathlib import Path

from marshmallow import ValidationError

from .. import secrets
from ..db import change
from ..db.journal import utcnow
from ..db.models import SmsGateway
from ..errors import Conflict, Invalid, NotFound
from ..fields import first_error, validate
from .schema import OPTIONS, GatewaySchema

INBOUND = "/api/v1/sms/inbound/"


def secret_name(gateway_id: int) -> str:
    return f"sms-gateway-{gateway_id}"


def options_of(g: SmsGateway) -> dict:
    return json.loads(g.options)


def to_dict(g: SmsGateway, secrets_dir: Path) -> dict:
    return {"id": g.id, "name": g.name, "kind": g.kind, "enabled": g.enabled, "rate": g.rate,
            "attempts": g.attempts, "options": options_of(g),
            "password_set": bool(secrets.read(secrets_dir, secret_name(g.id))),
            "webhook": INBOUND + g.token,
            "created_at": g.created_at.isoformat() + "Z", "updated_at": g.updated_at.isoformat() + "Z"}


def get(gateway_id) -> SmsGateway:
    try:
        found = SmsGateway.get_or_none(SmsGateway.id == int(gateway_id))
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound(f"no SMS gateway {gateway_id}")
    return found


def listing() -> list[SmsGateway]:
    return list(SmsGateway.select().order_by(SmsGateway.id))


def active() -> SmsGateway | None:
    """The gateway messages go out through: the first enabled one."""
    return SmsGateway.select().where(SmsGateway.enabled == True).order_by(SmsGateway.id).first()  # noqa: E712


def by_token(token: str) -> SmsGateway | None:
    for g in SmsGateway.select():
        if _secrets.compare_digest(g.token.encode(), token.encode()):
            return g
    return None


def _options(kind: str, raw, stored: dict | None) -> tuple[dict, str | None]:
    """The kind's options checked (stored ones under what is given); and the password if one is given."""
    if not isinstance(raw, dict):
        raise Invalid("options: must be an object", "options")
    data = {**(stored or {}), **raw}
    try:
        values = OPTIONS[kind]().load(data)
    except ValidationError as err:
        field, message = first_error(err)
        name = f"options.{field}" if field else "options"
        raise Invalid(f"{name}: {message}", name) from None
    password = values.pop("password", None)
    return values, password


def _check_name(name: str, own_id: int | None = None) -> None:
    q = SmsGateway.select().where(SmsGateway.name == name)
    if own_id is not None:
        q = q.where(SmsGateway.id != own_id)
    if q.exists():
        raise Conflict(f"an SMS gateway named {name!r} exists already", "name")


def _keep_password(secrets_dir: Path, gateway_id: int, password: str | None) -> None:
    if password is None:
        return
    if password:
        secrets.store(secrets_dir, secret_name(gateway_id), password)
    else:
        secrets.remove(secrets_dir, secret_name(gateway_id))


def create(data, actor: str, secrets_dir: Path) -> tuple[SmsGateway, int]:
    values = validate(GatewaySchema(), data)
    options, password = _options(values["kind"], values["options"], None)
    with change(actor, "sms.gateway.create", values["name"], settled=True) as cs:
        _check_name(values["name"])
        now = utcnow()
        g = cs.create(SmsGateway, name=values["name"], kind=values["kind"], enabled=values["enabled"],
                      rate=values["rate"], attempts=values["attempts"], options=json.dumps(options),
                      token=_secrets.token_urlsafe(24), created_at=now, updated_at=now)
    _keep_password(secrets_dir, g.id, password)
    return g, cs.revision


def update(gateway_id, data, actor: str, secrets_dir: Path, *, partial: bool) -> tuple[SmsGateway, int | None]:
    g = get(gateway_id)
    values = validate(GatewaySchema(), data, partial=partial)
    kind = values.get("kind", g.kind)
    password = None
    if "options" in values or kind != g.kind:
        # PATCH keeps the options not given; PUT replaces them (a changed kind starts afresh).
        stored = options_of(g) if partial and kind == g.kind else None
        options, password = _options(kind, values.get("options", {}), stored)
        values["options"] = json.dumps(options)
    with change(actor, "sms.gateway.update", g.name, settled=True) as cs:
        g = get(gateway_id)
        if "name" in values:
            _check_name(values["name"], g.id)
        cs.update(g, **{k: values[k] for k in ("name", "kind", "enabled", "rate", "attempts", "options")
                        if k in values})
        if not cs.empty:
            cs.update(g, updated_at=utcnow())
    _keep_password(secrets_dir, g.id, password)
    return g, None if cs.empty else cs.revision


def delete(gateway_id, actor: str, secrets_dir: Path) -> int:
    with change(actor, "sms.gateway.delete", str(gateway_id), settled=True) as cs:
        g = get(gateway_id)
        cs.delete(g)
    secrets.remove(secrets_dir, secret_name(g.id))
    return cs.revision


def password(secrets_dir: Path, gateway_id: int) -> str:
    return secrets.read(secrets_dir, secret_name(gateway_id))
