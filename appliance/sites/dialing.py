"""How numbers reach other sites: extension ranges as dial plan patterns, and breakout patterns.

Pure: no database, no Asterisk. The config writer refuses '[' and ']', so a range cannot be
one pattern with a character class; it becomes the few prefix-and-X patterns that cover it
exactly (2000-2149 is _20XX and _210X to _214X).
"""

from __future__ import annotations

import re

from marshmallow import ValidationError

from ..fields import StrictString

# A number outside as it leaves for a trunk: digits, or a pattern of digits, X (any digit),
# N (2-9), Z (1-9) with an optional final '.' (one or more). No '!', '*', '#', '+' or brackets:
# nothing that reaches a feature code or changes the dial plan's meaning.
BREAKOUT = re.compile(r"_[0-9XNZ]{1,31}\.?|[0-9]{2,32}")
BREAKOUT_MESSAGE = ("must be digits or a pattern like _0755XXXXXXXX (X any digit, N 2-9, Z 1-9, a final '.' "
                    "for one or more), starting with at least two digits")


def check_breakout(value) -> str:
    """The pattern, upper-cased; ValueError says why it is refused."""
    if not isinstance(value, str):
        raise ValueError("must be a string")
    value = value.upper() if value.startswith("_") else value
    # At least two leading digits: "_X." would send every outside call to the branch.
    if not BREAKOUT.fullmatch(value) or not re.match(r"_?[0-9]{2}", value):
        raise ValueError(BREAKOUT_MESSAGE)
    return value


class BreakoutPattern(StrictString):
    """A branch's local breakout pattern (check_breakout)."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            return check_breakout(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


def range_patterns(first: str, last: str) -> list[str]:
    """Dial plan patterns that match exactly the numbers first..last (same length, digits)."""
    if len(first) != len(last) or not (first + last).isdigit() or int(first) > int(last):
        raise ValueError(f"not a range: {first}-{last}")
    width, x, hi = len(first), int(first), int(last)
    out = []
    while x <= hi:
        k = 0  # the largest block of 10**k numbers starting at x that stays inside the range
        while k < width and x % 10 ** (k + 1) == 0 and x + 10 ** (k + 1) - 1 <= hi:
            k += 1
        prefix = str(x).zfill(width)[:width - k]
        out.append(f"_{prefix}{'X' * k}" if k else prefix)
        x += 10 ** k
    return out


def runs(numbers) -> list[str]:
    """Numbers (digit strings) as the fewest FROM-TO ranges of equal length, in order."""
    out: list[list[str]] = []
    for n in sorted(set(numbers), key=lambda n: (len(n), int(n))):
        if out and len(out[-1][1]) == len(n) and int(out[-1][1]) + 1 == int(n):
            out[-1][1] = n
        else:
            out.append([n, n])
    return [f"{a}-{b}" for a, b in out]
