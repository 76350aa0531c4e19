"""Typed fields for values that come from users (marshmallow fields).

These are the first of two guards between a user and a config file: a value
that fails here gets a clear 422 naming the field. The second guard is the
config writer (appliance/pbx/conf.py), which refuses to write anything that
would change a file's meaning even if a renderer were handed a bad value.
"""

from __future__ import annotations

import re
import unicodedata

from marshmallow import RAISE, Schema, ValidationError, fields, validate as mvalidate

# Characters with a meaning in Asterisk config, dialplan or SIP caller-id syntax.
_NAME_FORBIDDEN = set(';[]"<>\\${}`')
# Zero-width (non-)joiners shape Persian, Indic scripts and emoji; every other
# invisible format character (bidi overrides above all) stays out of names.
_JOINERS = {"\u200c", "\u200d"}


class StrictString(fields.String):
    """A string, stripped of surrounding blanks; numbers or lists are refused."""

    def _empty(self):
        """An empty optional value means none; an empty required one is an error."""
        if self.allow_none:
            return None
        raise ValidationError("must not be empty")

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("must be a string")
        # Spaces only: str.strip() would also drop line breaks and control
        # characters, so "8001\n" would pass as "8001" instead of being refused.
        return value.strip(" ")


class Number(StrictString):
    """A dialable number: digits only."""

    PATTERN = re.compile(r"[1-9][0-9]{1,7}")
    MESSAGE = "must be 2 to 8 digits, not starting with 0"

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {"pattern": f"^{self.PATTERN.pattern}$"})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None:  # only reaches here where the field allows none
            return None
        value = super()._deserialize(value, attr, data, **kwargs)
        if value == "" and self.allow_none:
            return None
        if not self.PATTERN.fullmatch(value):
            raise ValidationError(self.MESSAGE)
        return value


class PhoneNumber(Number):
    """A number as a phone dials it: an extension's or, through an outbound route, anyone's."""

    PATTERN = re.compile(r"[0-9]{2,20}")
    MESSAGE = "must be 2 to 20 digits"


class Name(StrictString):
    """A display name in any script; no characters with meaning in config files."""

    def __init__(self, max_length: int = 64, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not value:
            return self._empty()
        if len(value) > self.max_length:
            raise ValidationError(f"must be at most {self.max_length} characters")
        for ch in value:
            if ch in _NAME_FORBIDDEN:
                raise ValidationError(f"must not contain {ch!r}")
            if ch in _JOINERS:
                continue
            if unicodedata.category(ch)[0] in "CZ" and ch != " ":
                raise ValidationError("must not contain control, line-break or invisible characters")
        return value


class Text(StrictString):
    """Free text such as notes: any script, line breaks and tabs, but no other control characters."""

    def __init__(self, max_length: int = 2000, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length

    def _deserialize(self, value, attr, data, **kwargs):
        # Browsers send a textarea's line breaks as CR LF.
        value = super()._deserialize(value, attr, data, **kwargs).replace("\r\n", "\n")
        if not value:
            return self._empty()
        if len(value) > self.max_length:
            raise ValidationError(f"must be at most {self.max_length} characters")
        if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value):
            raise ValidationError("must not contain control characters other than line breaks and tabs")
        return value


class Secret(StrictString):
    """A SIP password a phone can store: 12 to 64 letters, digits and -_.!#%*+/?@^~."""

    PATTERN = re.compile(r"[A-Za-z0-9\-_.!#%*+/?@^~]{12,64}")

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {"pattern": "^[A-Za-z0-9_.!#%*+/?@^~-]{12,64}$"})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("must be a string")
        if not self.PATTERN.fullmatch(value):
            raise ValidationError("must be 12 to 64 characters: letters, digits and -_.!#%*+/?@^~")
        if not (re.search(r"[A-Za-z]", value) and re.search(r"[0-9]", value)):
            raise ValidationError("must mix letters and digits")
        return value


