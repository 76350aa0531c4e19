"""What SMS gateways, templates and sends accept from a user."""

from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate, validates_schema

from ..fields import Bool, Host, Name, StrictSchema, StrictString, Text
from ..mail import config as mail_config
from . import templates

KINDS = ("http", "modem", "smpp")
METHODS = ("GET", "POST_FORM", "POST_JSON")
#: What the HTTP gateway's URL and body may use.
REQUEST_FIELDS = ("to", "text", "from", "username", "password", "id")
MAX_TEXT = 1000  # about 15 parts of Chinese text
MAX_BROADCAST = 100_000
_PATH = re.compile(r"[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,7}")
_DEVICE = re.compile(r"/dev/[A-Za-z0-9_][A-Za-z0-9_./-]{0,100}")
_PARAM = re.compile(r"[A-Za-z0-9_.\-\[\]]{1,64}")


class RequestTemplate(StrictString):
    """A value the gateway request is made from: printable, one line, known {fields} only."""

    def __init__(self, max_length: int = 1000, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if len(value) > self.max_length:
            raise ValidationError(f"must be at most {self.max_length} characters")
        if any(not ch.isprintable() for ch in value):
            raise ValidationError("must be one line without control characters")
        return templates.check(value, REQUEST_FIELDS)


class UrlTemplate(RequestTemplate):
    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not re.match(r"https?://[^/\s{}?#]+", value) or " " in value:
            raise ValidationError("must be an http:// or https:// address (fields such as {to} may follow the host)")
        return value


_WRITTEN = re.compile(r"^[0-9+ ()\-.\u00a0\u3000\uff01-\uff5e]{1,40}$")


class WrittenNumber(StrictString):
    """A phone number as people write it (+86 138-0013-8000, full-width digits): normalised by the service."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if "\n" in value or not _WRITTEN.match(value):
            raise ValidationError("is not a phone number")
        return value


class Login(mail_config.Login):
    """A provider's user name: as a mail relay's, and without ':' (it ends the name in basic authentication)."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if ":" in value:
            raise ValidationError("must not contain ':'")
        return value


def _path(**kwargs):
    return StrictString(allow_none=True, validate=validate.Regexp(
        _PATH, error="must be a field name of the answer, dotted for nested ones (result.code)"), **kwargs)


class HttpOptionsSchema(StrictSchema):
    url = UrlTemplate(required=True, metadata={"description": "with {to}, {text}, {from}, {username}, "
                                               "{password}, {id}; values are URL-encoded"})
    method = StrictString(load_default="GET", validate=validate.OneOf(METHODS))
    body = fields.Dict(keys=StrictString(validate=validate.Regexp(_PARAM, error="is not a parameter name")),
                       values=RequestTemplate(), load_default=dict, validate=validate.Length(max=30),
                       metadata={"description": "POST parameters: name -> text with fields"})
    auth = StrictString(load_default="none", validate=validate.OneOf(("none", "basic")))
    username = Login(load_default="")
    #: Write-only: absent keeps the stored one, "" removes it.
    password = mail_config.Password(load_only=True)
    sender = StrictString(load_default="", validate=validate.Regexp(
        r"^[A-Za-z0-9 +]{0,20}$", error="must be up to 20 letters, digits, spaces or +"),
        metadata={"description": "sender name or number, {from} in the request"})
    number_format = StrictString(load_default="international", validate=validate.OneOf(
        ("international", "e164", "national")), metadata={"description": "{to} as 8613800138000, "
                                                           "+8613800138000 or 13800138000"})
    success_status = fields.Integer(strict=True, allow_none=True, load_default=None,
                                    validate=validate.Range(100, 599),
                                    metadata={"description": "the status that means sent; null: any 2xx"})
    success_field = _path(load_default=None)
    success_value = StrictString(allow_none=True, load_default=None, validate=validate.Length(max=100))
    id_field = _path(load_default=None, metadata={"description": "where the answer gives the message's id "
                                                  "(for delivery reports)"})

    @validates_schema
    def _coherent(self, data, **kwargs):
        if data.get("body") and data.get("method") == "GET":
            raise ValidationError("a GET request has no body: choose POST_FORM or POST_JSON", "body")
        if (data.get("success_field") is None) != (data.get("success_value") is None):
            raise ValidationError("give both success_field and success_value, or neither", "success_value")
        if data.get("auth") == "basic" and not data.get("username"):
            raise ValidationError("basic authentication needs a user name", "username")


class ModemOptionsSchema(StrictSchema):
    device = StrictString(required=True, validate=validate.Regexp(
        _DEVICE, error="must be a serial device such as /dev/ttyUSB0"))
    baud = fields.Integer(strict=True, load_default=115200,
                          validate=validate.OneOf((9600, 19200, 38400, 57600, 115200, 230400, 460800)))
    delivery_reports = Bool(load_default=False, metadata={"description": "ask the network for delivery reports"})
    timeout = fields.Float(load_default=10.0, validate=validate.Range(1, 60),
                           metadata={"description": "seconds to wait for the modem's answer"})

    @validates_schema
    def _no_dots(self, data, **kwargs):
        if ".." in data.get("device", ""):
            raise ValidationError("must be a serial device such as /dev/ttyUSB0", "device")


class SmppOptionsSchema(StrictSchema):
    host = Host(required=True, metadata={"description": "the SMSC's address"})
    port = fields.Integer(strict=True, load_default=2775, validate=validate.Range(1, 65535))
    system_id = StrictString(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9_.-]{1,15}$", error="must be 1 to 15 letters, digits, '_', '.' or '-' (SMPP's system_id)"))
    #: Write-only: absent keeps the stored one, "" removes it.
    password = mail_config.Password(load_only=True, validate=validate.Length(max=8),
                                    metadata={"description": "SMPP passwords are at most 8 characters"})
    system_type = StrictString(load_default="", validate=validate.Regexp(
        r"^[A-Za-z0-9]{0,12}$", error="must be up to 12 letters or digits"))
    sender = StrictString(load_default="", validate=validate.Regexp(
        r"^(?:[0-9]{1,20}|[A-Za-z0-9 ]{1,11})?$", error="must be a number (up to 20 digits) or up to 11 "
        "letters, digits and spaces"), metadata={"description": "source address: a number or a name"})
    number_format = StrictString(load_default="international", validate=validate.OneOf(
        ("international", "national")), metadata={"description": "the destination as 8613800138000 (TON 1) "
                                                  "or 13800138000 (TON 2)"})
    delivery_reports = Bool(load_default=True, metadata={"description": "ask the SMSC for delivery receipts"})
    timeout = fields.Float(load_default=10.0, validate=validate.Range(1, 60),
                           metadata={"description": "seconds to wait for the SMSC's answer"})


OPTIONS = {"http": HttpOptionsSchema, "modem": ModemOptionsSchema, "smpp": SmppOptionsSchema}


class GatewaySchema(StrictSchema):
    name = Name(required=True, max_length=40)
    kind = StrictString(required=True, validate=validate.OneOf(KINDS))
    enabled = Bool(load_default=True)
    rate = fields.Float(load_default=10.0, validate=validate.Range(0.1, 1000),
                        metadata={"description": "messages a second, at most (broadcasts are throttled to it)"})
    attempts = fields.Integer(strict=True, load_default=3, validate=validate.Range(1, 10),
                              metadata={"description": "tries before a message is marked failed"})
    options = fields.Dict(required=True, metadata={"description": "the kind's settings (url, method, ... "
                                                   "or device, baud, ...)"})


class CustomerFilter(StrictSchema):
    q = StrictString(allow_none=True, validate=validate.Length(max=100))
    level = Name(allow_none=True, max_length=40)


class Customers(fields.Field):
    """Customer ids, or a filter {q, level} as the customer list takes it."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list):
            if not value or len(value) > MAX_BROADCAST or not all(type(v) is int and v > 0 for v in value):
                raise ValidationError(f"give 1 to {MAX_BROADCAST} customer ids")
            return list(dict.fromkeys(value))
        if isinstance(value, dict):
            try:
                return CustomerFilter().load(value)
            except ValidationError as err:
                field, messages = next(iter(err.messages.items()))
                raise ValidationError(f"{field}: {messages[0] if isinstance(messages, list) else messages}")
        raise ValidationError("give a list of customer ids or a filter {q, level}")


class SendSchema(StrictSchema):
    to = WrittenNumber(metadata={"description": "a phone number, any form", "pattern": _WRITTEN.pattern})
    text = Text(max_length=MAX_TEXT)
    template = fields.Raw(metadata={"description": "a template's id or name"})
    customers = Customers(metadata={"description": "customer ids, or {q, level}"})

    @validates_schema
    def _one_kind(self, data, **kwargs):
        if "to" in data:
            if "customers" in data or "template" in data:
                raise ValidationError("send to one number (to, text) or to customers (template, customers)", "to")
            if not data.get("text"):
                raise ValidationError("must not be empty", "text")
        elif "customers" in data:
            if ("template" in data) == ("text" in data):
                raise ValidationError("give a template or a text for the customers", "template")
        else:
            raise ValidationError("give to and text, or template and customers", "to")


class TemplateSchema(StrictSchema):
    name = Name(required=True, max_length=60)
    text = Text(required=True, max_length=MAX_TEXT)
    events = fields.List(StrictString(validate=validate.OneOf(templates.EVENTS)), load_default=list,
                         validate=validate.Length(max=len(templates.EVENTS)))

    @validates_schema
    def _known_fields(self, data, **kwargs):
        if data.get("text"):
            try:
                templates.check(data["text"], templates.MESSAGE_FIELDS)
            except ValidationError as err:
                raise ValidationError(err.messages[0], "text") from None
