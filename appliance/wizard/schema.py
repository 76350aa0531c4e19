"""What each step of the wizard takes."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from ..box_settings import NetworkSchema
from ..fields import Bool, DialString, Host, Language, Name, Number, ProviderSecret, SipUser, StrictSchema, StrictString


class RoleStep(StrictSchema):
    role = StrictString(required=True, validate=validate.OneOf(("headquarters", "branch")))


class NetworkStep(NetworkSchema):
    hostname = StrictString(required=True, validate=validate.Regexp(
        r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", error="must be a host name: lower-case letters, digits and '-'"))


class TimeStep(StrictSchema):
    timezone = StrictString(required=True)
    #: What callers hear; by default the language of whoever runs the wizard.
    language = Language(allow_none=False)
    ntp_servers = fields.List(Host(), load_default=list, validate=validate.Length(max=4))


class TrunkStep(StrictSchema):
    """A SIP trunk, or skip: the box works internally without one."""

    skip = Bool(load_default=False)
    name = Name(max_length=40)
    host = Host()
    port = fields.Integer(strict=True, validate=validate.Range(1, 65535), load_default=5060)
    username = SipUser(allow_none=True)
    secret = ProviderSecret(allow_none=True)
    register = Bool(load_default=False)
    caller_id = DialString(allow_none=True, max_length=20)
    #: Dialled before an outside number, e.g. "0": makes an outbound route that strips it.
    outside_prefix = StrictString(allow_none=True, validate=validate.Regexp(r"^[0-9]{0,2}$"))

    @validates_schema
    def _needed(self, data, **kwargs):
        if data.get("skip"):
            return
        for key in ("name", "host"):
            if not data.get(key):
                raise ValidationError("is required (or skip the trunk)", key)
        if data.get("register") and not (data.get("username") and data.get("secret")):
            raise ValidationError("registering needs a user name and a secret", "register")


class ExtensionsStep(StrictSchema):
    """A range (first..last, names from a pattern) or a CSV file's text."""

    first = Number()
    last = Number()
    # Each name it makes is checked as an extension's name; {n} is where the number goes.
    name_pattern = StrictString(load_default="Extension {n}", validate=validate.Length(1, 60))
    csv = fields.String()
    pin_length = fields.Integer(strict=True, validate=validate.Range(4, 8), load_default=6)

    @validates_schema
    def _one_source(self, data, **kwargs):
        if "csv" in data:
            if "first" in data or "last" in data:
                raise ValidationError("give a range or a CSV file, not both", "csv")
            if not data["csv"].strip():
                raise ValidationError("the CSV file is empty", "csv")
            return
        if "first" not in data or "last" not in data:
            raise ValidationError("give the first and last number of the range", "first")
        first, last = data["first"], data["last"]
        if len(first) != len(last) or int(last) < int(first):
            raise ValidationError("the last number must be at least the first, with as many digits", "last")
        if int(last) - int(first) >= 1000:
            raise ValidationError("at most 1000 extensions at once", "last")
        if "{n}" not in data.get("name_pattern", "{n}"):
            raise ValidationError("must contain {n} where the number goes", "name_pattern")


class InboundStep(StrictSchema):
    """Where calls from the trunk go: one extension, a ring group of extensions, or a simple menu."""

    kind = StrictString(required=True, validate=validate.OneOf(("extension", "ring_group", "ivr")))
    extension = Number()
    number = Number()  # the ring group's or the menu's own number
    members = fields.List(Number(), validate=validate.Length(max=100))
    options = fields.List(fields.Nested(lambda: MenuOption()), validate=validate.Length(max=10))

    @validates_schema
    def _shape(self, data, **kwargs):
        kind = data.get("kind")
        if kind == "extension" and not data.get("extension"):
            raise ValidationError("choose the extension", "extension")
        if kind == "ring_group" and not data.get("members"):
            raise ValidationError("choose at least one extension", "members")
        if kind == "ivr" and not data.get("options"):
            raise ValidationError("give at least one key", "options")


class MenuOption(StrictSchema):
    digit = StrictString(required=True, validate=validate.OneOf(tuple("123456789")))
    extension = Number(required=True)


STEPS = {
    "role": RoleStep,
    "network": NetworkStep,
    "time": TimeStep,
    "trunk": TrunkStep,
    "extensions": ExtensionsStep,
    "inbound": InboundStep,
}
