"""Tickets: numbered cases with a life of statuses, each change kept in their history.

Tickets are the hotline's work, not box configuration: they render into
nothing, are never undone with a refused config change, and are written
directly (under the config database's write lock) with their own history
rows rather than through the change journal.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Callable

from peewee import JOIN, SQL, fn

from .. import box_settings
from ..customers import service as customers
from ..db import db, write_lock
from ..db.models import Customer, Department, Ticket, TicketCategory, TicketComment, TicketEvent, User
from ..errors import Invalid, NotFound
from ..fields import validate
from ..reports import calllog
from ..reports.calllog import _whole
from . import categories, clock, departments, desk, notify, rollup, statuses
from .schema import CommentSchema, DispatchSchema, TicketChangeSchema, TicketCreateSchema

MAX_PER_PAGE = 500
#: An open ticket this close to its deadline is due soon (shown with the late ones).
DUE_SOON = dt.timedelta(hours=4)
# Fields whose changes the history names, in the order a change lists them.
TRACKED = ("kind", "category", "summary", "details", "caller", "channel", "priority", "assignee", "department",
           "status", "deadline")


def _iso(t: dt.datetime | None) -> str | None:
    return None if t is None else t.isoformat() + "Z"


def to_dict(t: Ticket, now: dt.datetime | None = None, tree: dict | None = None) -> dict:
    """`tree`: every category by id, read once for a page of tickets."""
    now = now or clock.now()
    late = t.status in statuses.OPEN and t.deadline is not None
    return {
        "number": t.number, "kind": t.kind,
        "category": t.category_id, "category_path": categories.path(t.category, tree) if t.category_id else None,
        "caller": t.caller, "customer": t.customer_id,
        "customer_name": t.customer.name if t.customer_id else None,
        "summary": t.summary, "details": t.details, "channel": t.channel, "call_id": t.call_id,
        "department": t.department_id, "department_name": t.department.name if t.department_id else None,
        "assignee": t.assignee, "priority": t.priority, "deadline": _iso(t.deadline), "status": t.status,
        "overdue": late and t.deadline < now, "due_soon": late and now <= t.deadline < now + DUE_SOON,
        "next_statuses": statuses.following(t.status),
        "created_by": t.created_by, "created_at": _iso(t.created_at), "updated_at": _iso(t.updated_at),
    }


def _scope(query, department: int | None):
    """Department users (`department` set) see their department's tickets, and no others."""
    return query if department is None else query.where(Ticket.department == department)


def get(number, department: int | None = None) -> Ticket:
    """The ticket `number`; 404 also for one outside the reader's department (its existence is not told)."""
    found = _scope(Ticket.select().where(Ticket.number == str(number)), department).first()
    if found is None:
        raise NotFound(f"no ticket {number}")
    return found


def _kind(kind: str) -> str:
    kinds = box_settings.load().ticket_kinds
    if kind not in kinds:
        raise Invalid(f"kind: must be one of {', '.join(kinds)}", "kind")
    return kind


def _caller(raw: str | None) -> tuple[str | None, str | None]:
    """(as given, normalised) of a caller's number."""
    if raw is None:
        return None, None
    key = customers.normalize(raw)
    if key is None:
        raise Invalid("caller: is not a phone number", "caller")
    return raw, key


def _assignee(name: str | None) -> str | None:
    if name is not None and not User.select().where(User.username == name).exists():
        raise Invalid(f"assignee: there is no user {name!r}", "assignee")
    return name


def _deadline(category: TicketCategory | None, created_at: dt.datetime) -> dt.datetime | None:
    if category is None or not category.time_limit_hours:
        return None
    return created_at + dt.timedelta(hours=category.time_limit_hours)


