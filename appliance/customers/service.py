"""Customer records as journaled changes, and the look-ups that calls need.

Customers render into nothing Asterisk loads: the queue asks for a caller's
priority when the call comes. Their changes are therefore recorded settled
(audit and undo as any change, no apply), so that an import of thousands of
records reloads nothing, and a change Asterisk refuses elsewhere never takes
an agent's edit down with it.
"""

from __future__ import annotations

from peewee import JOIN, fn

from .. import box_settings
from ..db import change
from ..db.journal import utcnow
from ..db.models import Customer, CustomerLevel, CustomerNumber
from ..errors import Conflict, Invalid, NotFound
from ..fields import validate
from . import levels, numbers
from .schema import CustomerSchema

MAX_PER_PAGE = 1000


def normalize(raw) -> str | None:
    """`raw` as stored (numbers.normalize with this box's country code and prefix)."""
    return normalizer()(raw)


def normalizer():
    """normalize for many numbers: this box's country code and prefix read once."""
    settings = box_settings.load()
    return lambda raw: numbers.normalize(raw, settings.country_code, settings.national_prefix)


def alike(raw) -> list[str]:
    """`raw` normalised, then the other forms the same line may be kept under (numbers.alike, with
    this box's country code and prefix); [] when it is not a phone number. Whatever compares a
    caller's number with stored ones asks this."""
    settings = box_settings.load()
    number = numbers.normalize(raw, settings.country_code, settings.national_prefix)
    return [] if number is None else numbers.alike(number, settings.country_code, settings.national_prefix)


def to_dict(c: Customer, rows: list[CustomerNumber]) -> dict:
    return {
        "id": c.id,
        "name": c.name,
        "company": c.company,
        "level": c.level.name if c.level_id else None,
        "notes": c.notes,
        "numbers": [{"number": n.number, "display": n.display} for n in rows],
        "created_at": c.created_at.isoformat() + "Z",
        "updated_at": c.updated_at.isoformat() + "Z",
    }


def _slices(values: list, size: int = 500):
    """`values` a slice at a time: SQLite limits the parameters of one statement."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def views(customers: list[Customer]) -> list[dict]:
    """to_dict of each, with their numbers read a few hundred customers a query."""
    rows: dict[int, list[CustomerNumber]] = {c.id: [] for c in customers}
    for ids in _slices(list(rows)):
        for n in CustomerNumber.select().where(CustomerNumber.customer.in_(ids)).order_by(CustomerNumber.id):
            rows[n.customer_id].append(n)
    return [to_dict(c, rows[c.id]) for c in customers]


def view(c: Customer) -> dict:
    return views([c])[0]


def _with_level():
    return Customer.select(Customer, CustomerLevel).join(CustomerLevel, JOIN.LEFT_OUTER)


def get(customer_id) -> Customer:
    try:
        found = _with_level().where(Customer.id == int(customer_id)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound(f"no customer {customer_id}")
    return found


def page(page: int = 1, per_page: int = 50, q: str | None = None) -> tuple[list[Customer], int]:
    """Customers by name; `q` is part of a name, a company or a number (in any form)."""
    if page < 1:
        raise Invalid("page: must be 1 or more", "page")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise Invalid(f"per_page: must be 1 to {MAX_PER_PAGE}", "per_page")
    query = search(q)
    total = query.count()
    return list(query.order_by(fn.LOWER(Customer.name), Customer.id).paginate(page, per_page)), total


def search(q: str | None, level: str | None = None):
    """Customers whose name, company or a number holds `q`, of the level named `level` where given."""
    query = _with_level()
    if q:
        match = Customer.name.contains(q) | Customer.company.contains(q)
        number = normalize(q)
        if number is not None:
            match |= Customer.id.in_(CustomerNumber.select(CustomerNumber.customer)
                                     .where(CustomerNumber.number.contains(number)))
        query = query.where(match)
    if level is not None:
        query = query.where(Customer.level == levels.named(level))
    return query


def everything() -> list[Customer]:
    return list(_with_level().order_by(fn.LOWER(Customer.name), Customer.id))


def numbers_of(customer: Customer) -> list[str]:
    """The customer's numbers as stored (normalised), to find their calls by."""
    return [n.number for n in CustomerNumber.select(CustomerNumber.number)
            .where(CustomerNumber.customer == customer).order_by(CustomerNumber.id)]


