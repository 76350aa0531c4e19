"""/customers and /customer-levels: customer records, their CSV, the CRM lookup, levels.

Agents fill in the screen-pop form, so they read, create and change customers;
deleting, importing and exporting all of them is for staff.
"""

from __future__ import annotations

from bottle import request, response

from appliance import box_settings, csvfile
from appliance.customers import csvio, levels, lookup, service
from appliance.customers.schema import CustomerLevelSchema, CustomerSchema
from appliance.errors import Forbidden, Invalid
from appliance.reports import stats

from ..plugins import current_user, json_body
from .apply import settle
from .crud import install_crud
from .extensions import ANYONE, STAFF, _int


def _level_for_staff(body, customer=None):
    """Agents fill in the screen pop's form, but a customer's level moves them up the queues:
    only administrators and supervisors set it."""
    if current_user().role == "agent" and isinstance(body, dict) and "level" in body:
        current = customer.level.name if customer is not None and customer.level_id else None
        if body["level"] != current:
            raise Forbidden("agents may not change a customer's level")
    return body


def install(api, box) -> None:
    def actor() -> str:
        return current_user().username

    def created(customer_id: int) -> dict:
        response.status = 201
        response.set_header("Location", f"/api/v1/customers/{customer_id}")
        return service.view(service.get(customer_id))

    @api.get("/customers", roles=ANYONE)
    def list_customers():
        """A page of customers by name: page, per_page, q (part of a name, a company or a number in any form)."""
        page, per_page = _int("page", 1), _int("per_page", 50)
        rows, total = service.page(page, per_page, request.query.getunicode("q") or None)
        return {"items": service.views(rows), "page": page, "per_page": per_page, "total": total}

    @api.post("/customers", schema=CustomerSchema, roles=ANYONE)
    def create_customer():
        """Create a customer with one or more phone numbers, written any way (they are stored normalised)."""
        customer, revision = service.create(_level_for_staff(json_body()), actor())
        settle(box, revision)
        return created(customer.id)

    @api.get("/customers/lookup", roles=ANYONE)
    def lookup_customer():
        """Who is calling: our record of a number (any form), and the CRM's answer as "external" if a hook is set.

        "external" is null when the CRM gave no usable answer in time."""
        raw = request.query.getunicode("number")
        number = service.normalize(raw)
        if number is None:
            raise Invalid("number: give a phone number", "number")
        found = service.find_by_number(raw)
        answer = {"number": number, "customer": service.view(found) if found else None}
        if box_settings.load().customer_lookup_url:
            answer["external"] = lookup.lookup(raw)
        return answer

    @api.post("/customers/import", body="text/csv", roles=STAFF)
    def import_customers():
        """A CSV file as the body: the good lines are created as one change, the others reported by line."""
        made, revision, problems = csvio.import_csv(request.body.read(csvfile.MAX_BYTES + 1), actor())
        settle(box, revision)
        response.status = 201
        return {"created": [c.id for c in made], "errors": problems}

    @api.get("/customers/export", produces="text/csv", roles=STAFF)
    def export_customers():
        """Every customer as CSV, in the import format."""
        response.content_type = "text/csv; charset=utf-8"
        response.set_header("Content-Disposition", 'attachment; filename="customers.csv"')
        return csvio.export(service.everything())

    @api.get("/customers/<key>", roles=ANYONE)
    def get_customer(key):
        """One customer with their numbers."""
        return service.view(service.get(key))

    @api.get("/customers/<key>/calls", roles=ANYONE)
    def customer_calls(key):
        """The customer's queue calls from any of their numbers, newest first (limit, at most 200)."""
        return {"items": stats.calls_of(service.numbers_of(service.get(key)), limit=min(_int("limit", 50), 200))}

    @api.route("/customers/<key>", method=["PUT", "PATCH"], schema=CustomerSchema, roles=ANYONE)
    def change_customer(key):
        """Replace (PUT) or change some fields (PATCH); "numbers" given are the customer's numbers from now on."""
        _, revision = service.update(key, _level_for_staff(json_body(), service.get(key)), actor(),
                                     partial=request.method == "PATCH")
        settle(box, revision)
        return service.view(service.get(key))

    @api.delete("/customers/<key>", roles=STAFF)
    def delete_customer(key):
        """Delete a customer and their numbers."""
        settle(box, service.delete(key, actor()))
        response.status = 204

    install_crud(api, box, "/customer-levels", levels, levels.to_dict, lambda level: level.id,
                 schema=CustomerLevelSchema, roles=STAFF, read_roles=ANYONE)
