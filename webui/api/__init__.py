"""The JSON API, /api/v1. Routes and shapes here are a contract other parts rely on."""

from __future__ import annotations

from pathlib import Path

from bottle import Bottle, response, static_file

from appliance.users.ratelimit import LoginLimiter

from ..plugins import Auth, Database, JsonErrors, json_error_handler, spare_admin
from . import (backup, callcenter, cdr, certificate, clicktocall, conferences, customers, events, extensions, faxes,
               hardware, mail, me, reports, resources, security, settings, sites, switchboard, system, system_admin,
               system_prompts, tickets, update, voicemail, vpn, webcallback, webphone, wizard)
from . import phones  # desk phone provisioning
from . import network
from . import sms  # SMS gateways, sending, the inbound webhook
from . import surveys  # surveys and outbound survey campaigns


def make_api(box, login_limiter: LoginLimiter) -> Bottle:
    api = Bottle()
    api.install(JsonErrors())
    api.install(Database())
    api.install(Auth(on_admin=spare_admin(box)))
    for code in (400, 401, 403, 404, 405, 413, 500):
        api.error(code)(json_error_handler)

    @api.hook("after_request")
    def _no_store():
        response.set_header("Cache-Control", "no-store")

    @api.get("/openapi.json", auth=False)
    def openapi():
        """This API's OpenAPI document."""
        return static_file("openapi.json", root=str(Path(__file__).resolve().parent.parent),
                           mimetype="application/json")

    system.install(api, box, login_limiter)
    for module in (me, events, extensions, voicemail, mail, settings, resources, system_admin, wizard, callcenter,
                   customers, update, switchboard, cdr, conferences, reports, system_prompts, clicktocall,
                   hardware, security, webcallback, tickets, faxes, certificate, webphone,
                   backup, vpn, sites):
        module.install(api, box)
    phones.install(api, box)
    network.install(api, box)
    sms.install(api, box)
    surveys.install(api, box)
    return api
