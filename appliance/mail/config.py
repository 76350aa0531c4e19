"""The box's outgoing mail relay: where mail goes and as whom.

Kept as one "mail" row of the settings table (a change like any other, so it
is audited); the relay's password is a secret on the data partition, never in
the database and never given back by the API.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from marshmallow import ValidationError, fields, validate, validates_schema

from .. import secrets
from ..db.models import Setting
from ..fields import Email, Host, Name, StrictSchema, StrictString

KEY = "mail"
PASSWORD = "smtp-password"
SECURITY = ("none", "starttls", "tls")


@dataclass(frozen=True)
class MailSettings:
    #: The relay's host name or address; empty: the box sends no mail (it keeps it queued).
    host: str = ""
    port: int = 587
    security: str = "starttls"
    username: str = ""
    from_address: str = ""
    from_name: str = "Callbox"

    @property
    def configured(self) -> bool:
        return bool(self.host and self.from_address)

    def to_dict(self) -> dict:
        return asdict(self)


class Login(StrictString):
    """A relay user name: printable, no spaces or line breaks (it goes into an AUTH command)."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if len(value) > 255:
            raise ValidationError("must be at most 255 characters")
        if any(not ch.isprintable() or ch.isspace() for ch in value):
            raise ValidationError("must not contain spaces, line breaks or control characters")
        return value


class Password(fields.String):
    """A relay password: any printable text; line breaks would end the AUTH command."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("must be a string")
        if len(value) > 255:
            raise ValidationError("must be at most 255 characters")
        if any(not ch.isprintable() for ch in value):
            raise ValidationError("must not contain line breaks or control characters")
        return value


class MailSettingsSchema(StrictSchema):
    host = Host(allow_none=True)
    port = fields.Integer(strict=True, validate=validate.Range(1, 65535))
    security = StrictString(validate=validate.OneOf(SECURITY, error="must be none, starttls or tls"))
    username = Login()
    #: Write-only: absent keeps the stored one, "" removes it.
    password = Password(load_only=True)
    from_address = Email(allow_none=True)
    from_name = Name(max_length=64, allow_none=True)

    @validates_schema
    def _password_needs_user(self, data, **kwargs):
        if data.get("password") and data.get("username") == "":
            raise ValidationError("a password needs a user name", "username")


def read_row(key: str, kind):
    """Settings kept as one JSON row of the settings table, as the dataclass `kind` (defaults where absent)."""
    row = Setting.get_or_none(Setting.key == key)
    stored = json.loads(row.value) if row else {}
    return kind(**{k: v for k, v in stored.items() if k in kind.__dataclass_fields__})


def write_row(cs, key: str, settings) -> None:
    """Store the dataclass `settings` as the JSON row `key`, within the change `cs`."""
    row = Setting.get_or_none(Setting.key == key)
    doc = json.dumps(asdict(settings))
    if row is None:
        cs.create(Setting, key=key, value=doc)
    else:
        cs.update(row, value=doc)


def load() -> MailSettings:
    return read_row(KEY, MailSettings)


def merged(values: dict) -> MailSettings:
    """The stored settings with validated `values` over them (None: back to the default)."""
    current = load().to_dict()
    defaults = MailSettings().to_dict()
    for key, value in values.items():
        if key in current:
            current[key] = defaults[key] if value is None else value
    return MailSettings(**current)


def save(cs, values: dict, secrets_dir: Path) -> MailSettings:
    """Store validated `values` within the change `cs`; the password goes to the secrets."""
    settings = merged(values)
    write_row(cs, KEY, settings)
    if "password" in values:
        if values["password"]:
            secrets.store(secrets_dir, PASSWORD, values["password"])
        else:
            secrets.remove(secrets_dir, PASSWORD)
    return settings


def password(secrets_dir: Path) -> str:
    return secrets.read(secrets_dir, PASSWORD)


def public(settings: MailSettings, secrets_dir: Path) -> dict:
    """What the API shows: the settings, and whether a password is stored (never the password)."""
    return {**settings.to_dict(), "password_set": bool(password(secrets_dir))}
