"""Bottle plugins for the API and pages: JSON errors, a database connection, authentication.

Handlers raise appliance.errors.BoxError subclasses and return dicts; these
plugins do the rest, so no handler repeats error, connection or auth handling.
"""

from __future__ import annotations

import hmac
import json
import logging
from urllib.parse import urlencode

from bottle import HTTPError, HTTPResponse, request, response

from appliance.db import db
from appliance.reports.db import reports_db, reports_ready
from appliance.errors import BoxError, Forbidden, Invalid, Unauthorized
from appliance.users import service as users

from .headers import over_https
from .offload import offload

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024


def error_body(status: int, message: str, field: str | None = None, doc: dict | None = None,
               headers: dict | None = None) -> HTTPResponse:
    return HTTPResponse(
        json.dumps(doc or {"error": message, "field": field}),
        status=status,
        headers={"Content-Type": "application/json", "Cache-Control": "no-store", **(headers or {})},
    )


class JsonErrors:
    """BoxError -> its status and {"error", "field"}; anything else -> a logged 500, never a traceback."""

    name = "json_errors"
    api = 2

    def apply(self, callback, route):
        def wrapper(*args, **kwargs):
            try:
                return callback(*args, **kwargs)
            except BoxError as exc:
                return error_body(exc.status, exc.message, exc.field, exc.to_dict(), getattr(exc, "headers", None))
            except HTTPResponse:
                raise
            except Exception:  # noqa: BLE001
                log.exception("API handler failed: %s %s", request.method, request.path)
                return error_body(500, "internal error")

        return wrapper


class Database:
    """A connection to the config database (and the reports store, where the box has one) per request."""

    name = "database"
    api = 2

    def apply(self, callback, route):
        def wrapper(*args, **kwargs):
            with db.connection_context():
                if not reports_ready():
                    return callback(*args, **kwargs)
                with reports_db.connection_context():
                    return callback(*args, **kwargs)

        return wrapper


SESSION_COOKIE = "callbox_session"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


def signed_in():
    """The session this request carries (Bearer token or session cookie), or None.

    Sets request.environ["callbox.via"] to "bearer" or "cookie". A request that
    sends an Authorization header is judged by it alone, never by a cookie.
    """
    env = request.environ
    if "callbox.session" in env:
        return env["callbox.session"]
    header = request.get_header("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        via = "bearer" if scheme.lower() == "bearer" else None
        token = token.strip()
    else:
        token, via = request.get_cookie(SESSION_COOKIE) or "", "cookie"
    session = users.session_for_token(token) if via and token else None
    env["callbox.sent"] = bool(token)
    env["callbox.session"] = session
    env["callbox.via"] = via if session else None
    if session is not None:
        env["callbox.user"] = session.user
        env["callbox.token"] = token
    return session


class CsrfRejected(Forbidden):
    """A cookie-authenticated change without the session's CSRF token: a
    forged request, or a page left open from before the session."""


def csrf_ok(expected: str) -> bool:
    """The request carries `expected` in the X-CSRF-Token header or the csrf_token form field."""
    sent = request.get_header(CSRF_HEADER)
    if not sent:
        ctype = (request.content_type or "").split(";")[0].strip().lower()
        if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            sent = request.forms.get(CSRF_FIELD)
    return bool(expected and sent) and hmac.compare_digest(str(sent).encode(), expected.encode())


class Auth:
    """Who may call a route: a Bearer token (API clients) or the session cookie
    (browsers). A cookie-authenticated change must carry the session's CSRF
    token; a token sent in a header cannot be forged by another site, a cookie can.

    Routes opt out with auth=False and name the roles they admit with
    roles=(...); the default is admin only. With `login_page`, a request that is
    not signed in is sent there instead of getting 401 (for HTML pages).
    """

    name = "auth"
    api = 2

    def __init__(self, login_page: str | None = None, on_admin=None):
        self.login_page = login_page
        # Told the address of each administrator's request: the ban engine never bans it.
        self.on_admin = on_admin

    def apply(self, callback, route):
        if route.config.get("auth", True) is False:
            return callback
        roles = route.config.get("roles", ("admin",))

        def wrapper(*args, **kwargs):
            session = signed_in()
            if session is None:
                if self.login_page:
                    redirect(self.login_page + "?" + urlencode({"next": local_url()}), 303)
                if request.environ["callbox.sent"]:
                    raise Unauthorized("the session has expired or was closed; sign in again")
                raise Unauthorized("sign in first: send Authorization: Bearer TOKEN")
            if (request.environ["callbox.via"] == "cookie" and request.method in UNSAFE_METHODS
                    and not csrf_ok(session.csrf_token)):
                raise CsrfRejected(f"missing or wrong CSRF token: send the {CSRF_HEADER} header "
                                   f"(reload the page if it was open for long)")
            if session.user.role not in roles:
                raise Forbidden("your role may not do this")
            if self.on_admin is not None and session.user.role == "admin":
                self.on_admin(client_address())
            return callback(*args, **kwargs)

        return wrapper


def redirect(path: str, code: int = 303):
    """Send the browser to a local path with a relative Location.

    bottle's redirect() makes the address absolute from the request's Host
    header, which a client chooses: a forged Host would be sent back as the
    place to go (cache poisoning, links to another site)."""
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"not a local path: {path!r}")
    res = response.copy(cls=HTTPResponse)  # keeps cookies set before the redirect
    res.status = code
    res.body = ""
    res.set_header("Location", path)
    raise res


