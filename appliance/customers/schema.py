"""What a customer record and a customer level accept from a user."""

from __future__ import annotations

from marshmallow import fields, validate

from ..fields import Name, StrictSchema, StrictString, Text

MAX_NUMBERS = 20


class CustomerSchema(StrictSchema):
    name = Name(required=True, max_length=100)
    # Checked as phone numbers by the service, which knows the box's country code.
    numbers = fields.List(StrictString(validate=validate.Length(1, 40, error="is not a phone number")),
                          required=True,
                          validate=validate.Length(1, MAX_NUMBERS, error=f"give 1 to {MAX_NUMBERS} numbers"))
    company = Name(allow_none=True, max_length=100)
    level = Name(allow_none=True, max_length=40, metadata={"description": "a customer level's name"})
    notes = Text(allow_none=True, max_length=2000)


class CustomerLevelSchema(StrictSchema):
    name = Name(required=True, max_length=40)
    priority = fields.Integer(required=True, strict=True, validate=validate.Range(-10, 100),
                              metadata={"description": "queue priority: higher is answered first"})
