"""Phone numbers as one string per line, whichever way a person or a trunk wrote them.

0755-1234567, +86 755 1234567, 0086 755 1234567 and 07551234567 are one line
in China; stored and looked up as "867551234567" (the international form
without '+'), they match whichever form a caller ID or a spreadsheet uses.
"""

from __future__ import annotations

import re

#: E.164 allows 15 digits; some room for national forms and extensions dialled straight.
MAX_DIGITS = 20
MIN_DIGITS = 3
# Grouping that people and spreadsheets put into numbers. Full-width forms
# (Chinese input methods) are folded to ASCII before this.
_SEPARATORS = str.maketrans("", "", " \u00a0-.()")
_INTERNATIONAL_PREFIX = "00"
_DIALLED_FROM_HOME = re.compile(r"^([ \u00a0]*[1-9][0-9]{0,2}[ \u00a0]*)\(0\)")


def _ascii(text: str) -> str:
    """Full-width digits, '+', '-', '(' ')' and the ideographic space as their ASCII forms."""
    return "".join(" " if ch == "\u3000" else chr(ord(ch) - 0xFEE0) if "\uff01" <= ch <= "\uff5e" else ch
                   for ch in text)


#: The fewest digits a national number has once its country code is taken off (shorter ones are
#: local numbers that merely start with the country code's digits).
NATIONAL_MIN_DIGITS = 7


def alike(number: str, country_code: str, national_prefix: str) -> list[str]:
    """A normalised number, then the other normalised forms one line may be kept under.

    A number written with neither country code nor national prefix (a Chinese mobile,
    13800138000, needs neither at home) is kept as written, while a trunk presents the same
    line as +8613800138000, 008613800138000 or 013800138000 (the trunk prefix), kept as
    8613800138000: each is the other's alike. With no country code configured, the national
    form with and without the national prefix are alike.
    """
    if country_code:
        if number.startswith(country_code):
            rest = number[len(country_code):]
            return [number, rest] if len(rest) >= NATIONAL_MIN_DIGITS else [number]
        longer = country_code + number
    elif national_prefix:
        if number.startswith(national_prefix) and len(number) - len(national_prefix) >= MIN_DIGITS:
            return [number, number[len(national_prefix):]]
        longer = national_prefix + number
    else:
        return [number]
    return [number, longer] if len(longer) <= MAX_DIGITS else [number]


def normalize(text, country_code: str, national_prefix: str) -> str | None:
    """Digits in international form without '+', or None when `text` is not a phone number.

    A national number (starting with `national_prefix`) gets `country_code` in
    place of the prefix; with no country code configured it keeps its national
    form, prefix included, so that it still matches itself written another way.
    A local number without area code stays as its digits.
    """
    if not isinstance(text, str):
        return None
    text = _ascii(text).strip()
    international = text.startswith("+")
    if international:
        # "+44 (0)20 ..." writes the national prefix that callers from abroad leave out.
        text = _DIALLED_FROM_HOME.sub(r"\1", text[1:])
    digits = text.translate(_SEPARATORS)
    if not re.fullmatch(r"[0-9]+", digits):
        return None
    if not international and digits.startswith(_INTERNATIONAL_PREFIX):
        digits, international = digits[len(_INTERNATIONAL_PREFIX):], True
    if international:
        if digits.startswith("0"):  # no country code starts with 0
            return None
    elif country_code and national_prefix and digits.startswith(national_prefix) \
            and len(digits) > len(national_prefix):
        digits = country_code + digits[len(national_prefix):]
    return digits if MIN_DIGITS <= len(digits) <= MAX_DIGITS else None