def local_url() -> str:
    """This request's path and query, to come back to after a form or sign-in."""
    query = request.query_string
    return request.fullpath + (f"?{query}" if query else "")


def current_user():
    return request.environ["callbox.user"]


def require_own_extension(number: str) -> None:
    """Agents act on their own extension only; admins and supervisors on any."""
    user = current_user()
    if user.role == "agent" and (user.extension is None or user.extension.number != number):
        raise Forbidden("agents may only see their own extension")


def json_body():
    ctype = (request.content_type or "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise Invalid("send a JSON body with Content-Type: application/json")
    if request.content_length > MAX_BODY:
        raise Invalid("request body too large")
    raw = request.body.read(MAX_BODY + 1)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadJson() from None


class BadJson(BoxError):
    status = 400

    def __init__(self):
        super().__init__("the request body is not valid JSON")


def json_error_handler(err: HTTPError) -> str:
    response.content_type = "application/json"
    response.set_header("Cache-Control", "no-store")
    message = {404: "not found", 405: "method not allowed", 413: "request body too large"}.get(
        err.status_code, "request failed" if err.status_code < 500 else "internal error")
    return json.dumps({"error": message, "field": None})


def verify_password(password: str, stored: str) -> bool:
    """scrypt is slow on purpose: run it off the gevent loop."""
    return offload(users.verify_password, password, stored)


def hash_password(password: str) -> str:
    return offload(users.hash_password, password)


def _ban_engine(box):
    found = getattr(box, "security", None)
    return None if found is None or found.error or not hasattr(found, "engine") else found


def spare_admin(box):
    """Auth's on_admin: the ban engine (appliance/security) never bans an administrator's address."""

    def spare(address):
        if (engine := _ban_engine(box)) is not None:
            engine.spare(address)

    return spare


def count_failed_sign_ins(box, limiter) -> None:
    """Refused sign-ins count as failures of their address in the ban engine."""

    limiter.on_failure.append(lambda address, username: count_failure(box, address, username, "web sign-in"))


def count_failure(box, address: str | None, account: str, reason: str, **kwargs) -> None:
    """One failure of `address` for the ban engine, where it runs."""
    if address and (engine := _ban_engine(box)) is not None:
        engine.failure(address, account, reason, **kwargs)


def client_address() -> str | None:
    # The socket's peer, never X-Forwarded-For: a header would let a client
    # choose its own rate-limit bucket.
    return request.environ.get("REMOTE_ADDR")


def https() -> bool:
    """This request came over TLS (cookies are then Secure)."""
    return over_https(request.environ)


def set_session_cookie(opened) -> None:
    response.set_cookie(SESSION_COOKIE, opened.token, path="/", httponly=True, samesite="Strict",
                        secure=https(), max_age=int(users.SESSION_HOURS * 3600))


def clear_session_cookie() -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Strict", secure=https())
