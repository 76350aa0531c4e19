"""What a conference room accepts from a user."""

from __future__ import annotations

from marshmallow import fields, validate

from ..fields import Bool, Name, Number, Pin, StrictSchema

MAX_PARTIES = 64  # a room's ceiling (ConfBridge mixes more, the box's two cores do not)
MAX_ROOMS = 8  # rooms the box holds, so that all of them may run at once


class ConferenceSchema(StrictSchema):
    number = Number(required=True)
    name = Name(required=True, max_length=60)
    pin = Pin(allow_none=True)
    host_pin = Pin(allow_none=True)
    max_parties = fields.Integer(strict=True, validate=validate.Range(2, MAX_PARTIES))
    record = Bool()
    wait_for_host = Bool()


DEFAULTS = {"pin": None, "host_pin": None, "max_parties": 20, "record": False, "wait_for_host": False}
