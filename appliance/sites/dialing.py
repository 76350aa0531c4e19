"""How numbers reach other sites: extension ranges as dial plan patterns, site prefixes, and
breakout patterns.

Every site's extensions can be dialled from every other site as its site prefix (the site number
and a star) and the extension: 3*8001 is site 3's 8001. A star after a digit begins no number of a
box: extensions, groups and park slots are digits, feature codes start with * or #, and an outside
number has no star after its first digit, so prefixed numbers clash with nothing and with each
other only if the site numbers are the same. A site whose range overlaps no other site's is also
reached by the plain extension (short numbers); two sites whose ranges overlap are reached by
prefix only, at every site, so a plain number never means one site here and another there.

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


def prefix(number: int) -> str:
    """Site `number`'s prefix: what is dialled before its extensions at the other sites."""
    return f"{number}*"


def prefixed_patterns(number: int, first: str, last: str) -> list[str]:
    """Dial plan patterns for site `number`'s range first..last dialled with its prefix."""
    return [f"_{prefix(number)}{p.lstrip('_')}" for p in range_patterns(first, last)]


def overlaps(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Whether two FROM-TO ranges share a number."""
    return len(a[0]) == len(b[0]) and int(a[0]) <= int(b[1]) and int(b[0]) <= int(a[1])


def prefix_only(ranges: dict[int, tuple[str, str]]) -> set[int]:
    """The sites (by number) whose range overlaps another's: they are dialled by prefix only."""
    out = set()
    for number, mine in ranges.items():
        if any(overlaps(mine, theirs) for other, theirs in ranges.items() if other != number):
            out.add(number)
    return out


def inside(run: str, whole: str) -> bool:
    """Whether the FROM-TO run lies within the FROM-TO range `whole` (numbers of the same length)."""
    first, last = run.split("-")
    lo, hi = whole.split("-")
    return len(first) == len(lo) and int(lo) <= int(first) and int(last) <= int(hi)


def runs(numbers) -> list[str]:
    """Numbers (digit strings) as the fewest FROM-TO ranges of equal length, in order."""
    out: list[list[str]] = []
    for n in sorted(set(numbers), key=lambda n: (len(n), int(n))):
        if out and len(out[-1][1]) == len(n) and int(out[-1][1]) + 1 == int(n):
            out[-1][1] = n
        else:
            out.append([n, n])
    return [f"{a}-{b}" for a, b in out]