def _next_number(now: dt.datetime) -> str:
    """The year's next number (2026-000123), the year as the box's clock on the wall reads it.
    Called under the write lock in the transaction that inserts it: two tickets never share one."""
    year = now.replace(tzinfo=dt.timezone.utc).astimezone(zoneinfo.ZoneInfo(box_settings.load().timezone)).year
    last = (Ticket.select(Ticket.number).where(Ticket.number.startswith(f"{year}-"))
            .order_by(fn.LENGTH(Ticket.number).desc(), Ticket.number.desc()).scalar())  # 2026-1000000 after -999999
    return f"{year}-{(int(last.split('-')[1]) + 1) if last else 1:06d}"


def _event(ticket: Ticket, at: dt.datetime, actor: str, field: str, old=None, new=None) -> int:
    return TicketEvent.create(ticket=ticket, at=at, actor=actor, field=field,
                              old=None if old is None else str(old), new=None if new is None else str(new)).id


def create(data, actor: str, call_known: Callable[[str], str | None]) -> Ticket:
    """A new ticket; `call_known` gives the call record id of a call id (live or recorded), None if unknown."""
    values = validate(TicketCreateSchema(), data)
    kind = _kind(values["kind"])
    category = categories.known(values.get("category"))
    department = departments.known(values.get("department"))
    if department is None and category is not None and category.department_id:
        department = category.department
    caller, caller_key = _caller(values.get("caller"))
    call_id = values.get("call_id")
    if call_id is not None:
        call_id = call_known(call_id)
        if call_id is None:
            raise Invalid(f"call_id: there is no call {values['call_id']}", "call_id")
    customer = customers.find_by_number(caller) if caller else None
    with write_lock, db.atomic():
        now = clock.now()
        ticket = Ticket.create(
            number=_next_number(now), kind=kind, category=category, caller=caller, caller_key=caller_key,
            customer=customer, summary=values["summary"], details=values.get("details"),
            channel=values.get("channel", "phone"), call_id=call_id, department=department, assignee=None,
            priority=values.get("priority", "normal"), deadline=_deadline(category, now),
            status=statuses.DISPATCHED if department else statuses.NEW,
            created_by=actor, created_at=now, updated_at=now)
        rollup.changed(None, ticket)
        _event(ticket, now, actor, "created", None, ticket.number)
        if department is not None:
            dispatch_event = _event(ticket, now, actor, "department", None, department.name)
    if department is not None:  # once the ticket is written, so that the sender finds it
        notify.dispatched(ticket, department, dispatch_event)
    return ticket


def _shown(field: str, value) -> str | None:
    """A field's value as the history tells it: names rather than ids, times in ISO."""
    if value is None:
        return None
    if isinstance(value, Department):
        return value.name
    if isinstance(value, TicketCategory):
        return categories.path(value)
    if isinstance(value, dt.datetime):
        return _iso(value)
    return str(value)


def _apply(ticket: Ticket, changes: dict, actor: str) -> Ticket:
    """Write `changes` ({field: new value}) and a history row for each field that really changed."""
    dispatched = None
    with write_lock, db.atomic():
        ticket = Ticket.get_by_id(ticket.id)
        before = Ticket(**ticket.__data__)  # as it was, for the report's rollup
        now = clock.now()
        changed = False
        for field in TRACKED:
            if field not in changes:
                continue
            old = getattr(ticket, field)
            new = changes[field]
            if _shown(field, old) == _shown(field, new):
                continue
            setattr(ticket, field, new)
            if field == "status" and new in (statuses.ANSWERED, statuses.CLOSED) and ticket.answered_at is None:
                ticket.answered_at = now  # the first answer: what the report judges against the deadline
            event = _event(ticket, now, actor, field, _shown(field, old), _shown(field, new))
            if field == "department" and new is not None:
                dispatched = (new, event)
            changed = True
        if "caller_key" in changes:
            ticket.caller_key, ticket.customer = changes["caller_key"], changes["customer"]
        if changed:
            ticket.updated_at = now
            ticket.save()
            rollup.changed(before, ticket)
    if dispatched is not None:  # once the change is written, so that the sender finds the ticket as it is now
        notify.dispatched(ticket, *dispatched)
    return ticket


