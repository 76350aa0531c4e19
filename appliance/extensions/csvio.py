"""Extensions as CSV, for spreadsheets: import with per-line errors, export.

Columns: number, name, and optionally secret, voicemail_pin, voicemail_enabled
(yes/no), email. The first line names the columns, in any order.
"""

from __future__ import annotations

from .. import csvfile
from ..csvfile import MAX_BYTES, CsvError  # noqa: F401  (the import's limit and error)

COLUMNS = ("number", "name", "secret", "voicemail_pin", "voicemail_enabled", "email")
REQUIRED = ("number", "name")
_YES = {"yes", "y", "true", "1", "on"}
_NO = {"no", "n", "false", "0", "off"}


def parse(data: bytes) -> list[tuple[int, dict]]:
    """[(line number, row)] with values as the API takes them; raises CsvError on a bad file."""
    rows = csvfile.parse(data, COLUMNS, REQUIRED)
    for _, row in rows:
        if "voicemail_enabled" in row:
            low = row["voicemail_enabled"].strip().lower()
            row["voicemail_enabled"] = True if low in _YES else False if low in _NO else row["voicemail_enabled"]
    return rows


def export(rows) -> str:
    """rows: (extension, mailbox or None) pairs."""
    return csvfile.write(COLUMNS, ([ext.number, ext.name, ext.secret, box.pin if box else "",
                                    "yes" if box else "no", ext.email or ""] for ext, box in rows))
