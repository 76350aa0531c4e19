"""The web application: an explicit Bottle() app made for one running box.

The JSON API is its own Bottle() app mounted under /api/v1; the pages (sign-in,
setup, the admin UI) and their static files are routes of this one.
"""

from __future__ import annotations

from bottle import Bottle

from appliance.users.ratelimit import LoginLimiter

from . import headers, pages
from .api import make_api
from .plugins import count_failed_sign_ins
from .provision import make_provision


def _pep3333_path(wsgi):
    """Bottle's mount hands the mounted app a PATH_INFO it has already decoded
    from UTF-8, and the mounted app decodes it again: any non-ASCII path then
    ends in a server error. WSGI wants it as latin-1 text of the raw bytes
    (PEP 3333), so give it that back."""

    def app(environ, start_response):
        environ["PATH_INFO"] = environ.get("PATH_INFO", "").encode("utf-8").decode("latin-1")
        return wsgi(environ, start_response)

    return app


def make_app(box) -> Bottle:
    app = Bottle()
    # One limiter for both ways in (the sign-in page and POST /auth/login).
    limiter = LoginLimiter()
    count_failed_sign_ins(box, limiter)
    # Mounted as a WSGI app, so the API itself answers unknown routes and
    # methods (JSON 404/405) and runs its own hooks; a Bottle app mounted
    # directly has its routes merged into this one and gets HTML errors.
    app.mount("/api/v1/", _pep3333_path(make_api(box, limiter).wsgi))
    # Desk phones fetch their files here (no sign-in: a token and digest credentials per phone).
    app.mount("/provision/", _pep3333_path(make_provision(box).wsgi))
    pages.install(app, box, limiter)
    # The mounted API's answers pass through this app's hooks too: one place for every answer.
    headers.install(app, getattr(box, "runtime", None))
    return app
