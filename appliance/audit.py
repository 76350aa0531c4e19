"""The audit log: who changed what and when, read from the change journal.

Secrets stay out of it: passwords, SIP secrets and PINs show only that they changed.
"""

from __future__ import annotations

import json

from .db.models import Change, ChangeRow
from .errors import Invalid

SECRET_COLUMNS = {"password_hash", "secret", "pin", "csrf_token", "token_hash"}


def _shown(key: str, value):
    return "(secret)" if key in SECRET_COLUMNS and value else value


def _redact(image: dict | None) -> dict | None:
    if image is None:
        return None
    return {k: _shown(k, v) for k, v in image.items()}


def _diff(before: dict, after: dict) -> dict:
    """What changed, compared on the real values and shown redacted."""
    return {k: {"from": _shown(k, before.get(k)), "to": _shown(k, after.get(k))}
            for k in after if before.get(k) != after.get(k)}


def entries(page: int = 1, per_page: int = 50, actor: str | None = None) -> tuple[list[dict], int]:
    if page < 1 or not 1 <= per_page <= 200:
        raise Invalid("page must be 1 or more and per_page 1 to 200", "per_page")
    query = Change.select().where(Change.action != "noop")
    if actor:
        query = query.where(Change.actor == actor)
    total = query.count()
    rows = list(query.order_by(Change.id.desc()).paginate(page, per_page))
    details: dict[int, list] = {}
    for r in ChangeRow.select().where(ChangeRow.change.in_([c.id for c in rows])).order_by(ChangeRow.seq):
        before = json.loads(r.before) if r.before else None
        after = json.loads(r.after) if r.after else None
        op = "create" if before is None else "delete" if after is None else "update"
        shown = _diff(before, after) if op == "update" else _redact(after or before)
        details.setdefault(r.change_id, []).append({"table": r.tbl, "op": op, "changes": shown})
    return [{
        "revision": c.id, "at": c.at.isoformat() + "Z", "actor": c.actor, "action": c.action, "target": c.target,
        "status": c.status, "error": c.error, "rows": details.get(c.id, []),
    } for c in rows], total
