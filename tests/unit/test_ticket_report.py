"""The tickets report at scale: its daily rollup stays what counting the tickets gives, through every
kind of change; the desk's list is walked in its index's order."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from appliance.box_settings import zone
from appliance.db import db
from appliance.db.models import Ticket
from appliance.tickets import clock, desk, report, rollup, service, statuses
from tests.unit.test_tickets import category, department, q

BYS = ("kind", "category", "department", "status")


def counted(by: str, first: dt.date, last: dt.date, timezone: str, department: int | None = None) -> dict:
    """The report's rows as counting every ticket gives them: what the rollup must agree with."""
    tz, now = zone(timezone), clock.now()
    rows: dict = {}
    for t in Ticket.select():
        day = t.created_at.replace(tzinfo=dt.timezone.utc).astimezone(tz).date()
        if not first <= day <= last or (department is not None and t.department_id != department):
            continue
        key = {"kind": t.kind, "category": t.category_id, "department": t.department_id, "status": t.status}[by]
        row = rows.setdefault(key, {"tickets": 0, "open": 0, "answered": 0, "on_time": 0, "late": 0, "overdue": 0,
                                    "hours": []})
        is_open = t.status in statuses.OPEN
        row["tickets"] += 1
        row["open"] += is_open
        row["overdue"] += is_open and t.deadline is not None and t.deadline < now
        if t.answered_at is not None:
            row["answered"] += 1
            row["hours"].append((t.answered_at - t.created_at).total_seconds() / 3600)
            if t.deadline is not None:
                row["on_time" if t.answered_at <= t.deadline else "late"] += 1
    for row in rows.values():
        hours = row.pop("hours")
        timed = row["on_time"] + row["late"]
        row["timeliness"] = round(100 * row["on_time"] / timed, 1) if timed else None
        row["avg_hours_to_answer"] = round(sum(hours) / len(hours), 1) if hours else None
    return rows


def reported(by: str, first: dt.date, last: dt.date, timezone: str, department: int | None = None) -> dict:
    doc = report.report({"from": first.isoformat(), "to": last.isoformat(), "by": by}, timezone, department)
    return {r["key"]: {k: v for k, v in r.items() if k not in ("key", "name")} for r in doc["rows"]}


@pytest.fixture
def box(admin):
    assert admin.patch("/settings", {"country_code": "86", "timezone": "Asia/Shanghai"}).status == 200
    yield admin
    clock.reset()


def test_the_rollup_agrees_with_the_tickets_through_every_change(box):
    rnd = random.Random(14)
    deps = [department(box, f"Office {i}")["id"] for i in range(3)]
    cats = [category(box, "Untimed")["id"]] + [category(box, f"Within {h} h", time_limit_hours=h)["id"]
                                              for h in (1, 6, 30)]
    tz = "Asia/Shanghai"
    today = clock.now().replace(tzinfo=dt.timezone.utc).astimezone(zone(tz)).date()
    first, last = today - dt.timedelta(days=1), today + dt.timedelta(days=8)
    assert reported("kind", first, last, tz) == {}  # built now, empty: from here on every change keeps it
    numbers: list[str] = []

    def step() -> None:
        action = rnd.choice(("create", "create", "status", "status", "category", "dispatch", "kind", "clock"))
        if action == "create" or not numbers:
            body = {"kind": rnd.choice(("complaint", "report")), "summary": "s", "category": rnd.choice(cats)}
            if rnd.random() < 0.5:
                body["department"] = rnd.choice(deps)
            numbers.append(service.create(body, "t", lambda c: c).number)
            return
        number = rnd.choice(numbers)
        ticket = Ticket.get(Ticket.number == number)
        if action == "status":
            nexts = [s for s in statuses.following(ticket.status) if s != statuses.DISPATCHED]
            if nexts:
                service.update(number, {"status": rnd.choice(nexts)}, "t")
        elif action == "category" and ticket.status in statuses.OPEN:
            service.update(number, {"category": rnd.choice(cats)}, "t")  # the deadline moves with it
        elif action == "dispatch" and statuses.allowed(ticket.status, statuses.DISPATCHED):
            service.dispatch(number, {"department": rnd.choice(deps)}, "t")
        elif action == "kind":
            service.update(number, {"kind": rnd.choice(("complaint", "report", "consultation"))}, "t")
        else:
            clock.move(dt.timedelta(minutes=rnd.choice((20, 50, 200, 700))))

    for i in range(160):
        step()
        if i % 8 == 7:
            for by in BYS:
                assert reported(by, first, last, tz) == counted(by, first, last, tz), (i, by)
            for dep in deps:
                assert reported("status", first, last, tz, dep) == counted("status", first, last, tz, dep), (i, dep)
    assert {r for r in counted("status", first, last, tz)} >= {"answered", "closed"}
    assert any(r["overdue"] for r in counted("kind", first, last, tz).values())
    assert any(r["late"] and r["on_time"] for r in counted("kind", first, last, tz).values())
    # A single day, and the report in another time zone: the rollup is built again for it.
    for day in (today, today + dt.timedelta(days=2)):
        assert reported("department", day, day, tz) == counted("department", day, day, tz)
    assert box.patch("/settings", {"timezone": "America/New_York"}).status == 200
    doc = box.get(q("/tickets/report", {"from": first.isoformat(), "to": last.isoformat(), "by": "category"})).json
    assert rollup.built_zone() == "America/New_York"
    assert {r["key"]: r["tickets"] for r in doc["rows"]} == \
        {k: r["tickets"] for k, r in counted("category", first, last, "America/New_York").items()}
    for by in BYS:
        assert reported(by, first, last, "America/New_York") == counted(by, first, last, "America/New_York")


