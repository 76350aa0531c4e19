from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates

from ..destinations import Destination
from ..fields import Bool, Language, Name, Number, StrictSchema, StrictString

STRATEGIES = ("ringall", "leastrecent", "fewestcalls", "rrmemory", "rrordered", "linear", "random", "wrandom")
RECORDING = ("never", "always", "on_demand")


class MemberSchema(StrictSchema):
    extension = Number(required=True)
    penalty = fields.Integer(strict=True, validate=validate.Range(0, 100), load_default=0)
    dynamic = Bool(load_default=False)


class QueueSchema(StrictSchema):
    number = Number(required=True)
    name = Name(required=True, max_length=60)
    strategy = StrictString(validate=validate.OneOf(STRATEGIES))
    memory_seconds = fields.Integer(strict=True, validate=validate.Range(0, 120))
    music = StrictString(validate=validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,39}$",
                                                  error="must be a music class name"))
    announce_position = Bool()
    announce_interval = fields.Integer(strict=True, validate=validate.Range(0, 1200))
    join_empty = Bool()
    leave_empty = Bool()
    max_wait = fields.Integer(strict=True, validate=validate.Range(0, 86400))
    max_callers = fields.Integer(strict=True, validate=validate.Range(0, 1000))
    overflow = Destination()
    wrapup = fields.Integer(strict=True, validate=validate.Range(0, 600))
    ring_timeout = fields.Integer(strict=True, validate=validate.Range(5, 120))
    announce_agent = Bool()
    survey = Bool()
    # A survey of its own (appliance/surveys) asked after the call, in place of the one-question `survey`.
    survey_after = fields.Integer(strict=True, allow_none=True)
    recording = StrictString(validate=validate.OneOf(RECORDING))
    callback = Bool()
    # The permission class a callback is dialled within: the caller's number can be forged.
    callback_class = StrictString(validate=validate.Length(1, 30))
    service_level = fields.Integer(strict=True, validate=validate.Range(5, 600))
    language = Language()
    members = fields.List(fields.Nested(MemberSchema), validate=validate.Length(max=1000))

    @validates("announce_interval")
    def _interval(self, value, **kwargs):
        if 0 < value < 15:
            raise ValidationError("must be 0 (never) or at least 15 seconds")


DEFAULTS = {
    "strategy": "rrmemory", "memory_seconds": 0, "music": "default", "announce_position": False,
    "announce_interval": 60, "join_empty": True, "leave_empty": False, "max_wait": 0, "max_callers": 0,
    "overflow": {"kind": "hangup", "target": None}, "wrapup": 0, "ring_timeout": 15, "announce_agent": False,
    "survey": False, "survey_after": None, "recording": "never", "callback": False, "callback_class": "national", "service_level": 20, "language": None,
    "members": [],
}
