"""Browser sessions: the sign-in page, the session cookie, CSRF on changes, sign-out.

`Browser` is a cookie-keeping HTTP client for the real app on a real socket
(the `web` fixture); the other test_web_* modules use it too.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request

from appliance.db.journal import utcnow
from appliance.db.models import Extension, Session, User
from appliance.users.passwords import hash_password
from tests.api import Response

PASSWORD = "Unit-Test-Pass-99"  # what the `admin` fixture sets up


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Keeps cookies like a browser; never follows redirects, so tests see them."""

    def __init__(self, web, accept_language: str | None = None):
        self.base = web.base[: -len("/api/v1")]
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                  urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.accept_language = accept_language
        self.csrf: str | None = None

    def request(self, method: str, path: str, data: bytes | None = None, headers: dict | None = None) -> Response:
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        if self.accept_language:
            req.add_header("Accept-Language", self.accept_language)
        try:
            with self.opener.open(req, timeout=30) as r:
                return Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())

    def get(self, path: str, **kw) -> Response:
        r = self.request("GET", path, **kw)
        found = re.search(r'name="csrf_token" value="([^"]+)"', r.body.decode("utf-8", "replace"))
        if found:
            self.csrf = found.group(1)
        return r

    def form(self, path: str, fields: dict, with_token: bool = True) -> Response:
        if with_token:
            fields = {"csrf_token": self.csrf, **fields}
        return self.request("POST", path, urllib.parse.urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def api(self, method: str, path: str, body=None, csrf: bool = True, raw: bytes | None = None,
            content_type: str = "application/json") -> Response:
        headers = {"Content-Type": content_type} if body is not None or raw is not None else {}
        if csrf and self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        return self.request(method, "/api/v1" + path, data, headers)

    def cookie(self, name: str):
        return next((c for c in self.jar if c.name == name), None)

    def sign_in(self, username: str = "admin", password: str = PASSWORD) -> Response:
        self.get("/login")
        r = self.form("/login", {"username": username, "password": password})
        if r.status == 303:
            self.get(where(r))  # the page carries the session's CSRF token
        return r


def where(r: Response) -> str:
    """The local path a redirect points to."""
    parts = urllib.parse.urlsplit(r.headers["Location"])
    return parts.path + (f"?{parts.query}" if parts.query else "")


def boot_data(r: Response) -> dict:
    import html

    found = re.search(r'data-boot="([^"]*)"', r.body.decode())
    return json.loads(html.unescape(found.group(1)))


def make_user(username: str, password: str, role: str, extension: str | None = None) -> User:
    ext = Extension.get(Extension.number == extension) if extension else None
    return User.create(username=username, password_hash=hash_password(password), role=role, extension=ext,
                       created_at=utcnow())


# -- tests -------------------------------------------------------------------------


def test_fresh_box_sends_every_page_to_setup(web):
    b = Browser(web)
    r = b.get("/voicemail?mailbox=8001")
    assert r.status == 303 and where(r) == "/login?next=%2Fvoicemail%3Fmailbox%3D8001"
    r = b.get("/login")
    assert r.status == 303 and where(r) == "/setup"
    r = b.get("/setup")
    assert r.status == 200 and "1" in r.body.decode()
    assert b.cookie("callbox_form") is not None


def test_setup_page_sets_the_password_and_signs_in(web):
    b = Browser(web)
    b.get("/setup")
    r = b.form("/setup", {"password": PASSWORD, "confirm": PASSWORD + "x"})
    assert r.status == 422 and not web.get("/setup").json["configured"]
    r = b.form("/setup", {"password": "short", "confirm": "short"})
    assert r.status == 422 and not web.get("/setup").json["configured"]
    r = b.form("/setup", {"password": PASSWORD, "confirm": PASSWORD})
    assert r.status == 303 and where(r) == "/wizard"  # the setup goes on in the wizard
    assert web.get("/setup").json["configured"]
    assert b.cookie("callbox_session") is not None
    assert b.get("/wizard").status == 200
    assert b.get("/setup").status == 303  # once only


def test_setup_form_without_its_token_is_refused(web):
    b = Browser(web)
    b.get("/setup")
    r = b.form("/setup", {"password": PASSWORD, "confirm": PASSWORD}, with_token=False)
    assert r.status == 403 and r.json["error"]
    assert not web.get("/setup").json["configured"]


def test_sign_in_sets_a_strict_http_only_cookie_backed_by_a_session(admin):
    b = Browser(admin)
    r = b.sign_in()
    assert r.status == 303 and where(r) == "/"
    header = r.headers["Set-Cookie"]
    assert "callbox_session=" in header
    assert "HttpOnly" in header and "samesite=strict" in header.lower() and "Path=/" in header
    assert "Secure" not in header  # plain HTTP here
    token = b.cookie("callbox_session").value
    import hashlib

    row = Session.get(Session.token_hash == hashlib.sha256(token.encode()).hexdigest())
    assert row.user.username == "admin" and len(row.csrf_token) >= 32
    me = b.api("GET", "/me")
    assert me.status == 200 and me.json == {"username": "admin", "role": "admin", "language": "en",
                                           "extension": None}


def test_cookie_is_secure_only_when_the_connection_is_https(admin):
    """A client's X-Forwarded-Proto does not make plain HTTP count as HTTPS; over a real TLS
    connection the cookie is Secure (tests/unit/test_tls.py, tests/integration/test_tls.py)."""
    b = Browser(admin)
    b.get("/login")
    r = b.request("POST", "/login", urllib.parse.urlencode(
        {"csrf_token": b.csrf, "username": "admin", "password": PASSWORD}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-Proto": "https"})
    assert r.status == 303 and "Secure" not in r.headers["Set-Cookie"]


def test_wrong_password_shows_the_form_again(admin):
    b = Browser(admin)
    r = b.sign_in(password="not-the-password")
    assert r.status == 401
    assert "Wrong user name or password" in r.body.decode()
    assert b.cookie("callbox_session") is None


def test_next_is_followed_only_to_local_paths(admin):
    b = Browser(admin)
    b.get("/login")
    r = b.form("/login", {"username": "admin", "password": PASSWORD, "next": "/voicemail?mailbox=8001"})
    assert where(r) == "/voicemail?mailbox=8001"
    b = Browser(admin)
    b.get("/login")
    r = b.form("/login", {"username": "admin", "password": PASSWORD, "next": "//evil.example/"})
    assert where(r) == "/"
    for sneaky in ("/\t/evil.example/", "/\\evil.example", "https://evil.example/"):
        b = Browser(admin)
        b.get("/login")
        r = b.form("/login", {"username": "admin", "password": PASSWORD, "next": sneaky})
        assert where(r) == "/", sneaky


def test_cookie_changes_need_the_csrf_token(admin):
    b = Browser(admin)
    b.sign_in()
    body = {"number": "8001", "name": "Alice"}
    r = b.api("POST", "/extensions", body, csrf=False)
    assert r.status == 403 and r.headers["Content-Type"] == "application/json"
    assert "CSRF" in r.json["error"]
    assert admin.get("/extensions/8001").status == 404
    r = b.request("POST", "/api/v1/extensions", json.dumps(body).encode(),
                  {"Content-Type": "application/json", "X-CSRF-Token": "wrong" * 8})
    assert r.status == 403
    r = b.api("POST", "/extensions", body)
    assert r.status == 201, r
    # Reading needs no token; a Bearer request never does.
    assert b.api("GET", "/extensions/8001", csrf=False).status == 200
    assert admin.patch("/extensions/8001", {"name": "Alice B"}).status == 200


def test_csrf_token_also_accepted_as_a_form_field(admin):
    b = Browser(admin)
    b.sign_in()
    r = b.form("/logout", {}, with_token=False)
    assert r.status == 403 and r.json["error"]
    assert b.api("GET", "/me").status == 200  # still signed in
    r = b.form("/logout", {})
    assert r.status == 303 and where(r) == "/login"
    assert b.api("GET", "/me").status == 401


def test_logout_clears_the_cookie_and_closes_the_session(admin):
    b = Browser(admin)
    b.sign_in()
    token = b.cookie("callbox_session").value
    r = b.form("/logout", {})
    assert r.headers["Set-Cookie"].startswith('callbox_session="";') and "1970" in r.headers["Set-Cookie"]
    assert b.cookie("callbox_session") is None
    # The old cookie value is dead too, not only forgotten by this browser.
    r = b.request("GET", "/api/v1/me", headers={"Cookie": f"callbox_session={token}"})
    assert r.status == 401


def test_api_logout_with_the_cookie_clears_it(admin):
    b = Browser(admin)
    b.sign_in()
    r = b.api("POST", "/auth/logout")
    assert r.status == 204 and r.headers["Set-Cookie"].startswith('callbox_session="";')
    assert b.api("GET", "/me").status == 401


def test_bearer_header_wins_over_a_cookie(admin):
    b = Browser(admin)
    b.sign_in()
    r = b.request("GET", "/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert r.status == 401


def test_me_language(admin):
    r = admin.patch("/me", {"language": "zh"})
    assert r.status == 200 and r.json["language"] == "zh"
    assert User.get(User.username == "admin").language == "zh"
    r = admin.patch("/me", {"language": "fr"})
    assert r.status == 422 and r.json["field"] == "language"
    r = admin.patch("/me", {"role": "agent"})
    assert r.status == 422 and r.json["field"] == "role"
    assert admin.get("/me").json["role"] == "admin"


def _get_with_host(web, path: str, host: str, headers: dict | None = None):
    import http.client

    parts = urllib.parse.urlsplit(web.base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest("GET", path, skip_host=True)
        conn.putheader("Host", host)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        r = conn.getresponse()
        r.read()
        return r.status, r.getheader("Location")
    finally:
        conn.close()


def test_redirects_are_relative_and_never_name_the_request_host(admin):
    # Not signed in: sent to the sign-in page.
    status, location = _get_with_host(admin, "/extensions", "evil.example")
    assert status == 303 and location == "/login?next=%2Fextensions", location
    # Signed in: the sign-in page sends on to the next page.
    b = Browser(admin)
    assert b.sign_in().status == 303
    cookie = b.cookie("callbox_session")
    status, location = _get_with_host(admin, "/login?next=/extensions", "evil.example",
                                      {"Cookie": f"callbox_session={cookie.value}"})
    assert status == 303 and location == "/extensions", location
    assert "evil.example" not in location
