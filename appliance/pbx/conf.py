"""The only way text gets into an Asterisk config file.

Renderers build `ConfFile` objects; `ConfFile.render()` checks every section
name, key and value and raises `UnsafeValue` instead of writing anything that
would change the file's meaning: a line break ends the option and starts a new
one, ';' starts a comment, '[' and ']' start a section, leading or trailing
blanks are silently stripped by Asterisk, and control characters are refused
outright. Because renderers cannot emit text any other way, injection through
a user's value is impossible by construction rather than avoided by escaping
at each call site.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_NAME = re.compile(r"[A-Za-z0-9_.+\-@]{1,80}")
_KEY = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
# manager.conf's filter of one event by name (the only key with parentheses).
_EVENT_FILTER = re.compile(r"eventfilter\(name\([A-Za-z0-9_]{1,64}\)\)")
_INCLUDE = re.compile(r"[a-z0-9_\-]{1,64}\.conf")
_FORBIDDEN = set(";[]")
MAX_VALUE = 4096


class UnsafeValue(ValueError):
    """A renderer was handed a value that would change the meaning of a file."""


def check_value(value: str, where: str) -> str:
    if not isinstance(value, str):
        raise UnsafeValue(f"{where}: not text: {value!r}")
    if len(value) > MAX_VALUE:
        raise UnsafeValue(f"{where}: longer than {MAX_VALUE} characters")
    if value != value.strip():
        raise UnsafeValue(f"{where}: leading or trailing blanks")
    for ch in value:
        if ch in _FORBIDDEN:
            raise UnsafeValue(f"{where}: {ch!r} not allowed in a value")
        if ord(ch) < 32 or ord(ch) == 127 or unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            raise UnsafeValue(f"{where}: control character U+{ord(ch):04X} not allowed")
    return value


def list_value(parts, sep: str, where: str) -> str:
    """Join fields of a value that has inner structure (voicemail.conf's comma list)."""
    out = []
    for part in parts:
        part = "" if part is None else str(part)
        if sep in part:
            raise UnsafeValue(f"{where}: {sep!r} not allowed in a field")
        out.append(part)
    return sep.join(out)


@dataclass
class Section:
    name: str
    template: bool = False
    inherits: tuple[str, ...] = ()
    lines: list[tuple[str, str, str]] = field(default_factory=list)

    def set(self, key: str, value, arrow: bool = False) -> "Section":
        if isinstance(value, bool):
            value = "yes" if value else "no"
        self.lines.append((key, "=>" if arrow else "=", str(value)))
        return self

    def exten(self, value: str) -> "Section":
        return self.set("exten", value, arrow=True)

    def same(self, value: str) -> "Section":
        return self.set("same", value, arrow=True)


class ConfFile:
    def __init__(self, title: str):
        self.title = title
        self.items: list[Section | str] = []

    def section(self, name: str, *, template: bool = False, inherits: tuple[str, ...] = ()) -> Section:
        sec = Section(name, template, tuple(inherits))
        self.items.append(sec)
        return sec

    def include(self, filename: str) -> None:
        self.items.append(filename)

    def render(self) -> str:
        head = [f"; {self.title}", "; Made by Callbox from its config database. Changes here are overwritten.", ""]
        return "\n".join(head) + "\n" + self.body()

    def body(self) -> str:
        """The sections without the title comment."""
        out: list[str] = []
        for item in self.items:
            if isinstance(item, str):
                if not _INCLUDE.fullmatch(item):
                    raise UnsafeValue(f"include: bad file name {item!r}")
                out += [f"#include {item}", ""]
                continue
            out.append(self._header(item))
            for key, op, value in item.lines:
                if not (_KEY.fullmatch(key) or _EVENT_FILTER.fullmatch(key)):
                    raise UnsafeValue(f"[{item.name}]: bad key {key!r}")
                check_value(value, f"[{item.name}] {key}")
                out.append(f"{key} {op} {value}")
            out.append("")
        return "\n".join(out)

    @staticmethod
    def _header(sec: Section) -> str:
        for name in (sec.name, *sec.inherits):
            if not _NAME.fullmatch(name):
                raise UnsafeValue(f"bad section name {name!r}")
        flags = (["!"] if sec.template else []) + list(sec.inherits)
        return f"[{sec.name}]" + (f"({','.join(flags)})" if flags else "")


class FlatFile:
    """key=value lines without sections and with '#' comments, as DAHDI's system.conf has them.
    The same checks as ConfFile: a value can neither end its line nor start another option."""

    def __init__(self, title: str):
        self.title = title
        self.lines: list[tuple[str, str]] = []

    def set(self, key: str, value) -> "FlatFile":
        self.lines.append((key, str(value)))
        return self

    def render(self) -> str:
        out = [f"# {self.title}", "# Made by Callbox from its config database. Changes here are overwritten.", ""]
        for key, value in self.lines:
            if not _KEY.fullmatch(key):
                raise UnsafeValue(f"bad key {key!r}")
            if "#" in value:
                raise UnsafeValue(f"{key}: '#' not allowed in a value")
            out.append(f"{key}={check_value(value, key)}")
        return "\n".join(out) + "\n"
