"""What an extension accepts from a user."""

from __future__ import annotations

from marshmallow import fields, validate

from ..fields import Bool, Email, Language, Name, Number, PhoneNumber, Pin, Secret, StrictSchema, StrictString

RECORDING = ("never", "always", "on_demand")
TRANSPORTS = ("udp", "tcp", "tls")
SRTP = ("off", "optional", "required")
FOLLOW_RING = ("sequential", "together")
#: Most numbers a follow-me list holds (besides the desk phone).
MAX_FOLLOW = 3


class ForwardSchema(StrictSchema):
    """Where calls go instead: all of them, when busy, when not answered (null: off)."""

    all = PhoneNumber(allow_none=True)
    busy = PhoneNumber(allow_none=True)
    no_answer = PhoneNumber(allow_none=True)


class FollowMeSchema(StrictSchema):
    """Other numbers rung after the desk phone's ring time (*21 switches `enabled`)."""

    enabled = Bool()
    numbers = fields.List(PhoneNumber(), validate=validate.Length(
        max=MAX_FOLLOW, error=f"at most {MAX_FOLLOW} numbers"))
    ring = StrictString(validate=validate.OneOf(FOLLOW_RING))
    confirm = Bool()


class ExtensionSchema(StrictSchema):
    number = Number(required=True)
    name = Name(required=True)
    secret = Secret()
    voicemail_enabled = Bool()
    voicemail_pin = Pin()
    email = Email(allow_none=True)
    recording = StrictString(validate=validate.OneOf(RECORDING))
    language = Language()
    dnd = Bool()
    intercom = Bool()  # False: *80N and page groups ring this phone like any call, never auto-answered
    browser_phone = Bool()  # a second phone in the user's browser (appliance/webphone), rung with the desk phone
    forward = fields.Nested(ForwardSchema)
    follow_me = fields.Nested(FollowMeSchema)
    permission_class = StrictString(validate=validate.Length(1, 30))
    transport = StrictString(validate=validate.OneOf(TRANSPORTS))
    srtp = StrictString(validate=validate.OneOf(SRTP))
    pickup_groups = fields.List(StrictString(validate=validate.Regexp(
        r"^[a-z0-9][a-z0-9_-]{0,29}$", error="must be a group name: lower-case letters, digits, _ and -")),
        validate=validate.Length(max=8))


class ExtensionUpdateSchema(ExtensionSchema):
    """PUT and PATCH: the number is the resource's name and cannot change."""

    number = Number()


class BulkSchema(StrictSchema):
    extensions = fields.List(fields.Nested(ExtensionSchema), required=True)
