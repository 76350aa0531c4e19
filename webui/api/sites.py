"""/sites at headquarters (branches, their codes, revoking, upgrades pushed to them) and /enrol at a
branch (appliance/sites).

/sites/join is what a branch's box calls with its code's token: it needs no session (the
token is the credential), and a wrong token counts as a failure for the ban engine.
"""

from __future__ import annotations

import logging
import os

from bottle import HTTPResponse, request, response

from appliance import __version__
from appliance.ami import AMIError
from appliance.errors import BoxError, Conflict, Invalid, NotFound
from appliance.fields import validate
from appliance.log import kv
from appliance.sites import enrol, forget, peering, service, updates
from appliance.sites.publish import PublishFailed
from appliance.tls import certificate

from ..plugins import client_address, current_user, json_body
from .vpn import settle_and_kick, vpn_manager

log = logging.getLogger(__name__)

ADMIN = ("admin",)
STAFF = ("admin", "supervisor")


def install(api, box) -> None:
    def vpn():
        return vpn_manager(box)

    def changed(revision) -> None:
        settle_and_kick(box, revision)

    offers = updates.Offers(box.runtime.paths.data / "site-updates")

    def site_failure(what: str) -> None:
        security = getattr(box, "security", None)
        if security is not None and not security.error:
            security.failure(client_address() or "", what, "unknown site or wrong secret")

    def pbx():
        found = getattr(box, "pbx", None)
        return None if found is None or found.error or not hasattr(found, "live") else found

    def trunk_reachable(number: int):
        """Whether the inter-site trunk to site `number` answers its qualify (null: not known yet)."""
        found = pbx()
        return None if found is None else found.live.trunk(f"site{number}")["reachable"]

    def forget_states(site) -> None:
        """Before a branch's trunk goes: the states it published to this box's Asterisk
        (appliance/sites/forget.py). Nothing to do while Asterisk is down: it starts without them."""
        found = pbx()
        if site.eid is None or site.enrolled_at is None or found is None or not found.ready:
            return
        try:
            count = forget.forget(found.ami, found.system, site)
        except (AMIError, OSError, PublishFailed) as exc:
            log.warning("could not clear a revoked branch's device states", extra=kv(site=site.number, error=str(exc)))
            return
        log.info("cleared a revoked branch's device states", extra=kv(site=site.number, devices=count))

    @api.get("/sites", roles=ADMIN)
    def list_sites():
        """Every branch: number, state (pending until it enrols; up or down by its tunnel), when it was
        last seen, its version and phones registered (null until it reports them), and whether its
        inter-site trunk answers (`trunk_reachable`; calls to its area leave through this box's own
        routes while it does not). `prefix` (such as "3*"): the other sites dial its extension 8001 as
        3*8001; `short_numbers`: whether they also dial it as 8001 (false while its range overlaps
        another site's). `update`: the upgrade last pushed to it (its `state` pushed, fetching,
        installing, rebooting, installed, rolled_back or failed, a `message`, the bundle's `sha256`;
        null: none)."""
        live = vpn().live()
        prefixed = service.prefixed_sites()
        return {"items": [{**service.to_dict(s, live.get(s.public_key), prefixed),
                           "trunk_reachable": trunk_reachable(s.number) if s.enrolled_at else None,
                           "update": _pushed(offers.state(s.number))}
                          for s in service.listing()]}

    def _pushed(entry: dict | None) -> dict | None:
        return None if entry is None else {k: entry[k] for k in ("state", "message", "sha256", "at")}

    @api.get("/sites/update-bundle", roles=ADMIN)
    def get_update_bundle():
        """The update bundle offered to branches: its SHA-256, size and upload time (404: none yet)."""
        found = offers.current()
        if found is None:
            raise NotFound("no update bundle has been uploaded for the branches")
        return found

    @api.post("/sites/update-bundle", roles=ADMIN, body="application/octet-stream", success="200")
    def upload_update_bundle():
        """Upload the signed update bundle (update.raucb, the body) to push to branches, replacing the one
        before. Each branch checks its signature with its own key before it installs it."""
        try:
            return offers.store(request.environ["wsgi.input"], request.content_length)
        except Invalid as exc:
            exc.headers = {"Connection": "close"}  # the rest of a refused body is not read
            raise

    @api.post("/sites/<key>/update", roles=ADMIN, success="202")
    def push_update(key):
        """Push the uploaded bundle to a branch: the answer to its next report (within about 10 s) offers
        it; the branch fetches it over pinned HTTPS, checks its digest, and its own update manager checks
        the signature, installs it and reboots into it. `update` on GET /sites follows it."""
        site = service.get(key)
        if site.enrolled_at is None:
            raise Conflict("this branch has not enrolled yet")
        entry = offers.push(site.number)
        response.status = 202
        return _pushed(entry)

    @api.post("/sites/update-bundle/fetch", auth=False, schema=updates.FetchSchema,
              produces="application/octet-stream")
    def fetch_update_bundle():
        """A branch fetches the bundle it was offered: its site number, trunk secret and the bundle's
        SHA-256 (404: an unknown site, a wrong secret, or a bundle no longer offered)."""
        values = validate(updates.FetchSchema(), json_body())
        try:
            service.authenticated(values["number"], values["secret"])
        except NotFound:
            site_failure("site-update")
            raise
        f = offers.open_for(values["sha256"])

        def chunks():
            with f:
                while chunk := f.read(updates.CHUNK):
                    yield chunk
        return HTTPResponse(chunks(), headers={"Content-Type": "application/octet-stream",
                                               "Content-Length": str(os.fstat(f.fileno()).st_size)})

    @api.get("/sites/extensions", roles=STAFF)
    def site_extensions():
        """The other sites' extensions this box follows (headquarters: those each branch reports; a
        branch: headquarters' and those the other branches report), with their site (`site`, and `site_name` where this box knows it) and
        live `state` as the busy lamps show it: idle, in_use, ringing, busy, on_hold, unavailable (no
        phone registered there, or nothing heard from that site) or unknown; null while Asterisk is
        not up. The event `site_extension` {"number", "state"} follows each change."""
        found = pbx()
        live = found.live if found is not None else None
        return {"items": [{**item, "state": live.site_extension(item["number"]) if live else None}
                          for item in peering.watched()]}

    @api.post("/sites", roles=ADMIN, schema=service.SiteSchema, success="201")
    def create_site():
        """Issue a branch: its name, extension range (FROM-TO) and breakout patterns. The answer's code
        (valid 24 hours, once) carries this box's HTTPS address and certificate fingerprint. A range may
        overlap other branches' (then those sites are dialled by prefix only), never this box's own
        numbers (422 on `extensions`)."""
        https = box.runtime.https
        if https is None:
            raise Conflict("this box serves no HTTPS: branches could not reach it")
        public = service.vpn.interface().get("public_address")
        fingerprint = certificate.current(box.runtime)["fingerprint"]
        url = f"https://{public if public and ':' not in public else f'[{public}]'}:{https.port}"
        site, code, revision = service.create(json_body(), current_user().username, url, fingerprint)
        changed(revision)
        response.status = 201
        return {"id": site.id, "code": code, "expires": site.code_expires.isoformat() + "Z"}

    @api.delete("/sites/<key>", roles=ADMIN, success="204")
    def revoke_site(key):
        """Revoke a branch: its tunnel peer goes at once and its code (if unused) is dead."""
        site = service.get(key)
        forget_states(site)
        changed(service.delete(key, current_user().username))
        offers.forget(site.number)
        response.status = 204

    @api.post("/sites/join", auth=False, schema=service.JoinSchema)
    def join():
        """A branch enrols: its code's token and its WireGuard public key; the answer is its site number,
        extension range, breakout patterns, tunnel address, headquarters' key and endpoint, trunk."""
        try:
            doc, revision = service.join(json_body(), vpn().public_key)
        except BoxError as exc:
            security = getattr(box, "security", None)
            if security is not None and not security.error and exc.status in (404, 409, 422):
                security.failure(client_address() or "", "enrol", "bad enrolment code")
            raise
        if revision is not None:
            changed(revision)
        return doc

    @api.post("/sites/report", auth=False, schema=service.ReportSchema)
    def report():
        """A branch's report (site number, its trunk secret, version, phones registered, the state of an
        upgrade pushed to it): answers the current site list, and an upgrade to fetch (`update`: push,
        sha256, size) while one is pushed; 404 tells a revoked branch to take its side down."""
        body = json_body()
        try:
            doc = service.report(body)
        except BoxError:
            site_failure("site-report")
            raise
        # Its Asterisk started again (or this box's supervisor did): what headquarters passes on is
        # sent to it again.
        if "asterisk" in body and (found := pbx()) is not None:
            found.mailbox_relay.asterisk_run(body["number"], body["asterisk"]["run"])
        # An upgrade pushed to it: what it says of it is kept, and the bundle is offered to it.
        offer = offers.offer(body["number"], body.get("update"))
        return {**doc, "update": offer} if offer else doc

    @api.get("/enrol", roles=ADMIN)
    def get_enrolment():
        """Whether this box is a branch (state none or enrolled), its headquarters, the sites
        headquarters last listed, and whether the inter-site trunk to headquarters answers."""
        doc = enrol.public_state()
        manager = getattr(box, "sites", None)
        if doc["state"] == "enrolled" and manager is not None and not manager.error:
            doc["sites"] = manager.sites
        if doc["state"] == "enrolled":
            doc["trunk_reachable"] = trunk_reachable(1)  # to headquarters
        return doc

    @api.post("/enrol", roles=ADMIN, schema=enrol.EnrolSchema)
    def post_enrolment():
        """Enrol this box as a branch with headquarters' code: 200 once enrolled, 409 for a used code,
        422 for a bad one (or headquarters showing another certificate than the code names)."""
        doc, revision = enrol.enrol(json_body(), current_user().username, vpn().public_key, __version__)
        changed(revision)
        manager = getattr(box, "sites", None)
        if manager is not None and not manager.error:
            manager.kick()  # report to headquarters at once: it shows this branch's version and phones
        return doc
