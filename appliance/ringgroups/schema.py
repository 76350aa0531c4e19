from __future__ import annotations

from marshmallow import fields, validate

from ..destinations import Destination
from ..fields import Name, Number, StrictSchema, StrictString


class RingGroupSchema(StrictSchema):
    number = Number(required=True)
    name = Name(required=True)
    strategy = StrictString(validate=validate.OneOf(("ringall", "inorder")))
    ring_seconds = fields.Integer(strict=True, validate=validate.Range(5, 300))
    members = fields.List(Number(), required=True, validate=validate.Length(1, 100))
    no_answer = Destination()


DEFAULTS = {"strategy": "ringall", "ring_seconds": 20, "no_answer": {"kind": "hangup", "target": None}}
