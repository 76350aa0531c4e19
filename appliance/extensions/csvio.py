"""Extensions as CSV, for spreadsheets: import with per-line errors, export.

Columns: number, name, and optionally secret, voicemail_pin, voicemail_enabled
(yes/no), email. The first line names the columns, in any order.
"""

from __future__ import annotations

import csv
import io

COLUMNS = ("number", "name", "secret", "voicemail_pin", "voicemail_enabled", "email")
REQUIRED = ("number", "name")
MAX_BYTES = 2 * 1024 * 1024
_YES = {"yes", "y", "true", "1", "on"}
_NO = {"no", "n", "false", "0", "off"}


class CsvError(ValueError):
    pass


def parse(data: bytes) -> list[tuple[int, dict]]:
    """[(line number, row)] with values as the API takes them; raises CsvError on a bad file."""
    if len(data) > MAX_BYTES:
        raise CsvError("the file is larger than 2 MB")
    try:
        text = data.decode("utf-8-sig")  # spreadsheets often write a byte-order mark
    except UnicodeDecodeError:
        raise CsvError("the file is not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise CsvError("the file is empty") from None
    except csv.Error as exc:
        raise CsvError(f"line 1: {exc}") from None
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise CsvError(f"unknown column {unknown[0]!r}; the columns are: {', '.join(COLUMNS)}")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CsvError(f"the first line must name the column {missing[0]!r}")
    rows = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            row: dict = {}
            for column, value in zip(header, cells):
                if value == "" and column not in REQUIRED:
                    continue
                if column == "voicemail_enabled":
                    low = value.strip().lower()
                    row[column] = True if low in _YES else False if low in _NO else value
                else:
                    row[column] = value
            if len(cells) > len(header):
                row["_extra"] = cells[len(header):]
            rows.append((line, row))
    except csv.Error as exc:
        raise CsvError(f"line {reader.line_num}: {exc}") from None
    return rows


def export(rows) -> str:
    """rows: (extension, mailbox or None) pairs."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for ext, box in rows:
        w.writerow([ext.number, ext.name, ext.secret, box.pin if box else "", "yes" if box else "no",
                    ext.email or ""])
    return out.getvalue()
