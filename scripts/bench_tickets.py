"""Benchmarks of tickets (make bench runs them; never part of the tests).

A config database of generated tickets (a hotline's year: kinds, a category tree, departments,
statuses with their history, deadlines, callers), at 1,000 and 100,000 tickets; the desk's list
(its first and last page, open tickets nearest their deadline first), a search by number, by text
and by caller, a caller's tickets as the screen pop lists them, each of the list's filters (status, department, overdue) to its last page, and the
report by department, by category and a department user's, each the p95 of several runs, and the
ratio between the two sizes.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from appliance.customers.numbers import normalize  # noqa: E402
from appliance.db import db, open_database  # noqa: E402
from appliance.db.models import Department, Ticket, TicketCategory, TicketEvent  # noqa: E402
from appliance.tickets import report, rollup, service  # noqa: E402
from bench_reports import p95  # noqa: E402

SIZES = (1_000, 100_000)
TARGET_MS = 300
KINDS = ("complaint", "report", "consultation", "suggestion")
ZONE = "Asia/Shanghai"


def generate(n: int) -> None:
    rnd = random.Random(n)
    now = dt.datetime.utcnow().replace(microsecond=0)
    with db.atomic():
        deps = [Department.create(name=f"Office {i}", phone=f"0571{8000 + i}", email=None, created_at=now,
                                  updated_at=now).id for i in range(20)]
        cats = []
        for i in range(10):
            top = TicketCategory.create(name=f"Area {i}", parent=None, time_limit_hours=None, department=deps[i])
            cats += [TicketCategory.create(name=f"Matter {i}.{j}", parent=top, time_limit_hours=rnd.choice((4, 24, 72)),
                                           department=deps[(i + j) % 20]).id for j in range(5)]
    rows, events = [], []
    for i in range(n):
        created = now - dt.timedelta(minutes=rnd.randrange(365 * 24 * 60))
        status = rnd.choices(("new", "dispatched", "in_progress", "answered", "closed"), (5, 10, 10, 25, 50))[0]
        hours = rnd.choice((4, 24, 72))
        caller = f"13{rnd.randrange(10**9):09d}"
        rows.append({"number": f"{created.year}-{i + 1:06d}", "kind": rnd.choice(KINDS), "category": rnd.choice(cats),
                     "caller": caller, "caller_key": normalize(caller, "86", "0"), "customer": None,
                     "summary": f"Case {i} about {rnd.choice(('water', 'roads', 'noise', 'parks', 'buses'))}",
                     "details": None, "channel": "phone", "call_id": None, "department": rnd.choice(deps),
                     "assignee": None, "priority": "normal", "deadline": created + dt.timedelta(hours=hours),
                     "status": status, "created_by": "bench", "created_at": created, "updated_at": created})
    with db.atomic():
        for start in range(0, n, 500):
            Ticket.insert_many(rows[start:start + 500]).execute()
    ids = [t.id for t in Ticket.select(Ticket.id)]
    answers = []
    statuses = {t.id: (t.status, t.created_at) for t in Ticket.select(Ticket.id, Ticket.status, Ticket.created_at)}
    for tid in ids:
        status, created = statuses[tid]
        events.append({"ticket": tid, "at": created, "actor": "bench", "field": "created", "old": None, "new": None})
        if status in ("answered", "closed"):
            answered = created + dt.timedelta(hours=rnd.uniform(0.5, 100))
            events.append({"ticket": tid, "at": answered, "actor": "bench", "field": "status", "old": "dispatched",
                           "new": "answered"})
            answers.append((answered, tid))
    with db.atomic():
        for start in range(0, len(events), 500):
            TicketEvent.insert_many(events[start:start + 500]).execute()
        db.cursor().executemany("UPDATE ticket SET answered_at = ? WHERE id = ?", [(str(a), i) for a, i in answers])
        rollup.rebuild(ZONE)  # the service keeps it as it writes tickets; these were written around it


def queries() -> dict:
    today = dt.date.today()
    year = {"from": (today - dt.timedelta(days=364)).isoformat(), "to": today.isoformat()}
    some = Ticket.select(Ticket.number, Ticket.caller).order_by(Ticket.id.desc()).first()
    department = str(Department.select(Department.id).order_by(Department.id).scalar())

    def last(params: dict) -> dict:
        """`params` with the page that is the last one of what they find."""
        return {**params, "page": str(max(1, -(-service.page(params)["total"] // 50)))}

    return {
        "desk list, first page": lambda: service.page({}),
        "desk list, last page": lambda: service.page(last({})),
        "search by number": lambda: service.page({"q": some.number}),
        "search by text": lambda: service.page({"q": "noise"}),
        "search by caller": lambda: service.page({"q": some.caller}),
        "search by caller, +86 form": lambda: service.page({"q": "+86" + some.caller}),
        "a caller's tickets (the screen pop), +86 form": lambda: service.page({"caller": "+86" + some.caller,
                                                                               "per_page": "5"}),
        "status new": lambda: service.page({"status": "new"}),
        "status answered or closed, last page": lambda: service.page(last({"status": "answered,closed"})),
        "one department, its last page": lambda: service.page(last({"department": department})),
        "overdue only": lambda: service.page({"overdue": "1"}),
        "not overdue, last page": lambda: service.page(last({"overdue": "0"})),
        "report by department, a year": lambda: report.report({**year, "by": "department"}, ZONE),
        "report by category, a year": lambda: report.report({**year, "by": "category"}, ZONE),
        "report by kind, a department's, a year": lambda: report.report({**year, "by": "kind"}, ZONE, int(department)),
    }


def measure(sizes=SIZES) -> dict:
    out = {}
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            open_database(Path(tmp) / "config.db")
            db.connect(reuse_if_open=True)
            try:
                generate(n)
                out[n] = {name: p95(fn) for name, fn in queries().items()}
            finally:
                db.close()
    return out


def markdown(result: dict) -> str:
    small, big = min(result), max(result)
    lines = ["", "## Tickets", "",
             f"Generated config databases of {small:,} and {big:,} tickets (a year of a hotline: four kinds, "
             "50 categories, 20 departments, history rows, deadlines, callers); each query's p95 of 7 runs, "
             f"in ms, and the ratio between the two sizes. Target: under {TARGET_MS} ms at {big:,}. The list walks "
             "an index in the desk's order (a text search reads the table once); the report sums a daily rollup "
             "the service keeps with each ticket change.", "",
             f"| query | {small:,} | {big:,} | ratio | under {TARGET_MS} ms |", "|---|---:|---:|---:|---|"]
    for name in result[small]:
        a, b = result[small][name], result[big][name]
        lines.append(f"| {name} | {a:.1f} | {b:.1f} | {b / a:.1f} | {'yes' if b < TARGET_MS else 'no'} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Measure, print, and with --write replace this section of BENCHMARKS.md."""
    sizes = [int(a) for a in sys.argv[1:] if a.isdigit()] or SIZES
    section = markdown(measure(sizes))
    print(section)
    if "--write" in sys.argv:
        from benchdoc import replace_section

        replace_section("Tickets", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