def _status(ticket: Ticket, wanted: str) -> str:
    if wanted not in statuses.STATUSES:
        raise Invalid(f"status: must be one of {', '.join(statuses.STATUSES)}", "status")
    if wanted != ticket.status and not statuses.allowed(ticket.status, wanted):
        nexts = ", ".join(statuses.following(ticket.status)) or "none"
        raise Invalid(f"status: a ticket {ticket.status} cannot become {wanted} (it may become: {nexts})", "status")
    if wanted == statuses.DISPATCHED and not ticket.department_id:
        raise Invalid("status: dispatch a ticket to a department (POST .../dispatch)", "status")
    return wanted


def update(number, data, actor: str, department: int | None = None) -> Ticket:
    ticket = get(number, department)
    values = validate(TicketChangeSchema(), data, partial=True)
    changes: dict = {}
    if "kind" in values:
        changes["kind"] = _kind(values["kind"])
    if "category" in values:
        category = categories.known(values["category"])
        changes["category"] = category
        changes["deadline"] = _deadline(category, ticket.created_at)
    if "caller" in values:
        changes["caller"], changes["caller_key"] = _caller(values["caller"])
        changes["customer"] = customers.find_by_number(changes["caller"]) if changes["caller"] else None
    if "assignee" in values:
        changes["assignee"] = _assignee(values["assignee"])
    if "status" in values:
        changes["status"] = _status(ticket, values["status"])
    for field in ("summary", "details", "channel", "priority"):
        if field in values:
            changes[field] = values[field]
    return _apply(ticket, changes, actor)


def dispatch(number, data, actor: str, department: int | None = None) -> Ticket:
    """Send the ticket to a department: it becomes theirs, dispatched."""
    ticket = get(number, department)
    values = validate(DispatchSchema(), data)
    target = departments.known(values["department"])
    if not statuses.allowed(ticket.status, statuses.DISPATCHED):
        raise Invalid(f"department: a ticket {ticket.status} cannot be dispatched (reopen it first)", "department")
    return _apply(ticket, {"department": target, "status": statuses.DISPATCHED}, actor)


def comment(number, data, actor: str, department: int | None = None) -> dict:
    ticket = get(number, department)
    values = validate(CommentSchema(), data)
    with write_lock, db.atomic():
        row = TicketComment.create(ticket=ticket, at=clock.now(), actor=actor, text=values["text"])
    return comment_dict(row)


def comment_dict(c: TicketComment) -> dict:
    return {"id": c.id, "at": _iso(c.at), "actor": c.actor, "text": c.text}


def comments(ticket: Ticket) -> list[dict]:
    return [comment_dict(c) for c in TicketComment.select().where(TicketComment.ticket == ticket)
            .order_by(TicketComment.at, TicketComment.id)]


def history(ticket: Ticket) -> list[dict]:
    return [{"at": _iso(e.at), "actor": e.actor, "field": e.field, "old": e.old, "new": e.new}
            for e in TicketEvent.select().where(TicketEvent.ticket == ticket).order_by(TicketEvent.id)]


def department_holds_call(department: int | None, call_id: str) -> bool:
    """Whether a ticket of `department` was made with the call `call_id` (a record's or a channel's id)."""
    ids = {call_id, calllog.record_of(call_id)} - {None}
    return department is not None and Ticket.select().where(
        Ticket.department == department, Ticket.call_id.in_(list(ids))).exists()


def lookup(number: str | None, caller: str | None) -> dict:
    """A ticket's status for a caller who gives its number: only when the caller's number is the
    ticket's. Any mismatch answers as an unknown ticket, so that numbers cannot be probed."""
    keys = customers.alike(caller) if caller else []
    found = Ticket.get_or_none(Ticket.number == (number or "")) if keys else None
    if found is None or found.caller_key not in keys:
        raise NotFound("no ticket of that number for that caller")
    return {"number": found.number, "status": found.status}


