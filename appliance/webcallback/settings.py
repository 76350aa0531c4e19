"""The web callback settings: one JSON row of the config database (key "webcall"), with defaults."""

from __future__ import annotations

import json
import re

from marshmallow import ValidationError, fields, validate as v, validates_schema

from ..db import change
from ..db.models import Queue, Setting
from ..errors import Invalid
from ..fields import Bool, Name, Number, StrictSchema, StrictString, validate
from ..permissions import service as permissions

KEY = "webcall"
# scheme://host[:port], as a browser sends it in the Origin header (no path, no trailing slash).
ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|https?://\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?")
DEFAULTS = {
    "enabled": False,
    "origins": [],  # the websites whose pages may ask for callbacks
    "queues": [],  # the queues a visitor may be queued in; the first is the default
    "topics": [],  # [{"name", "queue"}]: what the visitor may pick; a topic queues in its queue
    "per_address": 5,  # requests an address may make in a minute (any request, good or bad)
    "per_number": 3,  # callbacks one number may ask for in an hour
    "permission_class": permissions.DEFAULT_CALLBACK_CLASS,  # what numbers are accepted
}


class Origin(StrictString):
    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not ORIGIN.fullmatch(value):
            raise ValidationError("must be a website's origin: http(s)://host or http(s)://host:port, no path")
        return value.lower()


class TopicSchema(StrictSchema):
    name = Name(required=True, max_length=40)
    queue = Number(required=True)


class WebcallSettingsSchema(StrictSchema):
    enabled = Bool()
    origins = fields.List(Origin(), validate=v.Length(max=20))
    queues = fields.List(Number(), validate=v.Length(max=10))
    topics = fields.List(fields.Nested(TopicSchema), validate=v.Length(max=10))
    per_address = fields.Integer(strict=True, validate=v.Range(1, 100))
    per_number = fields.Integer(strict=True, validate=v.Range(1, 20))
    permission_class = StrictString()

    @validates_schema
    def _topics_unique(self, data, **kwargs):
        names = [t["name"] for t in data.get("topics", [])]
        if len(set(names)) != len(names):
            raise ValidationError("each topic once", "topics")


def load() -> dict:
    row = Setting.get_or_none(Setting.key == KEY)
    stored = json.loads(row.value) if row is not None else {}
    return {**DEFAULTS, **{k: v for k, v in stored.items() if k in DEFAULTS}}


def save(data, actor: str) -> dict:
    """A partial change: the fields sent replace theirs; checked against the queues and classes."""
    values = {**load(), **validate(WebcallSettingsSchema(), data, partial=True)}
    for number in values["queues"]:
        if not Queue.select().where(Queue.number == number).exists():
            raise Invalid(f"queues: there is no queue {number}", "queues")
    for topic in values["topics"]:
        if topic["queue"] not in values["queues"]:
            raise Invalid(f"topics: topic {topic['name']!r} queues in {topic['queue']}, which is not offered "
                          "(add it to queues)", "topics")
    permissions.ensure_exists(values["permission_class"], "permission_class")
    if values["enabled"] and not values["queues"]:
        raise Invalid("queues: offer at least one queue before turning web callbacks on", "queues")
    # Rendered into nothing Asterisk loads: the web layer reads it on each request.
    with change(actor, "webcall.settings", KEY, settled=True) as cs:
        row = Setting.get_or_none(Setting.key == KEY)
        if row is None:
            cs.create(Setting, key=KEY, value=json.dumps(values))
        elif json.loads(row.value) != values:
            cs.update(row, value=json.dumps(values))
    return values