def find_by_number(raw) -> Customer | None:
    """The customer a caller's number (in any form: alike()) belongs to; the number as written first."""
    for number in alike(raw):
        found = _with_level().join_from(Customer, CustomerNumber).where(CustomerNumber.number == number).first()
        if found is not None:
            return found
    return None


def priority_for(raw) -> int:
    """The queue priority of a caller (their number in any form: alike()): their level's, 0 for a
    caller we do not know or one without a level."""
    found = find_by_number(raw)
    return found.level.priority if found is not None and found.level is not None else 0


def parse_numbers(raws: list[str], country_code: str, national_prefix: str) -> dict[str, str]:
    """{normalised: as typed} of a customer's numbers; Invalid for a bad one or one given twice."""
    found: dict[str, str] = {}
    for raw in raws:
        number = numbers.normalize(raw, country_code, national_prefix)
        if number is None:
            raise Invalid(f"numbers: {raw!r} is not a phone number", "numbers")
        if number in found:
            raise Invalid(f"numbers: {found[number]!r} and {raw!r} are the same number", "numbers")
        found[number] = raw
    return found


def owners(normalised) -> dict[str, Customer]:
    """{number: customer} of those of the numbers that belong to a customer."""
    found = {}
    for wanted in _slices(list(normalised)):  # an import may check 100 000
        found.update((n.number, n.customer) for n in CustomerNumber.select(CustomerNumber, Customer).join(Customer)
                     .where(CustomerNumber.number.in_(wanted)))
    return found


def taken_message(display: str, owner: Customer) -> str:
    return f"number {display} already belongs to customer {owner.name!r} (id {owner.id})"


def _checked_numbers(raws: list[str], own_id: int | None = None) -> dict[str, str]:
    settings = box_settings.load()
    found = parse_numbers(raws, settings.country_code, settings.national_prefix)
    for number, owner in owners(found).items():
        if owner.id != own_id:
            raise Conflict(taken_message(found[number], owner), "numbers")
    return found


def create(data, actor: str) -> tuple[Customer, int]:
    values = validate(CustomerSchema(), data)
    with change(actor, "customer.create", values["name"], settled=True) as cs:
        customer = add(cs, values, _checked_numbers(values["numbers"]), levels.named(values.get("level")))
    return customer, cs.revision


def add(cs, values: dict, found: dict[str, str], level: CustomerLevel | None) -> Customer:
    """Create within the change `cs`: `found` are checked numbers ({normalised: as typed})."""
    now = utcnow()
    customer = cs.create(Customer, name=values["name"], company=values.get("company"), level=level,
                         notes=values.get("notes"), created_at=now, updated_at=now)
    for number, display in found.items():
        cs.create(CustomerNumber, customer=customer, number=number, display=display)
    return customer


def _set_numbers(cs, customer: Customer, found: dict[str, str]) -> None:
    """Make the customer's numbers these; rows of numbers kept stay as they are."""
    for row in CustomerNumber.select().where(CustomerNumber.customer == customer):
        if row.number not in found:
            cs.delete(row)
        else:
            cs.update(row, display=found.pop(row.number))
    for number, display in found.items():
        cs.create(CustomerNumber, customer=customer, number=number, display=display)


def update(customer_id, data, actor: str, *, partial: bool) -> tuple[Customer, int | None]:
    customer = get(customer_id)  # an unknown customer is a 404 whatever the body says
    values = validate(CustomerSchema(), data, partial=partial)
    with change(actor, "customer.update", customer.name, settled=True) as cs:
        customer = get(customer_id)
        fields = {k: values.get(k) for k in ("name", "company", "notes") if k in values or not partial}
        if "level" in values or not partial:
            fields["level"] = levels.named(values.get("level"))
        cs.update(customer, **fields)
        if "numbers" in values:
            _set_numbers(cs, customer, _checked_numbers(values["numbers"], customer.id))
        if not cs.empty:
            cs.update(customer, updated_at=utcnow())
    return customer, None if cs.empty else cs.revision


def delete(customer_id, actor: str) -> int:
    customer = get(customer_id)
    with change(actor, "customer.delete", customer.name, settled=True) as cs:
        customer = get(customer_id)
        for row in CustomerNumber.select().where(CustomerNumber.customer == customer):
            cs.delete(row)
        cs.delete(customer)
    return cs.revision
