"""What a time condition accepts from a user."""

from __future__ import annotations

import datetime as dt
import re

from marshmallow import ValidationError, fields, validate, validates_schema

from ..destinations import Destination
from ..fields import Bool, Name, StrictSchema, StrictString

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OVERRIDES = ("matched", "unmatched")
MAX_CODE = 99


class Clock(StrictString):
    """HH:MM, 00:00 to 24:00 (24:00 is the end of the day)."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        m = re.fullmatch(r"([01][0-9]|2[0-4]):([0-5][0-9])", value)
        if not m or (m.group(1) == "24" and m.group(2) != "00"):
            raise ValidationError("must be a time HH:MM from 00:00 to 24:00")
        return value


class RuleSchema(StrictSchema):
    """Open on these days from `from` up to (not including) `to`."""

    days = fields.List(StrictString(validate=validate.OneOf(DAYS)), required=True,
                       validate=validate.Length(1, 7))
    start = Clock(required=True, data_key="from")
    end = Clock(required=True, data_key="to")

    @validates_schema
    def _order(self, data, **kwargs):
        if "start" in data and "end" in data and data["start"] >= data["end"]:
            raise ValidationError("must be later than from", "to")


class HolidaySchema(StrictSchema):
    """A closed day: once (that date), or every year on that month and day."""

    date = fields.Date(required=True)
    yearly = Bool(load_default=False)
    name = Name(allow_none=True, load_default=None)


class TimeConditionSchema(StrictSchema):
    name = Name(required=True, max_length=60)
    code = fields.Integer(strict=True, validate=validate.Range(1, MAX_CODE))
    rules = fields.List(fields.Nested(RuleSchema), validate=validate.Length(max=50))
    holidays = fields.List(fields.Nested(HolidaySchema), validate=validate.Length(max=400))
    matched = Destination()
    unmatched = Destination()
    override = StrictString(allow_none=True, validate=validate.OneOf(OVERRIDES))


def holiday_json(h: dict) -> dict:
    date = h["date"]
    return {"date": date.isoformat() if isinstance(date, dt.date) else date, "yearly": h.get("yearly", False),
            "name": h.get("name")}
