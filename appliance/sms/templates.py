"""Text with {fields}: SMS templates, and the HTTP gateway's URL and body.

Python's str.format would reach attributes and items ({x.__class__}) and
accept format specs; here a field is a bare name from a known list, checked
when the text is saved, so that a typo is a clear error then and never an
empty hole in a message sent to a thousand customers.
"""

from __future__ import annotations

import string

from marshmallow import ValidationError

#: Fields an SMS template may use, and what fills them.
MESSAGE_FIELDS = ("name", "number", "company", "ticket", "status", "summary", "extension", "mailbox", "queue",
                  "time", "duration", "box")
#: Events that send a template (each template says which it answers).
EVENTS = ("missed_call", "voicemail", "callback", "ticket_status")


def fields_of(text: str) -> list[str]:
    """The field names `text` uses; ValidationError for a malformed brace or a field with more than a name."""
    out = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValidationError(f"has a stray brace ({exc}); write {{{{ and }}}} for literal braces") from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            raise ValidationError(f"{{{name}}}: a field is a plain name such as {{name}}")
        out.append(name)
    return out


def check(text: str, known) -> str:
    """`text` if every field it uses is in `known`, else a ValidationError naming the unknown ones."""
    unknown = sorted({f for f in fields_of(text) if f not in known})
    if unknown:
        names = ", ".join("{" + f + "}" for f in unknown)
        allowed = ", ".join("{" + f + "}" for f in known)
        raise ValidationError(f"unknown field {names}; the fields are {allowed}")
    return text


def fill(text: str, values: dict, quote=None) -> str:
    """`text` with its fields replaced by `values` (missing ones empty), each passed through `quote`."""
    out = []
    for literal, name, _spec, _conversion in string.Formatter().parse(text):
        out.append(literal)
        if name is not None:
            value = values.get(name)
            value = "" if value is None else str(value)
            out.append(quote(value) if quote else value)
    return "".join(out)
