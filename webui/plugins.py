"""Bottle plugins for the API: JSON errors, a database connection, authentication.

Handlers raise appliance.errors.BoxError subclasses and return dicts; these
plugins do the rest, so no handler repeats error, connection or auth handling.
"""

from __future__ import annotations

import json
import logging

from bottle import HTTPError, HTTPResponse, request, response

from appliance.db import db
from appliance.errors import BoxError, Forbidden, Invalid, Unauthorized
from appliance.users import service as users

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024


def error_body(status: int, message: str, field: str | None = None, doc: dict | None = None) -> HTTPResponse:
    return HTTPResponse(
        json.dumps(doc or {"error": message, "field": field}),
        status=status,
        headers={"Content-Type": "application/json", "Cache-Control": "no-store"},
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
                return error_body(exc.status, exc.message, exc.field, exc.to_dict())
            except HTTPResponse:
                raise
            except Exception:  # noqa: BLE001
                log.exception("API handler failed: %s %s", request.method, request.path)
                return error_body(500, "internal error")

        return wrapper


class Database:
    name = "database"
    api = 2

    def apply(self, callback, route):
        def wrapper(*args, **kwargs):
            with db.connection_context():
                return callback(*args, **kwargs)

        return wrapper


class Auth:
    """Bearer tokens from POST /auth/login. Routes opt out with auth=False and
    name the roles they admit with roles=(...); the default is admin only."""

    name = "auth"
    api = 2

    def apply(self, callback, route):
        if route.config.get("auth", True) is False:
            return callback
        roles = route.config.get("roles", ("admin",))

        def wrapper(*args, **kwargs):
            header = request.get_header("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthorized("sign in first: send Authorization: Bearer TOKEN")
            user = users.user_for_token(token.strip())
            if user is None:
                raise Unauthorized("the session has expired or was closed; sign in again")
            if user.role not in roles:
                raise Forbidden("your role may not do this")
            request.environ["callbox.user"] = user
            request.environ["callbox.token"] = token.strip()
            return callback(*args, **kwargs)

        return wrapper


def current_user():
    return request.environ["callbox.user"]


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
