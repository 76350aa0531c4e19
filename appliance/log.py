"""Structured logs: JSON lines in the box's log directory, readable lines on stderr.

Call sites pass context as keyword fields through `kv()`:
    log.info("asterisk started", extra=kv(pid=1234))
so that the file log can be filtered by field and the stderr line still reads
naturally.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import sys
import time
from pathlib import Path

_FIELDS = "fields"


def kv(**fields) -> dict:
    return {_FIELDS: fields}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        doc.update(getattr(record, _FIELDS, None) or {})
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = getattr(record, _FIELDS, None)
        if fields:
            line += " " + " ".join(f"{k}={v}" for k, v in fields.items())
        return line


def setup(log_dir: Path | None, level: int = logging.INFO) -> None:
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    err = logging.StreamHandler(sys.stderr)
    err.setFormatter(TextFormatter())
    root.addHandler(err)
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        # Bounded: the data partition also holds voicemail and recordings.
        f = logging.handlers.RotatingFileHandler(
            log_dir / "supervisor.log", maxBytes=5 * 1024 * 1024, backupCount=4, encoding="utf-8"
        )
        f.setFormatter(JsonFormatter())
        root.addHandler(f)
