"""The website callback button: /webcall (public, for the snippet on the business's website) and
/webcall/settings (administrators). See appliance/webcallback."""

from __future__ import annotations

from bottle import request, response

from appliance.errors import BoxError, Unavailable
from appliance.webcallback import settings as webcall_settings
from appliance.webcallback.service import RequestSchema, WebCallbacks
from appliance.webcallback.settings import WebcallSettingsSchema

from ..plugins import client_address, count_failure, current_user, json_body

PROOF_HEADER = "Callbox-Proof"


def install(api, box) -> None:
    web = WebCallbacks(on_abuse=lambda address, reason: count_failure(box, address, "webcall", reason,
                                                                      service_="webcall"))

    def cors(settings: dict) -> dict:
        """What lets a listed website's page read the answer (and nothing for any other)."""
        origin = request.get_header("Origin")
        if origin is None or origin not in settings["origins"]:
            return {"Vary": "Origin"}
        return {"Vary": "Origin", "Access-Control-Allow-Origin": origin}

    def public(handler):
        """The answer and any error carry the CORS headers."""
        def wrapper(*args, **kwargs):
            settings = webcall_settings.load()
            headers = cors(settings)
            try:
                out = handler(settings, *args, **kwargs)
            except BoxError as exc:
                exc.headers = {**headers, **(getattr(exc, "headers", None) or {})}
                raise
            for name, value in headers.items():
                response.set_header(name, value)
            return out
        wrapper.__doc__ = handler.__doc__
        wrapper.__name__ = handler.__name__
        return wrapper

    @api.get("/webcall", auth=False)
    @public
    def webcall_offer(settings):
        """Public: whether web callbacks are on and the topics a visitor may pick (names only)."""
        return {"enabled": settings["enabled"], "topics": [t["name"] for t in settings["topics"]]}

    @api.get("/webcall/challenge", auth=False)
    @public
    def webcall_challenge(settings):
        """Public: a proof-of-work challenge. Find a nonce such that SHA-256 of "challenge:nonce"
        starts with `bits` zero bits and send "challenge:nonce" in the Callbox-Proof header."""
        return web.proofs.challenge()

    @api.route("/webcall", "OPTIONS", auth=False, success="204")
    @public
    def webcall_preflight(settings):
        """Public: the browser's preflight for POST /webcall from a listed website."""
        response.set_header("Access-Control-Allow-Methods", "POST")
        response.set_header("Access-Control-Allow-Headers", f"Content-Type, {PROOF_HEADER}")
        response.set_header("Access-Control-Max-Age", "600")
        response.status = 204

    @api.post("/webcall", auth=False, success="202", schema=RequestSchema)
    @public
    def webcall_request(settings):
        """Public: call me back. From a page of a listed website (Origin), with a proof of work
        (Callbox-Proof). 202: queued, with the position and the estimated wait in seconds; 429:
        too many requests from this address or for this number (Retry-After)."""
        callcenter = getattr(box, "callcenter", None)
        if callcenter is None or callcenter.error:
            raise Unavailable("callbacks are not available just now")
        out = web.request(settings, request.get_header("Origin"), client_address(),
                          request.get_header(PROOF_HEADER), json_body(), callcenter)
        response.status = 202
        return out

    @api.get("/webcall/settings")
    def webcall_settings_get():
        """The web callback settings."""
        return webcall_settings.load()

    @api.patch("/webcall/settings", schema=WebcallSettingsSchema)
    def webcall_settings_patch():
        """Change the web callback settings (the fields sent); the request limits count afresh."""
        saved = webcall_settings.save(json_body(), current_user().username)
        web.restart_limits()
        return saved
