from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from ..destinations import Destination, DestinationSchema
from ..fields import Bool, Language, Name, Number, StrictSchema, StrictString

DIGITS = tuple("0123456789*#")
HANGUP = {"kind": "hangup", "target": None}


# Self-service steps: building blocks a menu runs, in order, before its keys (appliance/pbx/render/selfservice.py).
STEP_KINDS = ("digits", "say", "ticket_status", "http_lookup", "complaint")
SAY_AS = ("digits", "number", "date")
ENTERED, CALLER = "entered", "caller"
#: A variable an HTTP lookup answers with, as a say step names it.
VARIABLE = r"[a-z][a-z0-9_]{0,19}"
#: The fields each kind of step takes, with their defaults (None: required, no default).
STEP_FIELDS = {
    "digits": {"prompt": None, "min_digits": 1, "max_digits": 20, "timeout": 5},
    "say": {"say_as": "digits", "value": ENTERED},
    "ticket_status": {},
    "http_lookup": {"url": None, "timeout_ms": 3000, "choices": [], "fallback": HANGUP},
    "complaint": {"max_seconds": 120, "silence_seconds": 5},
}
OPTIONAL = {("digits", "prompt")}  # may be left out (none: a beep asks for the digits)


class ChoiceSchema(StrictSchema):
    name = StrictString(required=True, validate=validate.Regexp(
        r"^[a-z0-9_-]{1,20}$", error="must be 1 to 20 lower-case letters, digits, '-' or '_'"))
    prompt = fields.Integer(strict=True, required=True, metadata={"description": "the prompt played for this choice"})


class StepSchema(StrictSchema):
    kind = StrictString(required=True, validate=validate.OneOf(STEP_KINDS))
    prompt = fields.Integer(strict=True, allow_none=True, metadata={"description": "digits: asks for them"})
    min_digits = fields.Integer(strict=True, validate=validate.Range(1, 20))
    max_digits = fields.Integer(strict=True, validate=validate.Range(1, 20))
    timeout = fields.Integer(strict=True, validate=validate.Range(1, 30),
                             metadata={"description": "digits: seconds to wait for the next digit"})
    say_as = StrictString(validate=validate.OneOf(SAY_AS))
    value = StrictString(validate=validate.Regexp(
        rf"^({ENTERED}|{CALLER}|{VARIABLE})$",
        error="must be entered (the digits), caller (their number) or a lookup's variable (a-z, 0-9, _)"),
        metadata={"description": "say: what is said"})
    url = StrictString(validate=validate.Length(max=500), metadata={"description": "http_lookup: the address asked"})
    timeout_ms = fields.Integer(strict=True, validate=validate.Range(200, 10000),
                                metadata={"description": "http_lookup: the hard time limit"})
    choices = fields.List(fields.Nested(ChoiceSchema), validate=validate.Length(max=20))
    fallback = Destination(metadata={"description": "http_lookup: where a failed lookup goes"})
    max_seconds = fields.Integer(strict=True, validate=validate.Range(5, 600),
                                 metadata={"description": "complaint: the longest recording"})
    silence_seconds = fields.Integer(strict=True, validate=validate.Range(1, 30),
                                     metadata={"description": "complaint: silence that ends the recording"})

    @validates_schema
    def _by_kind(self, data, **kwargs):
        kind = data.get("kind")
        if kind not in STEP_FIELDS:
            return  # the kind's own error says it
        wanted = STEP_FIELDS[kind]
        for name in data:
            if name != "kind" and name not in wanted:
                raise ValidationError(f"a {kind} step takes no {name}", name)
        for name, default in wanted.items():
            if default is None and (kind, name) not in OPTIONAL and data.get(name) is None:
                raise ValidationError(f"{name} is required for a {kind} step", name)
        if kind == "digits" and data.get("min_digits", 1) > data.get("max_digits", 20):
            raise ValidationError("min_digits must not be more than max_digits", "min_digits")
        if kind == "http_lookup":
            from ..httpjson import valid_url

            if not valid_url(data["url"]):
                raise ValidationError("url must be an http:// or https:// address", "url")
            names = [c["name"] for c in data.get("choices", [])]
            if len(set(names)) != len(names):
                raise ValidationError("a choice's name is used twice", "choices")


def step_values(step: dict) -> dict:
    """A validated step with the defaults of its kind filled in."""
    return {"kind": step["kind"], **{k: step.get(k, v) for k, v in STEP_FIELDS[step["kind"]].items()}}


def check_order(steps: list[dict]) -> None:
    """What a step says or looks up must come from a step before it."""
    entered = looked_up = False
    for i, step in enumerate(steps):
        needs_digits = step.get("kind") == "ticket_status" or (step.get("kind") == "say" and step.get("value") == ENTERED)
        if needs_digits and not entered:
            raise ValidationError(f"step {i + 1} needs a digits step before it")
        if step.get("kind") == "say" and step.get("value") not in (ENTERED, CALLER, None) and not looked_up:
            raise ValidationError(f"step {i + 1} says a lookup's variable: it needs an http_lookup step before it")
        entered |= step.get("kind") == "digits"
        looked_up |= step.get("kind") == "http_lookup"


class OptionSchema(DestinationSchema):
    digit = StrictString(required=True, validate=validate.OneOf(DIGITS))


class IvrSchema(StrictSchema):
    name = Name(required=True, max_length=60)
    number = Number(allow_none=True)
    prompt = fields.Integer(strict=True, allow_none=True)
    timeout = fields.Integer(strict=True, validate=validate.Range(1, 60))
    max_tries = fields.Integer(strict=True, validate=validate.Range(1, 10))
    direct_dial = Bool()
    language = Language()
    options = fields.List(fields.Nested(OptionSchema), validate=validate.Length(max=12))
    on_timeout = Destination()
    on_invalid = Destination()
    steps = fields.List(fields.Nested(StepSchema), validate=validate.Length(max=10),
                        metadata={"description": "self-service steps the menu runs, in order, before its keys"})

    @validates("steps")
    def _order(self, steps, **kwargs):
        check_order(steps)

    @validates("options")
    def _distinct(self, options, **kwargs):
        # An option whose own key was refused is already reported; skip it here.
        digits = [o["digit"] for o in options if "digit" in o]
        if len(set(digits)) != len(digits):
            raise ValidationError("a key is used twice")


DEFAULTS = {"number": None, "prompt": None, "timeout": 5, "max_tries": 3, "direct_dial": False, "language": None, "options": [],
            "on_timeout": HANGUP, "on_invalid": HANGUP, "steps": []}
