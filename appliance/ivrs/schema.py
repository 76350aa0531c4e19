from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates

from ..destinations import Destination, DestinationSchema
from ..fields import Bool, Language, Name, Number, StrictSchema, StrictString

DIGITS = tuple("0123456789*#")


class OptionSchema(DestinationSchema):
    digit = StrictString(required=True, validate=validate.OneOf(DIGITS))


class IvrSchema(StrictSchema):
    name = Name(required=True, max_length=60)
    number = Number(allow_none=True)
    prompt = fields.Integer(strict=True, allow_none=True)
    timeout = fields.Integer(strict=True, validate=validate.Range(1, 60))
    max_tries = fields.Integer(strict=True, validate=validate.Range(1, 10))
    direct_dial = Bool()
    language = Language()
    options = fields.List(fields.Nested(OptionSchema), validate=validate.Length(max=12))
    on_timeout = Destination()
    on_invalid = Destination()

    @validates("options")
    def _distinct(self, options, **kwargs):
        # An option whose own key was refused is already reported; skip it here.
        digits = [o["digit"] for o in options if "digit" in o]
        if len(set(digits)) != len(digits):
            raise ValidationError("a key is used twice")


HANGUP = {"kind": "hangup", "target": None}
DEFAULTS = {"number": None, "prompt": None, "timeout": 5, "max_tries": 3, "direct_dial": False, "language": None, "options": [],
            "on_timeout": HANGUP, "on_invalid": HANGUP}
