"""What departments, ticket categories and tickets accept from a user."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from ..fields import Email, Name, StrictSchema, StrictString, Text

CHANNELS = ("phone", "voicemail", "web", "sms", "email")
PRIORITIES = ("low", "normal", "high", "urgent")


class Line(Text):
    """Free text on one line (a ticket's summary): quotes and any script welcome, no line breaks."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if value is not None and ("\n" in value or "\t" in value):
            raise ValidationError("must be one line")
        return value


def by_id(model, raw):
    """The row of `model` whose id `raw` is (as a request gives it), or None."""
    try:
        return model.get_or_none(model.id == int(raw))
    except (TypeError, ValueError):
        return None


def _id(description: str, **kwargs):
    return fields.Integer(strict=True, metadata={"description": description}, **kwargs)


class DepartmentSchema(StrictSchema):
    name = Name(required=True, max_length=100)
    phone = StrictString(allow_none=True, validate=validate.Regexp(
        r"^\+?[0-9][0-9 -]{1,30}$", error="is not a phone number"))
    email = Email(allow_none=True)


class CategorySchema(StrictSchema):
    name = Name(required=True, max_length=100)
    parent = _id("the parent category's id; none for a top-level category", allow_none=True)
    time_limit_hours = fields.Integer(strict=True, allow_none=True, validate=validate.Range(1, 24 * 365),
                                      metadata={"description": "a new ticket's deadline: this many hours"})
    department = _id("the department its tickets go to by default", allow_none=True)


class _TicketFields(StrictSchema):
    kind = StrictString(metadata={"description": "one of the ticket_kinds setting"})
    category = _id("a ticket category's id", allow_none=True)
    summary = Line(max_length=200)
    details = Text(allow_none=True, max_length=10000)
    caller = StrictString(allow_none=True, validate=validate.Length(max=40))
    priority = StrictString(validate=validate.OneOf(PRIORITIES))
    channel = StrictString(validate=validate.OneOf(CHANNELS))


class TicketCreateSchema(_TicketFields):
    kind = StrictString(required=True, metadata={"description": "one of the ticket_kinds setting"})
    summary = Line(required=True, max_length=200)
    call_id = StrictString(allow_none=True, validate=validate.Length(1, 64),
                           metadata={"description": "the call it was made during (the screen pop's call id)"})
    department = _id("a department's id: the ticket is dispatched there", allow_none=True)


class TicketChangeSchema(_TicketFields):
    status = StrictString(metadata={"description": "new, dispatched, in_progress, answered, closed, reopened"})
    assignee = StrictString(allow_none=True, metadata={"description": "a user's name"})


class DispatchSchema(StrictSchema):
    department = _id("a department's id", required=True)


class CommentSchema(StrictSchema):
    text = Text(required=True, max_length=5000)
