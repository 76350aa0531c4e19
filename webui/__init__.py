"""The web application: an explicit Bottle() app made for one running box.

The JSON API is its own Bottle() app mounted under /api/v1; pages (the setup
wizard and admin UI) mount beside it.
"""

from __future__ import annotations

from bottle import Bottle, response

from .api import make_api

LANDING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Callbox</title></head>
<body><h1>Callbox</h1>
<p>The box is running. Its API is at <a href="/api/v1/health">/api/v1/health</a>.</p>
</body></html>
"""


def make_app(box) -> Bottle:
    app = Bottle()
    # Mounted as a WSGI app, so the API itself answers unknown routes and
    # methods (JSON 404/405) and runs its own hooks; a Bottle app mounted
    # directly has its routes merged into this one and gets HTML errors.
    app.mount("/api/v1/", make_api(box).wsgi)

    @app.get("/")
    def landing():
        response.content_type = "text/html; charset=utf-8"
        return LANDING

    @app.hook("after_request")
    def _security_headers():
        response.set_header("X-Content-Type-Options", "nosniff")
        response.set_header("X-Frame-Options", "DENY")
        response.set_header("Referrer-Policy", "no-referrer")
        response.set_header("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")

    return app