class Pin(StrictString):
    """A voicemail PIN: 4 to 12 digits, not trivially guessable."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {"pattern": "^[0-9]{4,12}$"})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not re.fullmatch(r"[0-9]{4,12}", value):
            raise ValidationError("must be 4 to 12 digits")
        if is_trivial_pin(value):
            raise ValidationError("is too easy to guess (repeated or consecutive digits)")
        return value


def is_trivial_pin(pin: str) -> bool:
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:])}
    return len(set(pin)) == 1 or steps in ({1}, {-1})


class Email(StrictString):
    PATTERN = re.compile(r"[A-Za-z0-9.!#%&'*+/=?^_~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251})\.[A-Za-z]{2,63}")

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None:
            return None
        value = super()._deserialize(value, attr, data, **kwargs)
        if value == "":
            return self._empty()
        if not self.PATTERN.fullmatch(value) or ".." in value:
            raise ValidationError("is not an e-mail address")
        return value


class Host(StrictString):
    """An IP address or a DNS host name (a provider's SIP server)."""

    _LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None:
            return None
        value = super()._deserialize(value, attr, data, **kwargs).lower()
        import ipaddress

        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            pass
        labels = value.rstrip(".").split(".")
        if len(value) > 253 or len(labels) < 2 or not all(self._LABEL.fullmatch(x) for x in labels) \
                or labels[-1].isdigit():
            raise ValidationError("must be an IP address or a host name such as sip.example.com")
        return value.rstrip(".")


class SipUser(StrictString):
    """A SIP user name as providers issue them."""

    PATTERN = re.compile(r"[A-Za-z0-9._+\-]{1,64}")

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None:
            return None
        value = super()._deserialize(value, attr, data, **kwargs)
        if value == "":
            return self._empty()
        if not self.PATTERN.fullmatch(value):
            raise ValidationError("must be 1 to 64 letters, digits and . _ + -")
        return value


class ProviderSecret(StrictString):
    """A password a provider issued: any printable ASCII but what would break a config line."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValidationError("must be a string")
        if value == "":
            return self._empty()
        if len(value) > 128 or not all(33 <= ord(c) < 127 and c not in ';[]"\\' for c in value):
            raise ValidationError("must be 1 to 128 printable characters without spaces, ; [ ] \" or \\")
        return value


class DialString(StrictString):
    """A number as dialled on a trunk: digits, optionally a leading +."""

    def __init__(self, max_length: int = 32, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None:
            return None
        value = super()._deserialize(value, attr, data, **kwargs)
        if value == "":
            return self._empty()
        if not re.fullmatch(rf"\+?[0-9]{{1,{self.max_length}}}", value):
            raise ValidationError(f"must be up to {self.max_length} digits, optionally after a +")
        return value


class DialPattern(StrictString):
    """An Asterisk extension pattern without brackets: digits, X, N, Z, '.', '!' after a '_'."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None:
            return None
        value = super()._deserialize(value, attr, data, **kwargs)
        if value == "":
            return self._empty()
        if re.fullmatch(r"\+?[0-9*#]{1,32}", value):
            return value
        if not re.fullmatch(r"_\+?[0-9XNZ*#]{0,31}[.!]?", value) or len(value) < 2:
            raise ValidationError("must be digits, or a pattern like _0X. (X any digit, N 2-9, Z 1-9, "
                                  ". one or more, ! zero or more)")
        return value.upper()


class Bool(fields.Boolean):
    """true or false only: "yes", 1 and "0" are refused rather than guessed."""

    def __init__(self, **kwargs):
        super().__init__(truthy={True}, falsy={False}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        # Not `value in {True}`: 1 == True and 0 == False, so that would take 1 and 0.
        if value is True or value is False:
            return value
        raise self.make_error("invalid", input=value)


LANGUAGES = ("en", "zh")  # what callers hear: English, Mandarin Chinese (Asterisk's "zh")


class Language(StrictString):
    """A language callers hear; null where a resource takes the box's."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_none", True)
        super().__init__(validate=mvalidate.OneOf(LANGUAGES, error="must be en or zh"), **kwargs)


class StrictSchema(Schema):
    """Unknown fields are an error, not silently dropped."""

    class Meta:
        unknown = RAISE


def validate(schema: Schema, data, partial: bool = False) -> dict:
    """Load user input with `schema`, or raise a 422 naming the first bad field."""
    from .errors import Invalid

    if not isinstance(data, dict):
        raise Invalid("expected a JSON object")
    try:
        return schema.load(data, partial=partial)
    except ValidationError as err:
        field, message = first_error(err)
        raise Invalid(f"{field}: {message}" if field else message, field) from None


def first_error(err: ValidationError) -> tuple[str | None, str]:
    """(field, message) of the first problem in a marshmallow error."""
    messages = err.messages
    if isinstance(messages, dict):
        for field, value in messages.items():
            # A nested object's field is named in full ("forward.busy"); within a list, the list is.
            inner: list[str] = []
            in_list = False
            while isinstance(value, (list, dict)):
                if isinstance(value, dict):
                    key, value = next(iter(value.items()), ("", ""))
                    if not isinstance(key, str):
                        in_list = True
                    elif not in_list and key != "_schema":
                        inner.append(key)
                else:
                    value = value[0] if value else ""
            field = None if field == "_schema" else ".".join([field, *inner])
            text = str(value)
            if text == "Unknown field.":
                text = "is not a known field"
            elif text == "Missing data for required field.":
                text = "is required"
            elif text == "Field may not be null.":
                text = "may not be null"
            return field, text
    return None, str(messages)
