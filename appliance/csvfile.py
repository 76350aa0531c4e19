"""CSV files as spreadsheets write them: UTF-8 (with or without a byte-order mark), a
first line naming the columns in any order, one record a line. Readers get each
record with its line number, so that problems can name the line a person sees."""

from __future__ import annotations

import csv
import io

MAX_BYTES = 2 * 1024 * 1024


# A cell starting with one of these is a formula to a spreadsheet: exports quote it with '.
FORMULA = ("=", "+", "-", "@", "\t", "\r")


class CsvError(ValueError):
    pass


def guard(cell: str) -> str:
    """`cell` as a spreadsheet shows it as text, never runs it."""
    return "'" + cell if cell.startswith(FORMULA) else cell


def unguard(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA) else cell


def parse(data: bytes, columns: tuple[str, ...], required: tuple[str, ...]) -> list[tuple[int, dict]]:
    """[(line number, {column: text})]; empty optional cells are left out, cells past
    the header's columns go under "_extra". Raises CsvError on a bad file."""
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
    unknown = [h for h in header if h not in columns]
    if unknown:
        raise CsvError(f"unknown column {unknown[0]!r}; the columns are: {', '.join(columns)}")
    missing = [c for c in required if c not in header]
    if missing:
        raise CsvError(f"the first line must name the column {missing[0]!r}")
    rows = []
    end = reader.line_num
    try:
        for cells in reader:
            # A quoted cell may hold line breaks: a record is named by the line it starts on.
            start, end = end + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            row = {column: value for column, value in zip(header, cells) if value != "" or column in required}
            if len(cells) > len(header):
                row["_extra"] = cells[len(header):]
            rows.append((start, row))
    except csv.Error as exc:
        raise CsvError(f"line {reader.line_num}: {exc}") from None
    return rows


def write(columns: tuple[str, ...], rows) -> str:
    """The header and `rows` (sequences of cells) as CSV text."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(columns)
    w.writerows(rows)
    return out.getvalue()
