"""What a survey and a campaign accept from a user."""

from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from ..fields import Language, Name, StrictSchema, StrictString

#: The box's own prompts a question may play (scripts/sounds/callbox-*.txt), en and zh-CN.
OWN_SOUNDS = ("survey", "survey-yes-no")
MAX_QUESTIONS = 10
MAX_NUMBERS = 10000
_KEYS = re.compile(r"([0-9])-([0-9])|[0-9]{1,10}")
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]|24:00")


def keys_of(text: str) -> str:
    """"1-5" or "12" as the distinct digits they allow, in order: "12345", "12"."""
    m = _KEYS.fullmatch(text)
    if m is None:
        raise ValidationError('must be digits ("12") or a range ("1-5")')
    if m.group(1) is not None:
        low, high = int(m.group(1)), int(m.group(2))
        if low >= high:
            raise ValidationError("a range goes from a lower key to a higher one")
        return "".join(str(d) for d in range(low, high + 1))
    if len(set(text)) != len(text):
        raise ValidationError("names a key twice")
    return text


class Keys(StrictString):
    def _deserialize(self, value, attr, data, **kwargs):
        return keys_of(super()._deserialize(value, attr, data, **kwargs))


class Clock(StrictString):
    """HH:MM, 00:00 to 24:00."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not _CLOCK.fullmatch(value):
            raise ValidationError("must be a time of day, HH:MM (24:00 for midnight)")
        return value


class QuestionSchema(StrictSchema):
    prompt = fields.Integer(strict=True, allow_none=True, validate=validate.Range(1))
    sound = StrictString(allow_none=True, validate=validate.OneOf(OWN_SOUNDS))
    keys = Keys(required=True)
    timeout = fields.Integer(strict=True, validate=validate.Range(2, 30))

    @validates_schema
    def _one_prompt(self, data, **kwargs):
        if (data.get("prompt") is None) == (data.get("sound") is None):
            raise ValidationError("a question plays either a prompt of the library or one of the box's own "
                                  f"({', '.join(OWN_SOUNDS)})", "prompt")


class SurveySchema(StrictSchema):
    name = Name(required=True, max_length=60)
    questions = fields.List(fields.Nested(QuestionSchema), required=True,
                            validate=validate.Length(1, MAX_QUESTIONS))
    language = Language()


class CampaignSchema(StrictSchema):
    name = Name(required=True, max_length=60)
    survey = fields.Integer(strict=True, required=True)
    # A list of numbers, or the text of a pasted list (one a line, or separated by commas or spaces).
    numbers = fields.Raw()
    # The text of a CSV file (a spreadsheet's "number" column), added to `numbers`.
    numbers_csv = fields.String(validate=validate.Length(max=2 * 1024 * 1024))
    permission_class = StrictString(validate=validate.Length(1, 30))
    calls_at_once = fields.Integer(strict=True, validate=validate.Range(1, 30))
    calls_per_minute = fields.Integer(strict=True, validate=validate.Range(1, 120))
    hours_from = Clock()
    hours_to = Clock()
    retries = fields.Integer(strict=True, validate=validate.Range(0, 5))
    retry_minutes = fields.Integer(strict=True, validate=validate.Range(1, 1440))
    ring_seconds = fields.Integer(strict=True, validate=validate.Range(10, 120))

    @validates("hours_from")
    def _from(self, value, **kwargs):
        if value == "24:00":
            raise ValidationError("must be 00:00 to 23:59")


QUESTION_DEFAULTS = {"prompt": None, "sound": None, "timeout": 6}
SURVEY_DEFAULTS = {"language": None}
CAMPAIGN_DEFAULTS = {"permission_class": "national", "calls_at_once": 2, "calls_per_minute": 10,
                     "hours_from": "09:00", "hours_to": "20:00", "retries": 1, "retry_minutes": 10,
                     "ring_seconds": 30}
