"""An IVR's HTTP lookup: GET <url>?digits=<entered>&caller=<their number>, answered with
{"prompt": "<one of the step's choices>", "variables": {"name": "digits or a YYYY-MM-DD date"}}.

The answer is checked whole before anything of it reaches the call: a choice the step does not
have, a variable whose name or value is not what a say step can say, anything else is garbage,
and garbage takes the step's fallback just as an error or a timeout does (appliance/httpjson.py
holds the time limit).
"""

from __future__ import annotations

import datetime as dt
import json
import re

from ..httpjson import Failed
from .schema import VARIABLE

MAX_VARIABLES = 10
_DIGITS = re.compile(r"[0-9]{1,20}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _value(name: str, value) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            dt.date.fromisoformat(value)
            return value
        except ValueError:
            pass
    raise Failed(f"variable {name!r}: not digits nor a YYYY-MM-DD date")


def answer(body: bytes, choices: list[str]) -> tuple[str, dict[str, str]]:
    """(choice, variables) of a lookup's answer (a JSON object's body), or Failed saying why not."""
    doc = json.loads(body)
    choice = doc.get("prompt")
    if not isinstance(choice, str) or choice not in choices:
        raise Failed(f"the answer's prompt {str(choice)[:40]!r} is none of the step's choices")
    variables = doc.get("variables", {})
    if not isinstance(variables, dict) or len(variables) > MAX_VARIABLES:
        raise Failed(f"variables: not an object of at most {MAX_VARIABLES} names")
    out = {}
    for name, value in variables.items():
        if not re.fullmatch(VARIABLE, name):
            raise Failed(f"variable {name[:40]!r}: not a name (a-z, 0-9, _)")
        out[name] = _value(name, value)
    return choice, out
