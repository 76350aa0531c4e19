"""Reports and the call log as downloads: CSV, or XLSX for spreadsheets.

Both are written as they are read. CSV goes out a chunk of rows at a time. An XLSX file is a
zip whose directory comes last, so it cannot be sent before it is whole: openpyxl's write-only
mode writes the rows to a temporary file as they come (never the whole sheet in memory) and
the finished file is then sent from disk in blocks and deleted.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile

from openpyxl import Workbook

from ..errors import Invalid

TYPES = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
BLOCK = 64 * 1024
CHUNK = 500


def format_of(params: dict) -> str | None:
    """The download asked for with `format` (taken out of params), or None for JSON."""
    raw = params.pop("format", "") or "json"
    if raw == "json":
        return None
    if raw not in TYPES:
        raise Invalid("format: must be json, csv or xlsx", "format")
    return raw


def cell(value):
    """A value as one spreadsheet cell: mappings as "key: value; ...", lists as JSON."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{k or '-'}: {v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return json.dumps(value, ensure_ascii=False)
    return value


def report_table(doc: dict) -> tuple[list[str], list[dict]]:
    """A report's columns and rows, its totals as a last row (period "total")."""
    columns: dict[str, None] = {"period": None}
    for row in doc["rows"]:
        columns.update(dict.fromkeys(row))
    columns.update(dict.fromkeys(doc["totals"]))
    return list(columns), [*doc["rows"], {"period": "total", **doc["totals"]}]


def stream(kind: str, title: str, columns: list[str], rows) -> tuple[dict, object]:
    """(headers, body iterator) of a download of `rows` (dicts, read lazily) under `columns`."""
    body = _csv(columns, rows) if kind == "csv" else _xlsx(title, columns, rows)
    return {"Content-Type": TYPES[kind], "Content-Disposition": f'attachment; filename="{title}.{kind}"',
            "Cache-Control": "no-store"}, body


def _csv(columns, rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")  # spreadsheets take the file as UTF-8 (names in Chinese) only with the mark
    w.writerow(columns)
    n = 0
    for row in rows:
        w.writerow([_safe(cell(row.get(c))) for c in columns])
        n += 1
        if n % CHUNK == 0:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode()


def _safe(value):
    """A text cell a spreadsheet would run as a formula (=, +, -, @) is sent quoted with a '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not _number(value):
        return "'" + value
    return value


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _xlsx(title, columns, rows):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.append(columns)
    for row in rows:
        ws.append([_safe(cell(row.get(c))) for c in columns])
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        wb.save(path)
        with open(path, "rb") as f:
            while block := f.read(BLOCK):
                yield block
    finally:
        os.unlink(path)
