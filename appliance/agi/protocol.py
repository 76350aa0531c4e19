"""The AGI protocol, without I/O: the environment block, commands, answers.

Our own because the protocol is a handful of text lines and no FastAGI server
library fits a gevent program (pyst2's AGI speaks over stdio; asterisk-agi
libraries for asyncio would need an event loop the supervisor does not run).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

_RESULT = re.compile(r"^(\d{3})(?: result=(-?\d+))?(?: \((.*)\))?(?: (.*))?$")


class AgiError(Exception):
    """Asterisk answered a command with an error, or the channel hung up."""


@dataclass(frozen=True)
class Answer:
    code: int
    result: int | None
    data: str | None  # the text in parentheses, e.g. a variable's value


def parse_env(lines: list[str]) -> dict[str, str]:
    env = {}
    for line in lines:
        key, sep, value = line.partition(":")
        if sep and key.startswith("agi_"):
            env[key.strip()] = value.strip()
    return env


def script_of(env: dict[str, str]) -> tuple[str, dict[str, str]]:
    """agi://host/queue-enter?queue=600 -> ("queue-enter", {"queue": "600"})."""
    script, _, query = env.get("agi_network_script", "").partition("?")
    return script.strip("/"), dict(parse_qsl(query))


def quote(value: str) -> str:
    text = str(value)
    if any(c in text for c in "\r\n\0"):
        raise ValueError("an AGI argument cannot hold a line break")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_answer(line: str) -> Answer:
    if line.startswith("HANGUP"):
        raise AgiError("the channel hung up")
    found = _RESULT.match(line.strip())
    if not found:
        raise AgiError(f"unreadable AGI answer {line.strip()!r}")
    code = int(found.group(1))
    result = int(found.group(2)) if found.group(2) is not None else None
    if code != 200:
        raise AgiError(f"AGI answered {line.strip()!r}")
    return Answer(code, result, found.group(3))
