"""What a claimed desk phone accepts from a user."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate as v

from ..fields import Bool, Number, StrictSchema, StrictString
from .macs import normal_mac
from .templates import MAX_KEYS, TEMPLATES, TRANSPORTS, URL as FIRMWARE_URL

MAX_BLF = 12  # colleagues' keys; the park slots' keys come after them, MAX_KEYS in all


class Mac(StrictString):
    """A MAC address: 001565AABBCC, 00:15:65:aa:bb:cc or 00-15-65-AA-BB-CC; kept as 001565aabbcc."""

    def _deserialize(self, value, attr, data, **kwargs):
        mac = normal_mac(super()._deserialize(value, attr, data, **kwargs))
        if mac is None:
            raise ValidationError("must be a device's MAC address such as 00:15:65:aa:bb:cc")
        return mac


class FirmwareUrl(StrictString):
    def _deserialize(self, value, attr, data, **kwargs):
        if value is None:
            return None
        value = super()._deserialize(value, attr, data, **kwargs)
        if value == "":
            return None
        if len(value) > 300 or not FIRMWARE_URL.fullmatch(value):
            raise ValidationError("must be an http:// or https:// address of the firmware file "
                                  "(letters, digits and . _ ~ % + - / only), or empty for none")
        return value


class PhoneSchema(StrictSchema):
    mac = Mac(required=True)
    extension = Number(required=True)
    template = StrictString(required=True, validate=v.OneOf(TEMPLATES, error="must be one of " + ", ".join(TEMPLATES)))
    transport = StrictString(validate=v.OneOf(TRANSPORTS, error="must be udp or tcp"))
    blf = fields.List(Number(), validate=v.Length(max=MAX_BLF))
    park_keys = Bool()
    firmware_url = FirmwareUrl(allow_none=True)


DEFAULTS = {"transport": "udp", "blf": [], "park_keys": True, "firmware_url": None}
assert MAX_BLF < MAX_KEYS
