from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from ..fields import Bool, DialString, Host, Language, Name, ProviderSecret, SipUser, StrictSchema, StrictString


class TrunkSchema(StrictSchema):
    name = Name(required=True, max_length=40)
    # sip: a provider's server (host required); dahdi: E1 spans or FXO ports of the box's own cards,
    # joined to the trunk on their Hardware settings (/hardware/spans, /hardware/ports).
    kind = StrictString(validate=validate.OneOf(("sip", "dahdi")))
    host = Host()
    port = fields.Integer(strict=True, validate=validate.Range(1, 65535))
    transport = StrictString(validate=validate.OneOf(("udp", "tcp")))
    username = SipUser(allow_none=True)
    secret = ProviderSecret(allow_none=True)
    register = Bool()
    from_domain = Host(allow_none=True)
    caller_id = DialString(allow_none=True, max_length=20)
    max_channels = fields.Integer(strict=True, allow_none=True, validate=validate.Range(1, 960))
    enabled = Bool()
    language = Language()

    @validates_schema
    def _host(self, data, partial=False, **kwargs):
        if data.get("kind", "sip") == "sip" and not data.get("host") and not partial:
            raise ValidationError("a SIP trunk needs its provider's host", "host")

    @validates_schema
    def _registration(self, data, partial=False, **kwargs):
        if data.get("register") and not (data.get("username") and data.get("secret")) and not partial:
            raise ValidationError("registering needs a user name and a secret", "register")


DEFAULTS = {"kind": "sip", "port": 5060, "transport": "udp", "username": None, "secret": None, "register": False,
            "from_domain": None, "caller_id": None, "max_channels": None, "enabled": True,
            "language": None}
