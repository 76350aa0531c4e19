"""Asterisk Manager Interface wire format: a pure parser and encoder, no I/O.

We write our own AMI client because none of the Python ones fits a program that
runs both under plain threads and under gevent monkey-patching with a single
reader thread: panoramisk is asyncio-only, and pyst2 is unmaintained and spawns a
thread per event. Keeping the wire format here, free of sockets, lets it be
tested byte for byte against transcripts recorded from a real Asterisk.
"""

import re

GREETING_PREFIX = "Asterisk Call Manager"


def _parse(text):
    """The headers of one packet's lines (newline-separated): a line without a colon is a header
    with an empty value, blank lines are none."""
    return [(key.strip(), value[1:] if value[:1] == " " else value)
            for key, _, value in [line.partition(":") for line in text.split("\n") if line]]


class Message:
    """One AMI packet: an ordered list of (key, value) headers.

    A list rather than a dict because AMI repeats keys (every line of a Command
    response is its own ``Output:`` header).

    A packet the parser makes keeps its text and cuts it into headers only when they are asked
    for: a busy box sends thousands of events a second, and most of them every subscriber only
    looks at by name (the first header), or picks a few headers out of (``picker``).
    """

    __slots__ = ("_list", "_text", "_first", "_index")

    def __init__(self, headers=()):
        if hasattr(headers, "items"):
            headers = headers.items()
        self._list = [(str(k), str(v)) for k, v in headers]
        self._text = self._first = self._index = None

    @classmethod
    def _of(cls, headers, text=None):
        """A Message over a list of (str, str) pairs made by the parser (taken as they are), or over
        one packet's lines as received (`text`: newline-separated, one not blank; headers None)."""
        message = cls.__new__(cls)
        message._list, message._text = headers, text
        message._first = message._index = None
        return message

    @property
    def _headers(self):
        headers = self._list
        if headers is None:
            headers = self._list = _parse(self._text)
        return headers

    @property
    def text(self):
        """The packet's lines as received (newline-separated), or None for a Message made of headers."""
        return self._text

    def get(self, key, default=None):
        index = self._index
        if index is None:
            text = self._text
            # A header's name is in the text as it is written: one not there at all is not looked
            # for header by header (every event is asked for its ActionID).
            if text is not None and text.isascii() and key.lower() not in text.lower():
                return default
            index = self.lowered()
        return index.get(key.lower(), default)

    def lowered(self):
        """The headers by lowercased name, the first of a repeated one (read only). Made at the
        first look-up: an event is looked up by name many times (by the client and by each
        subscriber)."""
        index = self._index
        if index is None:
            index = self._index = {k.lower(): v for k, v in reversed(self._headers)}
        return index

    def get_all(self, key):
        key = key.lower()
        return [v for k, v in self._headers if k.lower() == key]

    def __getitem__(self, key):
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key):
        return self.get(key) is not None

    def items(self):
        return list(self._headers)

    def __iter__(self):
        return iter(self._headers)

    def __len__(self):
        return len(self._headers)

    def __eq__(self, other):
        if not isinstance(other, Message):
            return NotImplemented
        return self._headers == other._headers

    __hash__ = None

    def _head(self):
        """The first header, or None."""
        first = self._first
        if first is None:
            if self._list is not None:
                first = self._list[0] if self._list else ()
            else:
                first = _parse(self._text.lstrip("\n").partition("\n")[0])[0]
            self._first = first
        return first or None

    @property
    def kind(self):
        first = self._head()
        if first:
            kind = first[0].lower()
            if kind in ("response", "event"):
                return kind
        return "unknown"

    @property
    def name(self):
        if self.kind == "unknown":
            return None
        return self._head()[1]

    @property
    def action_id(self):
        return self.get("ActionID")

    def to_dict(self):
        return dict(self._headers)

    def __repr__(self):
        return f"Message({self._headers!r})"


class Parser:
    """Incremental parser for the byte stream the server sends.

    One Parser per connection: the greeting is only recognised as the very first
    line of the stream.
    """

    def __init__(self):
        self.banner = None
        self._buf = bytearray()
        self._rest = ""  # the complete lines of a message not ended yet, each with its newline
        self._first_line = True

    def feed(self, data):
        # A busy box sends thousands of events a second: the complete lines received are decoded
        # at once and cut into messages at their blank lines, not handled one line at a time.
        self._buf += data
        end = self._buf.rfind(b"\n")
        if end < 0:
            return []
        # Decoding up to a newline is safe: b"\n" never occurs inside a multi-byte UTF-8 sequence.
        text = self._buf[:end + 1].decode("utf-8", errors="replace").replace("\r\n", "\n")
        del self._buf[:end + 1]
        if self._first_line:
            self._first_line = False
            # The greeting has no colon, unlike any header; a stream without one (e.g. a
            # transcript cut after login) still parses.
            line, _, after = text.partition("\n")
            if ":" not in line and line.strip():
                self.banner = line
                text = after
        pieces = (self._rest + text).split("\n\n")
        self._rest = pieces.pop()
        # Asterisk sometimes ends a packet with an extra blank line (seen after "Message: No
        # endpoints found\n"), so blank lines with no headers before them are no message.
        return [Message._of(None, piece) for piece in pieces if piece.strip("\n")]


def picker(names):
    """A function that gives the headers of a Message named in `names`, by lowercased name, as
    ``lowered()`` has them: read out of the packet's text in one pass where it is ASCII (names
    matched without regard to case, the space around a name and the one after the colon left
    out), instead of cutting every header out of it."""
    names = tuple(name.lower() for name in names)
    # (each line from its newline on: a literal the search skips to, faster than a line start)
    findall = re.compile(r"\n[^\S\n]*(" + "|".join(re.escape(name) for name in names) + r")[^\S\n]*: ?(.*)",
                         re.IGNORECASE).findall

    def pick(message):
        text = message._text
        if text is not None and message._index is None and text.isascii():
            return {key.lower(): value for key, value in reversed(findall("\n" + text))}
        index = message.lowered()
        return {name: index[name] for name in names if name in index}

    return pick


def _check(text, what):
    for ch in text:
        code = ord(ch)
        # CR/LF would let a user-supplied value start a new header or a new
        # action; other C0/C1 controls have no business in AMI either.
        if code < 32 or code == 127 or 128 <= code < 160:
            raise ValueError(f"control character {ch!r} in AMI {what} {text!r}")


def encode_action(name, action_id, fields=()):
    """Encode one action as bytes; ``fields`` is a mapping or a list of pairs."""
    if hasattr(fields, "items"):
        fields = fields.items()
    pairs = [("Action", name), ("ActionID", action_id)]
    for key, value in fields:
        if str(key).lower() in ("action", "actionid"):
            raise ValueError(f"AMI field {key!r} is set by the encoder")
        pairs.append((key, value))
    lines = []
    for key, value in pairs:
        key, value = str(key), str(value)
        if not key or ":" in key:
            raise ValueError(f"invalid AMI header name {key!r}")
        _check(key, "header name")
        _check(value, "header value")
        lines.append(f"{key}: {value}\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("utf-8")
