"""The HTML pages beside the API: sign-in, setup and the admin UI."""

from __future__ import annotations

import logging
from pathlib import Path

from bottle import HTTPResponse, request, static_file

from appliance.db import db
from appliance.errors import BoxError

from ..plugins import Auth, CsrfRejected, Database, error_body, json_error_handler, spare_admin
from . import auth, screens, tickets, update
from .render import render

log = logging.getLogger(__name__)
STATIC = str(Path(__file__).resolve().parent.parent / "static")


class HtmlErrors:
    """A page's BoxError as an error page in the user's language; anything else
    as a logged 500. A forged change (no CSRF token) gets JSON like the API's."""

    name = "html_errors"
    api = 2

    def apply(self, callback, route):
        def wrapper(*args, **kwargs):
            try:
                return callback(*args, **kwargs)
            except CsrfRejected as exc:
                return error_body(exc.status, exc.message)
            except BoxError as exc:
                return error_page(exc.status, exc.message)
            except HTTPResponse:
                raise
            except Exception:  # noqa: BLE001
                log.exception("page failed: %s %s", request.method, request.path)
                return error_page(500, None)

        return wrapper


def error_page(status: int, message: str | None) -> str:
    # Runs after the route's own connection is closed (or with none, for bottle's errors).
    with db.connection_context():
        return render("error", title_key=f"error.{status}" if status in (403, 404, 405, 500) else "error.other",
                      status=status, code=status, message=message)


def install(app, box, limiter) -> None:
    app.install(HtmlErrors())
    app.install(Database())
    app.install(Auth(login_page="/login", on_admin=spare_admin(box)))

    @app.get("/static/<path:path>", auth=False, skip=[Database])
    def static(path):
        found = static_file(path, root=STATIC)
        found.set_header("Cache-Control", "no-cache")
        return found

    @app.get("/webcall.js", auth=False, skip=[Database])
    def webcall_snippet():
        """The website callback button, for the business's own website (one script tag)."""
        found = static_file("webcall.js", root=STATIC, mimetype="text/javascript", charset="utf-8")
        found.set_header("Cache-Control", "no-cache")
        return found

    auth.install(app, box, limiter)
    screens.install(app, box)
    update.install(app, box)
    tickets.install(app, box)

    def html_error(err):
        # A path the API's mount cannot take (a line break in it, say) lands here: answer in JSON still.
        if request.path.startswith("/api/"):
            return json_error_handler(err)
        return error_page(err.status_code, None)

    for code in (404, 405, 500):
        app.error(code)(html_error)
