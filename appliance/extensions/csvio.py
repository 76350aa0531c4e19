"""Extensions as CSV, for spreadsheets: import with per-line errors, export.

Columns: number, name, and optionally secret, voicemail_pin, voicemail_enabled
(yes/no), email, recording (never/always/on_demand), language (en, zh-CN; empty:
the box's), intercom (yes/no), permission_class, pickup_groups (names separated by
spaces or semicolons). The first line names the columns, in any order. Forwarding
and follow-me are each person's own choices and stay out of the file.
"""

from __future__ import annotations

import re

from .. import csvfile
from ..csvfile import MAX_BYTES, CsvError  # noqa: F401  (the import's limit and error)

COLUMNS = ("number", "name", "secret", "voicemail_pin", "voicemail_enabled", "email", "recording", "language",
           "intercom", "permission_class", "pickup_groups")
REQUIRED = ("number", "name")
_YES = {"yes", "y", "true", "1", "on"}
_NO = {"no", "n", "false", "0", "off"}


def _flag(text: str):
    """yes/no as a bool; anything else stays text, for the schema to name as not a boolean."""
    low = text.strip().lower()
    return True if low in _YES else False if low in _NO else text


def parse(data: bytes) -> list[tuple[int, dict]]:
    """[(line number, row)] with values as the API takes them; raises CsvError on a bad file."""
    rows = csvfile.parse(data, COLUMNS, REQUIRED)
    for _, row in rows:
        for column in ("voicemail_enabled", "intercom"):
            if column in row:
                row[column] = _flag(row[column])
        if "pickup_groups" in row:
            row["pickup_groups"] = [g for g in re.split(r"[\s;]+", row["pickup_groups"]) if g]
    return rows


def export(rows) -> str:
    """rows: (extension, mailbox or None) pairs."""
    return csvfile.write(COLUMNS, ([ext.number, ext.name, ext.secret, box.pin if box else "",
                                    "yes" if box else "no", ext.email or "", ext.recording, ext.language or "",
                                    "yes" if ext.intercom else "no", ext.permission_class,
                                    " ".join(g for g in ext.pickup_groups.split(",") if g)]
                                   for ext, box in rows))
