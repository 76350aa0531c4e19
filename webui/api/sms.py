"""/sms: gateways, templates, sending (one number or a broadcast to customers), what was sent and
received; /sms/inbound/{token}: the gateways' webhook (public, its token is the secret); a
customer's messages and opt-out. See appliance/sms."""

from __future__ import annotations

from bottle import request, response

from appliance.customers import service as customers
from appliance.errors import Invalid, NotFound
from appliance.fields import validate
from appliance.sms import gateways, inbound, outbox, service, template_store, wake
from appliance.sms.schema import GatewaySchema, SendSchema, TemplateSchema
from appliance.fields import Bool, StrictSchema

from ..plugins import MAX_BODY, client_address, count_failure, current_user, json_body
from .crud import install_crud
from .extensions import ANYONE, STAFF, _int


class OptOutSchema(StrictSchema):
    opt_out = Bool(required=True)


def _webhook_values() -> dict:
    """What a provider posted: JSON, a form, or the query string (GET webhooks)."""
    ctype = (request.content_type or "").split(";")[0].strip().lower()
    if request.method == "POST" and ctype == "application/json":
        body = json_body()
        if not isinstance(body, dict):
            raise Invalid("expected a JSON object")
        return {k: v if isinstance(v, str) else str(v) for k, v in body.items() if v is not None}
    if request.content_length > MAX_BODY:
        raise Invalid("request body too large")
    values = {k: request.query.getunicode(k) for k in request.query}
    if request.method == "POST":
        values.update({k: request.forms.getunicode(k) for k in request.forms})
    return values


def install(api, box) -> None:
    secrets_dir = box.runtime.paths.secrets

    def actor() -> str:
        return current_user().username

    class Gateways:
        """The gateway service with the secrets directory its passwords live in."""

        listing = staticmethod(gateways.listing)
        get = staticmethod(gateways.get)

        @staticmethod
        def create(data, actor_):
            return gateways.create(data, actor_, secrets_dir)

        @staticmethod
        def update(key, data, actor_, *, partial):
            row, revision = gateways.update(key, data, actor_, secrets_dir, partial=partial)
            wake.set()
            return row, revision

        @staticmethod
        def delete(key, actor_):
            return gateways.delete(key, actor_, secrets_dir)

    install_crud(api, box, "/sms/gateways", Gateways, lambda g: gateways.to_dict(g, secrets_dir), lambda g: g.id,
                 schema=GatewaySchema, roles=("admin",))
    install_crud(api, box, "/sms/templates", template_store, template_store.to_dict, lambda t: t.id,
                 schema=TemplateSchema, roles=STAFF, read_roles=ANYONE)

    @api.post("/sms", schema=SendSchema, roles=ANYONE, success="202")
    def send_sms():
        """Send an SMS: {"to", "text"} to one number (any form), or {"template", "customers"} (or
        {"text", "customers"}) to customers, given as ids or a filter {q, level}; customers who opted
        out are skipped. 202: queued ({"id"} of the message, or {"broadcast", "queued", ...})."""
        values = validate(SendSchema(), json_body())
        response.status = 202
        if "to" in values:
            m = service.send_one(values["to"], values["text"], actor())
            return {"id": m.id, "number": m.number, "state": m.state}
        if current_user().role not in STAFF:
            raise Invalid("customers: only administrators and supervisors send to many customers", "customers")
        report = service.broadcast_report(service.broadcast(values, actor()).id)
        return {"broadcast": report["id"], "queued": report["messages"], "opted_out": report["opted_out"],
                "no_number": report["no_number"]}

    @api.get("/sms", roles=ANYONE)
    def list_sms():
        """Messages sent and received, newest first, with their delivery state (queued, sent,
        delivered, undelivered, failed; received for incoming ones): direction (in, out), state,
        customer, broadcast, limit (at most 500); counts by state."""
        customer = request.query.get("customer")
        broadcast = request.query.get("broadcast")
        items = service.listing(direction=request.query.get("direction"), state=request.query.get("state"),
                                customer_id=_int("customer", 0) if customer else None,
                                broadcast_id=_int("broadcast", 0) if broadcast else None,
                                limit=_int("limit", 100))
        return {"items": items, "counts": outbox.counts()}

    @api.post("/sms/<message_id:int>/retry", roles=STAFF, success="200")
    def retry_sms(message_id):
        """Try a failed message again (its attempts start afresh)."""
        if not outbox.retry(message_id):
            raise NotFound("no failed message with this id")
        wake.set()
        return {"queued": True}

    @api.get("/sms/broadcasts", roles=STAFF)
    def list_broadcasts():
        """The latest broadcasts with their reports."""
        return {"items": service.broadcasts()}

    @api.get("/sms/broadcasts/<broadcast_id:int>", roles=STAFF)
    def get_broadcast(broadcast_id):
        """A broadcast's report: customers chosen, skipped (opted out, no number), messages by state,
        first and last sent."""
        return service.broadcast_report(broadcast_id)

    @api.route("/sms/inbound/<token>", ["GET", "POST"], auth=False, success="200")
    def sms_inbound(token):
        """Public, for the SMS provider: a received message (from, text) or a delivery report (id,
        status: delivered, DELIVRD, success, ok or 0 mean delivered; anything else not), as JSON,
        a form or query parameters. The address, with its token, is on the gateway."""
        gateway = gateways.by_token(token) if len(token) < 100 else None
        if gateway is None:
            count_failure(box, client_address(), "sms-webhook", "unknown webhook token", service_="sms")
            raise NotFound("no such webhook")
        values = _webhook_values()
        if "id" in values and "status" in values:
            found = inbound.report(gateway.id, values["id"], values["status"])
            return {"report": found is not None, "message": found}
        if "from" in values and "text" in values:
            try:
                row = inbound.message(gateway.id, values["from"], values["text"])
            except ValueError as exc:
                raise Invalid(f"from: {exc}", "from") from None
            return {"received": row.id, "customer": row.customer_id}
        raise Invalid("give from and text (a message) or id and status (a delivery report)")

    @api.get("/customers/<key>/sms", roles=ANYONE)
    def customer_sms(key):
        """The customer's messages, both ways, newest first, and whether they opted out."""
        customer = customers.get(key)
        return {"opt_out": customer.sms_opt_out,
                "items": service.listing(customer_id=customer.id, limit=_int("limit", 100))}

    @api.put("/customers/<key>/sms", schema=OptOutSchema, roles=STAFF)
    def customer_sms_opt_out(key):
        """Set whether the customer opted out of broadcasts (they do so themselves by answering TD)."""
        value = validate(OptOutSchema(), json_body())["opt_out"]
        customer = customers.get(key)
        inbound.set_opt_out(customer.id, value, actor())
        return {"opt_out": value}
