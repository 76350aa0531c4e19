"""The JSON API, /api/v1. Routes and shapes here are a contract other parts rely on."""

from __future__ import annotations

from bottle import Bottle, response

from ..plugins import Auth, Database, JsonErrors, json_error_handler
from . import extensions, resources, settings, system, system_admin, voicemail, wizard


def make_api(box) -> Bottle:
    api = Bottle()
    api.install(JsonErrors())
    api.install(Database())
    api.install(Auth())
    for code in (400, 401, 403, 404, 405, 413, 500):
        api.error(code)(json_error_handler)

    @api.hook("after_request")
    def _no_store():
        response.set_header("Cache-Control", "no-store")

    for module in (system, extensions, voicemail, settings, resources, system_admin, wizard):
        module.install(api, box)
    return api
