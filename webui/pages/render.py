"""Rendering a page: its language, the signed-in user, the menu and the
data its script needs, handed over in a data-boot attribute (escaped like
any other attribute, so no inline script is needed and CSP stays strict)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from bottle import request, response, template

from ..i18n import DEFAULT, LANGUAGES, Translator, from_accept_language
from ..plugins import CsrfRejected, csrf_ok, https, local_url, signed_in
from .nav import menu_for

VIEWS = str(Path(__file__).resolve().parent.parent / "views")
LANG_COOKIE = "lang"
# Ties a form shown before sign-in (sign-in, setup, language) to this browser:
# another site can neither read this cookie nor make the browser send it.
FORM_COOKIE = "callbox_form"


def language() -> str:
    session = signed_in()
    if session is not None and session.user.language in LANGUAGES:
        return session.user.language
    chosen = request.get_cookie(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return from_accept_language(request.get_header("Accept-Language")) or DEFAULT


def translator() -> Translator:
    return Translator(language())


def form_token() -> str:
    """The token this browser's forms carry: the session's CSRF token once
    signed in, before that a random one kept in a cookie."""
    session = signed_in()
    if session is not None:
        return session.csrf_token
    token = request.environ.get("callbox.form_token") or request.get_cookie(FORM_COOKIE)
    if not token or len(token) != 43:
        token = secrets.token_urlsafe(32)
        response.set_cookie(FORM_COOKIE, token, path="/", httponly=True, samesite="Strict", secure=https())
        request.environ["callbox.form_token"] = token
    return token


def check_form() -> None:
    """A form posted to a route open before sign-in must carry form_token()."""
    expected = [request.get_cookie(FORM_COOKIE) or ""]
    session = signed_in()
    if session is not None:
        expected.append(session.csrf_token)
    if not any(token and csrf_ok(token) for token in expected):
        raise CsrfRejected("this form has expired; reload the page and try again")


def safe_next(value: str | None, default: str = "/") -> str:
    """A local path to go on to after a form; anything else (another site) is dropped."""
    # Browsers drop tabs and line breaks from addresses: "/\t/evil.example" would become "//evil.example".
    if (not value or not value.startswith("/") or value.startswith("//") or "\\" in value
            or any(c.isspace() or not c.isprintable() for c in value)):
        return default
    return value


def render(view: str, *, title_key: str, current: str | None = None, boot: dict | None = None,
           scripts: tuple[str, ...] = (), status: int = 200, **values) -> str:
    t = translator()
    session = signed_in()
    user = session.user if session is not None else None
    data = {"lang": t.lang, "csrf": form_token(), "strings": t.for_scripts(), **(boot or {})}
    if user is not None:
        # extension: the desk phone click-to-call rings (widgets.js callable)
        data["user"] = {"username": user.username, "role": user.role,
                        "extension": user.extension.number if user.extension_id is not None else None}
    response.status = status
    response.content_type = "text/html; charset=utf-8"
    response.set_header("Cache-Control", "no-store")
    return template(
        view, template_lookup=[VIEWS], _=t, t=t, title=t(title_key), user=user, current=current,
        menu=menu_for(user.role) if user is not None else [], boot=json.dumps(data, ensure_ascii=False),
        csrf=data["csrf"], scripts=scripts, here=local_url(), **values)
