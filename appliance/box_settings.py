"""Box-wide settings kept in the config database, typed, with defaults.

Only values that differ from the default are stored, so a new default in a
later release reaches boxes that never changed it.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

from marshmallow import ValidationError, fields, validate, validates

from .db.models import Setting
from .fields import StrictSchema, StrictString


@dataclass(frozen=True)
class BoxSettings:
    hostname: str = "callbox"
    ring_timeout: int = 20
    voicemail_max_seconds: int = 300
    tone_zone: str = "us"

    def to_dict(self) -> dict:
        return asdict(self)


class BoxSettingsSchema(StrictSchema):
    hostname = StrictString()
    ring_timeout = fields.Integer(strict=True, validate=validate.Range(5, 120))
    voicemail_max_seconds = fields.Integer(strict=True, validate=validate.Range(10, 3600))
    tone_zone = StrictString(validate=validate.OneOf(("us", "uk", "cn")))

    @validates("hostname")
    def _hostname(self, value, **kwargs):
        if not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", value):
            raise ValidationError("must be a host name: lower-case letters, digits and '-'")


def load() -> BoxSettings:
    stored = {s.key: json.loads(s.value) for s in Setting.select()}
    known = {k: v for k, v in stored.items() if k in BoxSettings.__dataclass_fields__}
    return BoxSettings(**known)


def save(cs, values: dict) -> BoxSettings:
    """Store validated values within the change `cs`."""
    defaults = BoxSettings()
    for key, value in values.items():
        row = Setting.get_or_none(Setting.key == key)
        if value == getattr(defaults, key):
            if row is not None:
                cs.delete(row)
        elif row is None:
            cs.create(Setting, key=key, value=json.dumps(value))
        else:
            cs.update(row, value=json.dumps(value))
    return load()