def _joined():
    """Tickets with their category, department and customer, each read in the same query."""
    return (Ticket.select(Ticket, TicketCategory, Department, Customer)
            .join(TicketCategory, JOIN.LEFT_OUTER).switch(Ticket).join(Department, JOIN.LEFT_OUTER)
            .switch(Ticket).join(Customer, JOIN.LEFT_OUTER))


def _filtered(params: dict, department: int | None, query=None):
    """`query` (tickets joined to what they name, by default) narrowed by the list's filters, which
    read the ticket's own columns only."""
    query = _scope(_joined() if query is None else query, department)
    q = (params.get("q") or "").strip()
    if q:
        match = (Ticket.number.contains(q) | Ticket.summary.contains(q) | Ticket.details.contains(q)
                 | Ticket.caller.contains(q))
        for key in customers.alike(q):
            match |= Ticket.caller_key.contains(key)
        query = query.where(match)
    if params.get("caller"):
        keys = customers.alike(params["caller"])
        if not keys:
            raise Invalid("caller: is not a phone number", "caller")
        query = query.where(Ticket.caller_key.in_(keys))
    status = params.get("status")
    if status:
        wanted = status.split(",")
        bad = [s for s in wanted if s not in statuses.STATUSES]
        if bad:
            raise Invalid(f"status: must be among {', '.join(statuses.STATUSES)}", "status")
        query = query.where(Ticket.status.in_(wanted))
    if params.get("department"):
        raw = params["department"]
        if not raw.isdigit():
            raise Invalid("department: must be a department's id", "department")
        query = query.where(Ticket.department == int(raw))
    overdue = params.get("overdue")
    if overdue:
        if overdue not in ("0", "1", "true", "false"):
            raise Invalid("overdue: must be 1 or 0", "overdue")
        late = Ticket.status.in_(statuses.OPEN) & Ticket.deadline.is_null(False) & (Ticket.deadline < clock.now())
        query = query.where(late if overdue in ("1", "true") else ~late)
    return query


def page(params: dict, department: int | None = None) -> dict:
    """A page of tickets: open ones with a deadline first, the nearest (or most overdue) at the top;
    then the others, newest first. The page's ids are found on the ticket table alone, in the desk
    index's order (desk.py); then only those tickets are read with what they name."""
    page_no, per_page = _whole(params, "page", 1, 1, 10**6), _whole(params, "per_page", 50, 1, MAX_PER_PAGE)
    if (params.get("q") or "").strip():
        # A text search reads every ticket: once, counting the matches as it goes.
        query = Ticket.select(Ticket.id, fn.COUNT(SQL("*")).over().alias("matches")).from_(desk.STRAIGHT)
        found = list(_filtered(params, department, query).order_by(*desk.ORDER).paginate(page_no, per_page).tuples())
        ids = [i for i, _ in found]
        total = found[0][1] if found else None
    else:
        query = Ticket.select(Ticket.id).from_(desk.BY_CALLER if params.get("caller") else desk.BY_DESK_ORDER)
        ids = list(_filtered(params, department, query).order_by(*desk.ORDER).paginate(page_no, per_page).tuples())
        ids, total = [i for i, in ids], None
    if total is None:  # no search, or a page past the last match
        total = _filtered(params, department, Ticket.select(Ticket.id)).count()
    found = {t.id: t for t in _joined().where(Ticket.id.in_(ids))} if ids else {}
    now, tree = clock.now(), categories.tree()
    return {"items": [to_dict(found[i], now, tree) for i in ids], "total": total, "page": page_no,
            "per_page": per_page}


def everything(params: dict, department: int | None = None) -> list[dict]:
    now, tree = clock.now(), categories.tree()
    return [to_dict(t, now, tree) for t in _filtered(params, department).order_by(Ticket.created_at, Ticket.id)]

