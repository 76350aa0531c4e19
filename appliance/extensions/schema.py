"""What an extension accepts from a user."""

from __future__ import annotations

from marshmallow import fields

from ..fields import Bool, Email, Name, Number, Pin, Secret, StrictSchema


class ExtensionSchema(StrictSchema):
    number = Number(required=True)
    name = Name(required=True)
    secret = Secret()
    voicemail_enabled = Bool()
    voicemail_pin = Pin()
    email = Email(allow_none=True)


class ExtensionUpdateSchema(ExtensionSchema):
    """PUT and PATCH: the number is the resource's name and cannot change."""

    number = Number()


class BulkSchema(StrictSchema):
    extensions = fields.List(fields.Nested(ExtensionSchema), required=True)
