"""Customers as CSV, for spreadsheets: import with per-line errors, export.

Columns: name, numbers (several separated by ';' or '|'), and optionally
company, level (a level's name) and notes. The first line names the columns,
in any order. Export writes the same columns, so an export imports again.

Cells a spreadsheet would run as a formula (starting with = + - @, tab or CR)
are written after a "'", which spreadsheets hide and import takes off again:
notes and names come from agents and callers, and a formula is code.
"""

from __future__ import annotations

import re
import time

from peewee import IntegrityError

from .. import box_settings, csvfile
from ..db import change
from ..db.models import Customer
from ..errors import Conflict, Invalid
from ..fields import validate
from . import levels, service
from .schema import CustomerSchema

COLUMNS = ("name", "company", "level", "numbers", "notes")
REQUIRED = ("name", "numbers")
_guard, _unguard = csvfile.guard, csvfile.unguard


def _yielding(items, every: int = 100):
    """`items`, letting other work run every `every` of them.

    An import of thousands of customers takes seconds of SQLite and
    validation; under gevent (the box) a short sleep lets the event loop
    serve browsers and calls meanwhile (sleep(0) would run other greenlets
    but not their timers and sockets). Other writers wait on the write lock
    either way, and readers see the database as it was (WAL).
    """
    for count, item in enumerate(items, 1):
        if count % every == 0:
            time.sleep(0.001)
        yield item


def parse(data: bytes) -> list[tuple[int, dict]]:
    """[(line number, row)] with values as the API takes them; raises CsvError on a bad file."""
    rows = csvfile.parse(data, COLUMNS, REQUIRED)
    for _, row in rows:
        for column in COLUMNS:
            if column in row:
                row[column] = _unguard(row[column])
        row["numbers"] = [n.strip() for n in re.split(r"[;|]", row["numbers"]) if n.strip()]
    return rows


def export(customers: list[Customer]) -> str:
    return csvfile.write(COLUMNS, ([_guard(c["name"]), _guard(c["company"] or ""), c["level"] or "",
                                    _guard(";".join(n["display"] for n in c["numbers"])), _guard(c["notes"] or "")]
                                   for c in service.views(customers)))


def import_csv(data: bytes, actor: str) -> tuple[list[Customer], int | None, list[dict]]:
    """Create the good lines of a CSV file as one change; problems name their line (the header is line 1)."""
    try:
        parsed = parse(data)
    except csvfile.CsvError as exc:
        raise Invalid(str(exc), "file") from None
    if not parsed:
        raise Invalid("the file has no rows below its header", "file")
    settings = box_settings.load()
    known = {level.name: level for level in levels.listing()}
    problems, checked = [], []
    schema = CustomerSchema()
    for line, row in _yielding(parsed):
        try:
            if row.pop("_extra", None):
                raise Invalid("more cells than the header names")
            values = validate(schema, row)
            found = service.parse_numbers(values["numbers"], settings.country_code, settings.national_prefix)
            checked.append((line, values, found, levels.named(values.get("level"), known)))
        except Invalid as exc:
            problems.append({"line": line, "field": exc.field, "error": exc.message})
    owned = service.owners(n for _, _, found, _ in checked for n in found)
    first_line: dict[str, int] = {}
    good = []
    for line, values, found, level in checked:
        clash = next((n for n in found if n in owned or n in first_line), None)
        if clash is None:
            first_line.update(dict.fromkeys(found, line))
            good.append((values, found, level))
        elif clash in owned:
            problems.append({"line": line, "field": "numbers",
                             "error": service.taken_message(found[clash], owned[clash])})
        else:
            problems.append({"line": line, "field": "numbers",
                             "error": f"number {found[clash]} is already on line {first_line[clash]}"})
    problems.sort(key=lambda p: p["line"])
    if not good:
        err = Invalid(f"no line could be imported ({len(problems)} with problems)", "file")
        err.details = problems
        raise err
    try:
        with change(actor, "customer.import", f"{len(good)} customers", settled=True) as cs:
            created = [service.add(cs, values, found, level) for values, found, level in _yielding(good)]
    except IntegrityError:
        # Between the checks and now someone gave a number to a customer or deleted a level.
        raise Conflict("a number or a level changed meanwhile; try again", "file") from None
    return created, cs.revision, problems
