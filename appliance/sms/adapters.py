"""What every gateway adapter answers with: the provider's id of a message, or a SendError."""

from __future__ import annotations


class SendError(Exception):
    """The gateway did not take the message. `permanent`: trying again cannot help (a refused number)."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def number_for(number: str, style: str, country_code: str) -> str:
    """A stored number (international digits without '+', where the box knows its country code) as
    the gateway wants it: "international" as stored, "e164" with '+', "national" without the box's
    own country code (most Chinese providers take 13800138000, not 8613800138000)."""
    international = bool(country_code) and number.startswith(country_code) and len(number) > 8
    if style == "e164":
        return "+" + number if international else number
    if style == "national" and international:
        return number[len(country_code):]
    return number
