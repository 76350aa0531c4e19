"""Asterisk Manager Interface wire format: a pure parser and encoder, no I/O.

We write our own AMI client because none of the Python ones fits a program that
runs both under plain threads and under gevent monkey-patching with a single
reader thread: panoramisk is asyncio-only, and pyst2 is unmaintained and spawns a
thread per event. Keeping the wire format here, free of sockets, lets it be
tested byte for byte against transcripts recorded from a real Asterisk.
"""

GREETING_PREFIX = "Asterisk Call Manager"


class Message:
    """One AMI packet: an ordered list of (key, value) headers.

    A list rather than a dict because AMI repeats keys (every line of a Command
    response is its own ``Output:`` header).
    """

    __slots__ = ("_headers", "_index")

    def __init__(self, headers=()):
        if hasattr(headers, "items"):
            headers = headers.items()
        self._headers = [(str(k), str(v)) for k, v in headers]
        self._index = None

    @classmethod
    def _of(cls, headers):
        """A Message over a list of (str, str) pairs made by the parser (taken as they are)."""
        message = cls.__new__(cls)
        message._headers = headers
        message._index = None
        return message

    def get(self, key, default=None):
        return self.lowered().get(key.lower(), default)

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

    @property
    def kind(self):
        if self._headers:
            first = self._headers[0][0].lower()
            if first in ("response", "event"):
                return first
        return "unknown"

    @property
    def name(self):
        if self.kind == "unknown":
            return None
        return self._headers[0][1]

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
        messages = []
        for piece in pieces:
            # Asterisk sometimes ends a packet with an extra blank line (seen after "Message: No
            # endpoints found\n"), so blank lines with no headers before them are no message.
            lines = [line for line in piece.split("\n") if line]
            if lines:
                messages.append(Message._of([
                    (key.strip(), value[1:] if value[:1] == " " else value)
                    for key, _, value in [line.partition(":") for line in lines]]))
        return messages


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