def test_tickets_written_before_the_rollup_are_counted_by_the_first_report(box):
    service.create({"kind": "complaint", "summary": "old"}, "t", lambda c: c)
    assert rollup.built_zone() is None  # nothing to keep before the first report
    today = clock.now().replace(tzinfo=dt.timezone.utc).astimezone(zone("Asia/Shanghai")).date()
    assert reported("kind", today, today, "Asia/Shanghai")["complaint"]["tickets"] == 1


def _plan(sql: str, args=()) -> str:
    return " ".join(row[3] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, args).fetchall())


def test_the_desk_list_and_its_filters_walk_the_desk_index_without_sorting(box):
    for params in ({}, {"status": "answered,closed"}, {"department": "3"}, {"overdue": "1"}, {"overdue": "0"}):
        query = service._filtered(params, None, Ticket.select(Ticket.id).from_(desk.BY_DESK_ORDER))
        sql, args = query.order_by(*desk.ORDER).paginate(2000, 50).sql()
        plan = _plan(sql, args)
        assert "COVERING INDEX ticket_desk" in plan and "TEMP B-TREE" not in plan, (params, plan)
    query = service._filtered({"caller": "+8613800138000"}, None, Ticket.select(Ticket.id).from_(desk.BY_CALLER))
    plan = _plan(*query.order_by(*desk.ORDER).sql())
    assert "INDEX ticket_caller_key (caller_key=?)" in plan, plan  # a caller's few tickets, then sorted
    plan = _plan(f"SELECT kind, COUNT(*) FROM ticket INDEXED BY ticket_desk WHERE {desk.TIMED} = 1 AND {desk.DUE} >= ?"
                 " GROUP BY 1", ("2026-01-01",))
    assert "COVERING INDEX ticket_desk (<expr>=? AND <expr>>?)" in plan, plan


def test_the_desk_list_pages_in_its_order_to_the_last_page(box):
    cat = category(box, "Within 6 h", time_limit_hours=6)["id"]
    made = []
    for i in range(7):
        made.append(service.create({"kind": "complaint", "summary": f"t{i}", "category": cat if i % 2 else None},
                                   "t", lambda c: c).number)
        clock.move(dt.timedelta(minutes=5))
    service.update(made[1], {"status": "answered"}, "t")
    expected = [made[3], made[5], made[6], made[4], made[2], made[1], made[0]]  # timed open by deadline, then newest
    assert [t["number"] for t in service.page({"per_page": "50"})["items"]] == expected
    pages = [service.page({"per_page": "3", "page": str(p)}) for p in (1, 2, 3, 4)]
    assert [t["number"] for p in pages for t in p["items"]] == expected and {p["total"] for p in pages} == {7}
    found = service.page({"q": "t", "per_page": "3", "page": "3"})
    assert [t["number"] for t in found["items"]] == expected[6:] and found["total"] == 7
    assert service.page({"q": "t", "page": "9"}) == {"items": [], "total": 7, "page": 9, "per_page": 50}
