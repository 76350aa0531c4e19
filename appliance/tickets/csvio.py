"""Tickets as a CSV file for spreadsheets."""

from __future__ import annotations

from .. import csvfile

COLUMNS = ("number", "created_at", "kind", "category_path", "status", "priority", "deadline", "overdue",
           "department_name", "assignee", "caller", "customer_name", "channel", "call_id", "summary", "details")


def export(tickets: list[dict]) -> str:
    def cell(value) -> str:
        if value is None:
            return ""
        return csvfile.guard(str(value).lower() if isinstance(value, bool) else str(value))

    return csvfile.write(COLUMNS, ([cell(t[c]) for c in COLUMNS] for t in tickets))
