"""The JSON API (/api/v1) end to end: the real web app, services, config
database, renderers and applier, with only Asterisk faked (tests/fakes/pbx.py).

After each change the tests look at what reached the rendered config
(`web.box.pbx.store.read()`) and what "Asterisk" loaded from it.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from appliance import secrets
from appliance.fields import is_trivial_pin
from tests.api import _OPENER, Response

PASSWORD = "Unit-Test-Pass-99"  # what the `admin` fixture sets up
SECRET = "Sip2Secret4Alice"
PIN = "246813"
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt fake audio"
MSG_ID = "1796009472-00000000"
MESSAGE_TXT = """;
; Message Information file
;
[message]
origmailbox={mailbox}
context=callbox-dial-extension
exten=NOANSWER
rdnis=unknown
priority=1
callerchan=PJSIP/8001-00000003
callerid="Alice" <8001>
origdate=Mon Nov 30 03:31:12 AM UTC 2026
origtime=1796009472
category=
msg_id={msg_id}
flag=
duration=3
"""


# -- helpers --------------------------------------------------------------------


def files(api) -> dict[str, str]:
    """The live rendered config, {file name: text}."""
    return api.box.pbx.store.read()


def sections(text: str) -> list[tuple[str, dict[str, str]]]:
    """[(section name, {key: value})] of a rendered config file."""
    out: list[tuple[str, dict[str, str]]] = []
    for line in text.splitlines():
        if not line or line.startswith(";"):
            continue
        header = re.fullmatch(r"\[([^\]]+)\](?:\(.*\))?", line)
        if header:
            out.append((header.group(1), {}))
        else:
            key, _, value = line.partition(" = ")
            out[-1][1][key] = value
    return out


def pjsip_object(api, number: str, kind: str) -> dict[str, str] | None:
    """The options of pjsip.conf's section [number] with type=kind, or None."""
    found = [opts for name, opts in sections(files(api)["pjsip.conf"])
             if name == number and opts.get("type") == kind]
    assert len(found) <= 1
    return found[0] if found else None


def mailbox_line(api, number: str) -> str | None:
    """The value of `number => ...` in voicemail.conf's [default], or None."""
    found = re.search(rf"^{number} => (.*)$", files(api)["voicemail.conf"], re.M)
    return found.group(1) if found else None


def dial_line(api, number: str) -> str | None:
    found = re.search(rf"^exten => {number},(.*)$", files(api)["extensions.conf"], re.M)
    return found.group(1) if found else None


def numbers(api, query: str = "") -> list[str]:
    r = api.get("/extensions" + query)
    assert r.status == 200, r
    return [e["number"] for e in r.json["items"]]


def create(api, number="8001", name="Alice", **fields):
    r = api.post("/extensions", {"number": number, "name": name, **fields})
    assert r.status == 201, r
    return r.json


def assert_error(r, status: int, field=None, message: str | None = None):
    """An API error: this status, a JSON {"error", "field"} body, no HTML, no traceback."""
    assert r.status == status, r
    assert r.headers["Content-Type"].startswith("application/json"), r.headers["Content-Type"]
    body = r.json
    assert set(body) == {"error", "field"}, body
    assert isinstance(body["error"], str) and body["error"]
    assert body["field"] == field, body
    if message is not None:
        assert message in body["error"], body
    assert b"Traceback" not in r.body and b"<html" not in r.body.lower()
    return body


def raw_request(api, method: str, path: str, body=None, headers: dict | None = None):
    """A request with exactly these headers (Api.request only sends Bearer tokens)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(api.base + path, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with _OPENER.open(req, timeout=30) as resp:
            return Response(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, e.headers, e.read())


def put_message(api, mailbox: str, msg_id: str = MSG_ID, folder: str = "INBOX", n: int = 0):
    directory = api.box.runtime.paths.voicemail / "default" / mailbox / folder
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"msg{n:04d}.txt").write_text(MESSAGE_TXT.format(mailbox=mailbox, msg_id=msg_id))
    (directory / f"msg{n:04d}.wav").write_bytes(WAV)
    return msg_id


# -- health, setup, sign-in -----------------------------------------------------


def test_health_needs_no_sign_in(web):
    r = web.get("/health")
    assert r.status == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json == {"status": "ok", "asterisk": "up"}


def test_api_answers_are_never_cached(admin):
    for r in (admin.get("/health"), admin.get("/extensions"), admin.get("/nope")):
        assert r.headers["Cache-Control"] == "no-store", r
        assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_setup_happens_once(web):
    assert web.get("/setup").json == {"configured": False}
    r = web.post("/setup", {"admin_password": PASSWORD})
    assert r.status == 201 and r.json == {"configured": True}
    assert web.get("/setup").json == {"configured": True}

    again = web.post("/setup", {"admin_password": "Another-Pass-42"})
    assert_error(again, 409, None, "already set up")
    # The second attempt did not change the password.
    assert web.post("/auth/login", {"username": "admin", "password": PASSWORD}).status == 200
    assert web.post("/auth/login", {"username": "admin", "password": "Another-Pass-42"}).status == 401


WEAK_PASSWORDS = [
    "Sh0rt!",                 # under 10 characters
    "abcdefghij",             # one class of characters
    "abcdefghi1",             # two classes and under 16 characters
    "ABCDEFGHIJKL-",          # two classes (upper, symbol)
    "aaaaaaaaaaaaaaaaaaaa",   # long but one repeated character
    "Aa1!Aa1!Aa1!",           # four classes, four different characters
    "x" * 257,
    12345678901234,
    None,
]


def test_setup_refuses_weak_passwords(web):
    for password in WEAK_PASSWORDS:
        r = web.post("/setup", {"admin_password": password})
        assert (r.status, r.json["field"]) == (422, "admin_password"), (password, r)
    assert web.get("/setup").json == {"configured": False}
    assert web.post("/setup", {"admin_password": "Strong-Enough-1"}).status == 201


def test_setup_needs_a_json_object(web):
    assert_error(web.post("/setup", raw=b'{"admin_password": '), 400, None, "not valid JSON")
    assert_error(web.post("/setup", ["Unit-Test-Pass-99"]), 422, "admin_password")
    assert web.get("/setup").json == {"configured": False}


def test_login_gives_a_token_that_works(web):
    web.post("/setup", {"admin_password": PASSWORD})
    r = web.post("/auth/login", {"username": "admin", "password": PASSWORD})
    assert r.status == 200
    assert set(r.json) == {"token", "expires_at", "role"}
    assert r.json["role"] == "admin"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", r.json["expires_at"])
    assert len(r.json["token"]) >= 32
    assert web.get("/extensions", token=r.json["token"]).status == 200


def test_wrong_password_and_unknown_user_look_the_same(web):
    web.post("/setup", {"admin_password": PASSWORD})
    wrong = assert_error(web.post("/auth/login", {"username": "admin", "password": "Unit-Test-Pass-98"}), 401)
    unknown = assert_error(web.post("/auth/login", {"username": "root", "password": PASSWORD}), 401)
    assert wrong == unknown == {"error": "wrong user name or password", "field": None}


def test_login_needs_user_name_and_password(web):
    web.post("/setup", {"admin_password": PASSWORD})
    for body in ({}, {"username": "admin"}, {"username": "admin", "password": 123}, ["admin"]):
        assert_error(web.post("/auth/login", body), 422, None, "username and password are required")


def test_logout_closes_only_that_session(admin):
    other = admin.post("/auth/login", {"username": "admin", "password": PASSWORD}).json["token"]
    r = admin.post("/auth/logout")
    assert r.status == 204 and r.body == b""
    assert_error(admin.get("/extensions"), 401, None, "sign in again")
    assert_error(admin.post("/auth/logout"), 401)
    assert admin.get("/extensions", token=other).status == 200


# -- authentication on every other route ------------------------------------------

PROTECTED = [
    ("GET", "/extensions"),
    ("POST", "/extensions"),
    ("GET", "/extensions/8001"),
    ("PUT", "/extensions/8001"),
    ("PATCH", "/extensions/8001"),
    ("DELETE", "/extensions/8001"),
    ("GET", "/extensions/8001/voicemail"),
    ("GET", f"/extensions/8001/voicemail/{MSG_ID}"),
    ("DELETE", f"/extensions/8001/voicemail/{MSG_ID}"),
    ("GET", "/settings"),
    ("PATCH", "/settings"),
    ("POST", "/auth/logout"),
]


AUTHORIZATION = {
    "none": None,
    "bogus token": "Bearer bogus-token",
    "empty token": "Bearer ",
    "basic": "Basic YWRtaW46VW5pdC1UZXN0LVBhc3MtOTk=",
    "token without scheme": "{token}",
    "token with other scheme": "Token {token}",
}


@pytest.mark.parametrize("method,path", PROTECTED, ids=[f"{m} {p}" for m, p in PROTECTED])
def test_routes_need_a_valid_session(admin, method, path):
    create(admin, "8001", "Alice", secret=SECRET)
    put_message(admin, "8001")
    before = (admin.get("/extensions").json, admin.get("/settings").json, files(admin))
    body = {"number": "8001", "name": "Mallory", "ring_timeout": 60} if method in ("POST", "PUT", "PATCH") else None
    for case, header in AUTHORIZATION.items():
        headers = {} if header is None else {"Authorization": header.format(token=admin.token)}
        r = raw_request(admin, method, path, body, headers)
        assert r.status == 401, (case, r)
        assert_error(r, 401)
    assert (admin.get("/extensions").json, admin.get("/settings").json, files(admin)) == before
    assert admin.box.pbx.asterisk.removed == []
    assert admin.get("/extensions").status == 200  # the session itself is still open


# -- extensions: create and read ---------------------------------------------------


def test_create_extension_renders_it_and_asterisk_loads_it(admin):
    r = admin.post("/extensions", {"number": "8001", "name": "Alice"})
    assert r.status == 201, r
    assert r.headers["Location"] == "/api/v1/extensions/8001"
    assert r.headers["Callbox-Applied"] == "true"
    assert r.headers["Callbox-Revision"].isdigit()
    ext = r.json
    assert set(ext) == {"number", "name", "secret", "email", "voicemail_enabled", "voicemail_pin",
                        "created_at", "updated_at", "registration", "recording", "dnd", "forward", "pickup_groups",
                        "intercom", "follow_me", "permission_class", "language", "browser_phone",
                        "transport", "srtp"}
    assert (ext["number"], ext["name"], ext["email"], ext["voicemail_enabled"], ext["registration"]) == \
        ("8001", "Alice", None, True, None)
    # A generated secret: 20 letters and digits, both present.
    assert re.fullmatch(r"[A-Za-z0-9]{20}", ext["secret"])
    assert re.search(r"[A-Za-z]", ext["secret"]) and re.search(r"[0-9]", ext["secret"])
    # A generated PIN: 6 digits, not guessable, not the number.
    assert re.fullmatch(r"[0-9]{6}", ext["voicemail_pin"]) and not is_trivial_pin(ext["voicemail_pin"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", ext["created_at"])
    assert admin.get("/extensions/8001").json == ext

    endpoint = pjsip_object(admin, "8001", "endpoint")
    assert endpoint["callerid"] == '"Alice" <8001>'
    assert endpoint["mailboxes"] == "8001@default"
    assert (endpoint["auth"], endpoint["aors"], endpoint["context"]) == ("8001", "8001", "callbox-phones")
    assert pjsip_object(admin, "8001", "auth")["password"] == ext["secret"]
    assert pjsip_object(admin, "8001", "auth")["username"] == "8001"
    assert pjsip_object(admin, "8001", "aor") is not None
    assert mailbox_line(admin, "8001") == f"{ext['voicemail_pin']},Alice"
    assert dial_line(admin, "8001") == "1,Gosub(callbox-dial-extension,s,1(8001,1,never,0,,,,international))"
    asterisk = admin.box.pbx.asterisk
    assert asterisk.endpoints() == {"8001"}
    assert asterisk.mailboxes() == {"8001"}


def test_two_extensions_get_different_secrets(admin):
    a, b = create(admin, "8001", "Alice"), create(admin, "8002", "Bob")
    assert a["secret"] != b["secret"]
    assert admin.box.pbx.asterisk.endpoints() == {"8001", "8002"}


def test_create_with_everything_given(admin):
    ext = create(admin, "8001", "Alice", secret=SECRET, voicemail_pin=PIN, email="alice@example.com")
    assert (ext["secret"], ext["voicemail_pin"], ext["email"]) == (SECRET, PIN, "alice@example.com")
    assert pjsip_object(admin, "8001", "auth")["password"] == SECRET
    assert mailbox_line(admin, "8001") == f"{PIN},Alice"


def test_create_without_voicemail(admin):
    ext = create(admin, "8001", "Alice", voicemail_enabled=False)
    assert (ext["voicemail_enabled"], ext["voicemail_pin"]) == (False, None)
    assert "mailboxes" not in pjsip_object(admin, "8001", "endpoint")
    assert mailbox_line(admin, "8001") is None
    assert dial_line(admin, "8001") == "1,Gosub(callbox-dial-extension,s,1(8001,0,never,0,,,,international))"
    assert admin.box.pbx.asterisk.endpoints() == {"8001"}
    assert admin.box.pbx.asterisk.mailboxes() == set()


def test_generated_secret_never_contains_the_number(admin, monkeypatch):
    made = iter(["abc81def81ghi81jkl8", "abc12def34ghi56jkl7"])
    monkeypatch.setattr(secrets, "sip_secret", lambda length=20: next(made))
    ext = create(admin, "81", "Short Number")
    assert ext["secret"] == "abc12def34ghi56jkl7"


def test_duplicate_number_is_a_conflict(admin):
    create(admin, "8001", "Alice", secret=SECRET)
    before = (admin.get("/extensions").json, files(admin))
    assert_error(admin.post("/extensions", {"number": "8001", "name": "Bob"}), 409, "number", "already in use")
    assert (admin.get("/extensions").json, files(admin)) == before
    assert admin.get("/extensions/8001").json["name"] == "Alice"


def test_unknown_extension_is_404(admin):
    body = assert_error(admin.get("/extensions/9999"), 404)
    assert body == {"error": "no extension 9999", "field": None}


# -- extensions: the list ------------------------------------------------------------


@pytest.fixture
def four(admin):
    for number, name in (("8001", "Carol"), ("900", "Bob"), ("81", "Dave"), ("8002", "Alice")):
        create(admin, number, name)
    return admin


def test_list_sorts(four):
    r = four.get("/extensions")
    assert (r.json["page"], r.json["per_page"], r.json["total"]) == (1, 50, 4)
    assert [e["number"] for e in r.json["items"]] == ["81", "900", "8001", "8002"]  # numerically
    for sort, expected in (
        ("number", ["81", "900", "8001", "8002"]),
        ("-number", ["8002", "8001", "900", "81"]),
        ("name", ["8002", "900", "8001", "81"]),     # Alice, Bob, Carol, Dave
        ("-name", ["81", "8001", "900", "8002"]),
    ):
        assert numbers(four, f"?sort={sort}") == expected, sort


def test_list_items_are_whole_extensions(four):
    items = four.get("/extensions").json["items"]
    assert items[2] == four.get("/extensions/8001").json


def test_list_pages(four):
    r = four.get("/extensions?per_page=3&page=1")
    assert [e["number"] for e in r.json["items"]] == ["81", "900", "8001"]
    assert (r.json["page"], r.json["per_page"], r.json["total"]) == (1, 3, 4)
    r = four.get("/extensions?per_page=3&page=2")
    assert [e["number"] for e in r.json["items"]] == ["8002"]
    assert (r.json["page"], r.json["total"]) == (2, 4)
    r = four.get("/extensions?per_page=3&page=3")
    assert r.json["items"] == [] and r.json["total"] == 4


def test_list_searches_numbers_and_names(four):
    for q, expected in (
        ("80", ["8001", "8002"]),
        ("al", ["8002"]),          # "Alice": names match regardless of case
        ("o", ["900", "8001"]),    # Bob, Carol
        ("9", ["900"]),
        ("%", []),                 # LIKE wildcards are matched literally
        ("_", []),
        ("zz", []),
    ):
        r = four.get("/extensions?q=" + urllib.parse.quote(q))
        assert ([e["number"] for e in r.json["items"]], r.json["total"]) == (expected, len(expected)), q
    r = four.get("/extensions?q=80&per_page=1&sort=-number")
    assert ([e["number"] for e in r.json["items"]], r.json["total"]) == (["8002"], 2)


def test_list_search_with_non_latin_text(admin):
    create(admin, "8001", "张伟")
    create(admin, "8002", "Zoë Ünal")
    assert numbers(admin, "?q=%E5%BC%A0") == ["8001"]       # 张
    assert numbers(admin, "?q=Zo%C3%AB") == ["8002"]        # Zoë


BAD_LIST_PARAMETERS = [
    ("sort=size", "sort"),
    ("sort=number;drop", "sort"),
    ("page=abc", "page"),
    ("page=-1", "page"),
    ("page=1.5", "page"),
    ("page=%B2", "page"),                       # '²' is a Unicode digit, not a page number
    ("page=99999999999999999999", "page"),      # beyond what SQLite can page to
    ("per_page=0", "per_page"),
    ("per_page=1001", "per_page"),
    ("per_page=x", "per_page"),
]


def test_list_refuses_bad_parameters(four):
    for query, field in BAD_LIST_PARAMETERS:
        r = four.get("/extensions?" + query)
        assert (r.status, r.json["field"]) == (422, field), (query, r)
        assert_error(r, 422, field)
    r = four.get("/extensions?page=0")
    assert (r.status, r.json["field"], r.json["error"]) == (422, "page", "page: must be 1 or more")


# -- extensions: replace and change ------------------------------------------------


def test_put_replaces_name_and_keeps_secret_and_pin(admin):
    before = create(admin, "8001", "Alice", secret=SECRET, voicemail_pin=PIN)
    r = admin.put("/extensions/8001", {"name": "Alicia"})
    assert r.status == 200, r
    assert r.headers["Callbox-Applied"] == "true"
    assert (r.json["name"], r.json["secret"], r.json["voicemail_pin"]) == ("Alicia", SECRET, PIN)
    assert r.json["created_at"] == before["created_at"]
    assert r.json["updated_at"] > before["updated_at"]
    assert admin.get("/extensions/8001").json == r.json
    assert pjsip_object(admin, "8001", "endpoint")["callerid"] == '"Alicia" <8001>'
    assert pjsip_object(admin, "8001", "auth")["password"] == SECRET
    assert mailbox_line(admin, "8001") == f"{PIN},Alicia"


def test_put_may_repeat_the_number(admin):
    create(admin, "8001", "Alice")
    r = admin.put("/extensions/8001", {"number": "8001", "name": "Alicia", "secret": SECRET})
    assert r.status == 200 and r.json["secret"] == SECRET
    assert pjsip_object(admin, "8001", "auth")["password"] == SECRET


def test_put_needs_a_name(admin):
    create(admin, "8001", "Alice")
    before = (admin.get("/extensions").json, files(admin))
    assert_error(admin.put("/extensions/8001", {"secret": SECRET}), 422, "name", "is required")
    assert (admin.get("/extensions").json, files(admin)) == before


def test_number_cannot_change(admin):
    create(admin, "8001", "Alice")
    before = (admin.get("/extensions").json, files(admin))
    assert_error(admin.put("/extensions/8001", {"number": "8002", "name": "Alice"}), 422, "number", "cannot be changed")
    assert_error(admin.patch("/extensions/8001", {"number": "8002"}), 422, "number")
    assert (admin.get("/extensions").json, files(admin)) == before
    assert_error(admin.get("/extensions/8002"), 404)


def test_put_and_patch_on_unknown_extension_are_404(admin):
    assert_error(admin.put("/extensions/9999", {"name": "Nobody"}), 404)
    assert_error(admin.patch("/extensions/9999", {"name": "Nobody"}), 404)
    assert numbers(admin) == []


def test_patch_changes_only_what_is_given(admin):
    before = create(admin, "8001", "Alice", secret=SECRET, voicemail_pin=PIN)
    r = admin.patch("/extensions/8001", {"email": "alice@example.com"})
    assert r.status == 200, r
    assert r.json == {**before, "email": "alice@example.com", "updated_at": r.json["updated_at"]}
    r = admin.patch("/extensions/8001", {"secret": "New2SecretForAlice"})
    assert (r.json["name"], r.json["email"], r.json["secret"]) == ("Alice", "alice@example.com", "New2SecretForAlice")
    assert pjsip_object(admin, "8001", "auth")["password"] == "New2SecretForAlice"
    r = admin.patch("/extensions/8001", {"voicemail_pin": "975318"})
    assert r.json["voicemail_pin"] == "975318"
    assert mailbox_line(admin, "8001") == "975318,Alice"


def test_patch_with_nothing_to_change(admin):
    before = create(admin, "8001", "Alice")
    rendered = files(admin)
    r = admin.patch("/extensions/8001", {})
    assert r.status == 200 and r.json == before
    assert r.headers["Callbox-Applied"] == "true"
    assert files(admin) == rendered


def test_voicemail_off_and_on_again(admin):
    create(admin, "8001", "Alice", voicemail_pin=PIN)
    create(admin, "8002", "Bob")
    r = admin.patch("/extensions/8001", {"voicemail_enabled": False})
    assert r.status == 200, r
    assert (r.json["voicemail_enabled"], r.json["voicemail_pin"]) == (False, None)
    assert mailbox_line(admin, "8001") is None
    assert mailbox_line(admin, "8002") is not None
    assert "mailboxes" not in pjsip_object(admin, "8001", "endpoint")
    assert dial_line(admin, "8001") == "1,Gosub(callbox-dial-extension,s,1(8001,0,never,0,,,,international))"
    assert admin.box.pbx.asterisk.mailboxes() == {"8002"}

    r = admin.patch("/extensions/8001", {"voicemail_enabled": True, "voicemail_pin": "975318"})
    assert (r.json["voicemail_enabled"], r.json["voicemail_pin"]) == (True, "975318")
    assert mailbox_line(admin, "8001") == "975318,Alice"
    assert pjsip_object(admin, "8001", "endpoint")["mailboxes"] == "8001@default"
    assert dial_line(admin, "8001") == "1,Gosub(callbox-dial-extension,s,1(8001,1,never,0,,,,international))"
    assert admin.box.pbx.asterisk.mailboxes() == {"8001", "8002"}


# -- extensions: delete ----------------------------------------------------------------


def test_delete_extension(admin):
    create(admin, "8001", "Alice")
    create(admin, "8002", "Bob")
    r = admin.delete("/extensions/8001")
    assert r.status == 204 and r.body == b""
    assert r.headers["Callbox-Applied"] == "true"
    assert_error(admin.get("/extensions/8001"), 404)
    assert numbers(admin) == ["8002"]
    assert pjsip_object(admin, "8001", "endpoint") is None
    assert "[8001]" not in files(admin)["pjsip.conf"]
    assert mailbox_line(admin, "8001") is None
    assert dial_line(admin, "8001") is None
    assert admin.box.pbx.asterisk.endpoints() == {"8002"}
    assert admin.box.pbx.asterisk.mailboxes() == {"8002"}
    assert_error(admin.delete("/extensions/8001"), 404)


def test_deleted_number_can_be_used_again(admin):
    first = create(admin, "8001", "Alice")
    admin.delete("/extensions/8001")
    again = create(admin, "8001", "Bob")
    assert again["secret"] != first["secret"]
    assert pjsip_object(admin, "8001", "endpoint")["callerid"] == '"Bob" <8001>'


# -- changes the PBX refuses -----------------------------------------------------------

FAULTS = {
    "reload refused": lambda asterisk: asterisk.refuse.__setitem__("res_pjsip.so", "boom"),
    "endpoint not loaded": lambda asterisk: setattr(asterisk, "lose_endpoint", "8002"),
}


def clear_faults(asterisk):
    asterisk.refuse.clear()
    asterisk.lose_endpoint = None


@pytest.mark.parametrize("fault", FAULTS)
def test_create_refused_by_the_pbx_is_undone(admin, fault):
    create(admin, "8001", "Alice")
    listing, rendered = admin.get("/extensions").json, files(admin)
    asterisk = admin.box.pbx.asterisk
    FAULTS[fault](asterisk)

    body = assert_error(admin.post("/extensions", {"number": "8002", "name": "Bob"}), 422)
    assert body["error"].startswith("the PBX refused this change, so it was undone: ")
    assert ("boom" if fault == "reload refused" else "missing 8002") in body["error"]
    assert_error(admin.get("/extensions/8002"), 404)
    assert admin.get("/extensions").json == listing
    assert files(admin) == rendered
    assert asterisk.endpoints() == {"8001"}

    clear_faults(asterisk)
    create(admin, "8002", "Bob")
    assert numbers(admin) == ["8001", "8002"]
    assert asterisk.endpoints() == {"8001", "8002"}
    assert pjsip_object(admin, "8002", "endpoint")["callerid"] == '"Bob" <8002>'


def test_change_refused_by_the_pbx_is_undone(admin):
    create(admin, "8001", "Alice", secret=SECRET)
    before, rendered = admin.get("/extensions/8001").json, files(admin)
    admin.box.pbx.asterisk.refuse["res_pjsip.so"] = "boom"
    assert_error(admin.put("/extensions/8001", {"name": "Alicia"}), 422, None, "PBX refused")
    assert admin.get("/extensions/8001").json == before
    assert files(admin) == rendered
    clear_faults(admin.box.pbx.asterisk)
    assert admin.patch("/extensions/8001", {"name": "Alicia"}).json["name"] == "Alicia"
    assert pjsip_object(admin, "8001", "endpoint")["callerid"] == '"Alicia" <8001>'


def test_delete_refused_by_the_pbx_is_undone(admin):
    create(admin, "8001", "Alice")
    before, rendered = admin.get("/extensions").json, files(admin)
    admin.box.pbx.asterisk.refuse["res_pjsip.so"] = "boom"
    assert_error(admin.delete("/extensions/8001"), 422, None, "PBX refused")
    assert admin.get("/extensions").json == before
    assert files(admin) == rendered
    assert admin.box.pbx.asterisk.endpoints() == {"8001"}


# -- errors in general --------------------------------------------------------------------


def test_unknown_routes_and_methods_answer_json(admin):
    for method, path, status in (
        ("GET", "/nope", 404),
        ("GET", "/extensions/8001/nope", 404),
        ("PATCH", "/extensions", 405),
        ("POST", "/health", 405),
        ("DELETE", "/extensions", 405),
        ("POST", "/extensions/8001", 405),
        ("PUT", "/settings", 405),
    ):
        r = admin.request(method, path)
        assert r.status == status, (method, path, r)
        assert_error(r, status)
    assert admin.request("POST", "/health").headers["Allow"] == "GET"


def test_bad_json_is_400(admin):
    for raw in (b"{", b'{"number": "8001", "name": "Alice"', b"\xff\xfe{}", b""):
        assert_error(admin.post("/extensions", raw=raw), 400, None, "not valid JSON")
    assert numbers(admin) == []


def test_body_must_be_sent_as_json(admin):
    body = b'{"number": "8001", "name": "Alice"}'
    assert_error(admin.post("/extensions", raw=body, content_type="text/plain"), 422, None, "Content-Type")
    assert_error(admin.post("/extensions", raw=body, content_type="application/x-www-form-urlencoded"), 422)
    assert numbers(admin) == []
    r = admin.post("/extensions", raw=body, content_type="application/json; charset=utf-8")
    assert r.status == 201


# -- voicemail ---------------------------------------------------------------------------


@pytest.fixture
def mailbox(admin):
    create(admin, "8002", "Bob")
    return admin


def test_voicemail_lists_messages(mailbox):
    assert mailbox.get("/extensions/8002/voicemail").json == {"items": []}
    put_message(mailbox, "8002")
    r = mailbox.get("/extensions/8002/voicemail")
    assert r.status == 200
    assert r.json == {"items": [{
        "id": MSG_ID, "folder": "INBOX", "caller_number": "8001", "caller_name": "Alice",
        "duration": 3, "received_at": "2026-11-30T03:31:12Z",
    }]}


def test_voicemail_lists_only_this_mailbox(mailbox):
    create(mailbox, "8003", "Carol")
    put_message(mailbox, "8003", "1796009999-00000001")
    assert mailbox.get("/extensions/8002/voicemail").json == {"items": []}
    assert [m["id"] for m in mailbox.get("/extensions/8003/voicemail").json["items"]] == ["1796009999-00000001"]
    assert_error(mailbox.get("/extensions/8002/voicemail/1796009999-00000001"), 404)


def test_voicemail_audio(mailbox):
    put_message(mailbox, "8002")
    r = mailbox.get(f"/extensions/8002/voicemail/{MSG_ID}")
    assert r.status == 200
    assert r.body == WAV
    assert r.headers["Content-Type"] == "audio/wav"
    assert f'filename="voicemail-8002-{MSG_ID}.wav"' in r.headers["Content-Disposition"]


def test_voicemail_message_without_audio_is_404(mailbox):
    put_message(mailbox, "8002")
    (mailbox.box.runtime.paths.voicemail / "default/8002/INBOX/msg0000.wav").unlink()
    assert_error(mailbox.get(f"/extensions/8002/voicemail/{MSG_ID}"), 404)


BAD_MESSAGE_IDS = [
    "1796009472-00000001",
    "..%2F..%2Fetc",
    "..%2F..%2F..%2F8002%2FINBOX%2Fmsg0000.wav",
    "..",
    "%2E%2E",
    "msg0000.wav",
    "INBOX%2Fmsg0000",
    "a" * 65,
]


def test_voicemail_unknown_or_path_like_id_is_404(mailbox):
    put_message(mailbox, "8002")
    (mailbox.box.runtime.paths.voicemail / "etc").write_bytes(b"secret")
    for msg_id in BAD_MESSAGE_IDS:
        for method in ("GET", "DELETE"):
            r = mailbox.request(method, f"/extensions/8002/voicemail/{msg_id}")
            assert r.status == 404, (method, msg_id, r)
            assert_error(r, 404)
    assert mailbox.box.pbx.asterisk.removed == []


def test_voicemail_delete_asks_asterisk(mailbox):
    put_message(mailbox, "8002")
    r = mailbox.delete(f"/extensions/8002/voicemail/{MSG_ID}")
    assert r.status == 204 and r.body == b""
    assert mailbox.box.pbx.asterisk.removed == [("8002", "INBOX", MSG_ID)]


def test_voicemail_of_extension_without_mailbox_is_404(mailbox):
    put_message(mailbox, "8002")
    mailbox.patch("/extensions/8002", {"voicemail_enabled": False})
    assert_error(mailbox.get("/extensions/8002/voicemail"), 404, "voicemail_enabled")
    assert_error(mailbox.get(f"/extensions/8002/voicemail/{MSG_ID}"), 404, "voicemail_enabled")
    assert_error(mailbox.delete(f"/extensions/8002/voicemail/{MSG_ID}"), 404, "voicemail_enabled")
    assert mailbox.box.pbx.asterisk.removed == []
    # Messages stay in the spool while voicemail is off.
    mailbox.patch("/extensions/8002", {"voicemail_enabled": True})
    assert [m["id"] for m in mailbox.get("/extensions/8002/voicemail").json["items"]] == [MSG_ID]


def test_voicemail_of_unknown_extension_is_404(mailbox):
    assert_error(mailbox.get("/extensions/9999/voicemail"), 404, None, "no extension 9999")


# -- settings ------------------------------------------------------------------------------


HOST_DEFAULTS = {"role": "headquarters", "timezone": "UTC", "ntp_servers": ["pool.ntp.org"], "wizard_done": False,
                 "country_code": "", "national_prefix": "0", "customer_lookup_url": "",
                 "customer_lookup_timeout_ms": 800, "recording_retention_days": 90, "recording_quota_mb": 20000,
                 "call_event_retention_days": 90, "call_record_retention_months": 0,
                 "park_slots": 8, "park_timeout": 45, "language": "en", "emergency_numbers": ["110", "112", "119", "120", "122"],
                 "blacklist_destination": None,
                 "ticket_kinds": ["complaint", "report", "consultation", "suggestion"],
                 "ticket_remind_before_minutes": [60], "ticket_overdue_repeat_minutes": 240,
                 "ticket_escalate_after_minutes": 120, "ticket_escalation_email": [], "ticket_mailboxes": [],
                 "ticket_mailbox_kind": "suggestion", "fax_email": [],
                 "tls_certificate": "", "sip_external_address": "", "sip_local_networks": [],
                 "log_rotate_mb": 20, "log_rotate_days": 7, "log_keep": 5, "log_quota_mb": 500,
                 "voicemail_quota_mb": 5000, "alert_email": [], "software_spans": False,
                 "network": {"interfaces": [], "vlans": [], "routes": [], "dns": [], "confirm_seconds": 60}}


def test_settings_defaults(admin):
    assert admin.get("/settings").json == {"hostname": "callbox", "ring_timeout": 20,
                                           "voicemail_max_seconds": 300, "tone_zone": "us", **HOST_DEFAULTS}
    assert "CALLBOX_RING_TIMEOUT = 20" in files(admin)["extensions.conf"].splitlines()


def test_settings_ring_timeout_reaches_the_dial_plan(admin):
    r = admin.patch("/settings", {"ring_timeout": 30})
    assert r.status == 200, r
    assert r.headers["Callbox-Applied"] == "true"
    assert r.json["ring_timeout"] == 30
    assert admin.get("/settings").json["ring_timeout"] == 30
    lines = files(admin)["extensions.conf"].splitlines()
    assert "CALLBOX_RING_TIMEOUT = 30" in lines
    assert "CALLBOX_RING_TIMEOUT = 20" not in lines
    assert admin.box.pbx.asterisk.getvar("CALLBOX_RING_TIMEOUT") == "30"
    # Back to the default.
    assert admin.patch("/settings", {"ring_timeout": 20}).json["ring_timeout"] == 20
    assert "CALLBOX_RING_TIMEOUT = 20" in files(admin)["extensions.conf"].splitlines()


def test_settings_other_values_reach_their_files(admin):
    r = admin.patch("/settings", {"voicemail_max_seconds": 600, "tone_zone": "uk", "hostname": "desk-1"})
    assert r.json == {"hostname": "desk-1", "ring_timeout": 20, "voicemail_max_seconds": 600, "tone_zone": "uk",
                      **HOST_DEFAULTS}
    assert "maxsecs = 600" in files(admin)["voicemail.conf"].splitlines()
    assert "country = uk" in files(admin)["indications.conf"].splitlines()


def test_language_of_the_box_and_of_each_resource_reaches_asterisk(admin):
    """The box's language is what callers hear everywhere; an extension, trunk, route, IVR or
    queue may say otherwise for itself."""
    assert admin.post("/extensions", {"number": "8101", "name": "Li"}).status == 201
    assert admin.post("/extensions", {"number": "8102", "name": "Ann", "language": "en"}).status == 201
    r = admin.patch("/settings", {"language": "zh"})
    assert r.status == 200 and r.json["language"] == "zh", r
    assert pjsip_object(admin, "8101", "endpoint")["language"] == "zh"
    assert pjsip_object(admin, "8102", "endpoint")["language"] == "en"
    trunk = admin.post("/trunks", {"name": "Provider", "host": "198.51.100.7", "language": "en"})
    assert trunk.status == 201 and trunk.json["language"] == "en", trunk
    assert pjsip_object(admin, f"trunk-{trunk.json['id']}", "endpoint")["language"] == "en"
    route = admin.post("/inbound-routes", {"name": "Hotline", "did": "12345",
                                           "destination": {"kind": "extension", "target": "8101"},
                                           "language": "zh"})
    assert route.status == 201 and route.json["language"] == "zh", route
    queue = admin.post("/queues", {"number": "600", "name": "Sales", "language": "en", "callback": True})
    assert queue.status == 201 and queue.json["language"] == "en", queue
    dialplan = files(admin)["extensions.conf"]
    assert "same => n,Set(CHANNEL(language)=zh)" in dialplan.split("exten => 12345,1,")[1].split("exten =>")[0]
    assert "same => n,Set(CHANNEL(language)=en)" in dialplan.split("[callbox-queue-600]")[1].split("\n[")[0]
    assert "periodic-announce = /usr/share/callbox/sounds/en/callback-offer" in files(admin)["queues.conf"]
    assert admin.patch("/extensions/8101", {"language": "fr"}).status == 422
    assert admin.patch("/settings", {"language": None}).status == 422


BAD_SETTINGS = [
    ({"ring_timeout": 4}, "ring_timeout"),
    ({"ring_timeout": 121}, "ring_timeout"),
    ({"ring_timeout": "30"}, "ring_timeout"),
    ({"ring_timeout": 30.5}, "ring_timeout"),
    ({"ring_timeout": None}, "ring_timeout"),
    ({"ring_timeout": True}, "ring_timeout"),
    ({"voicemail_max_seconds": 9}, "voicemail_max_seconds"),
    ({"tone_zone": "de"}, "tone_zone"),
    ({"hostname": "Box_1"}, "hostname"),
    ({"hostname": "box\n1"}, "hostname"),
    ({"ring_volume": 3}, "ring_volume"),
    ({"ring_timeout": 30, "colour": "red"}, "colour"),
]


def test_settings_refuse_bad_values(admin):
    before = (admin.get("/settings").json, files(admin))
    for body, field in BAD_SETTINGS:
        r = admin.patch("/settings", body)
        assert (r.status, r.json["field"]) == (422, field), (body, r)
        assert_error(r, 422, field)
        assert (admin.get("/settings").json, files(admin)) == before, body


def test_settings_need_an_object(admin):
    assert_error(admin.patch("/settings", [{"ring_timeout": 30}]), 422, None, "JSON object")
    assert_error(admin.patch("/settings", raw=b"{ring_timeout: 30}"), 400)
    assert admin.get("/settings").json["ring_timeout"] == 20


# -- prompts ---------------------------------------------------------------------------------


def test_a_prompt_is_replaced_played_and_reset_over_the_api(admin, tmp_path):
    from tests.audio import write_tone

    src = admin.box.pbx.prompt_sources
    (src.asterisk / "sounds" / "zh" / "digits").mkdir(parents=True)
    (src.asterisk / "sounds" / "zh" / "digits" / "8.gsm").write_bytes(b"stock eight")
    (src.own / "zh").mkdir(parents=True)
    (src.own / "zh" / "survey.wav").write_bytes(b"RIFF stock survey")
    listing = admin.get("/system-prompts/zh?q=digits")
    assert listing.status == 200, listing
    assert listing.json == {"items": [{"name": "digits/8", "language": "zh", "replaced": False}], "total": 1}
    tone = write_tone(tmp_path / "tone.wav", 1000, 0.5).read_bytes()
    r = admin.put("/system-prompts/zh/digits/8", raw=tone, content_type="audio/wav")
    assert r.status == 200 and r.json["replaced"] is True, r
    assert admin.get("/system-prompts/zh/digits/8").body[:4] == b"RIFF"
    live = src.live / "current" / "share" / "sounds" / "zh" / "digits"
    assert [p.name for p in live.iterdir()] == ["8.wav"]
    assert admin.get("/system-prompts/zh?q=digits").json["items"][0]["replaced"] is True
    assert admin.put("/system-prompts/zh/callbox/nothing", raw=tone, content_type="audio/wav").status == 404
    assert admin.put("/system-prompts/fr/digits/8", raw=tone, content_type="audio/wav").status == 404
    assert admin.put("/system-prompts/zh/digits/8", raw=b"text", content_type="audio/wav").status == 422
    assert admin.delete("/system-prompts/zh/digits/8").status == 204
    assert admin.get("/system-prompts/zh/digits/8").body == b"stock eight"
    assert [p.name for p in live.iterdir()] == ["8.gsm"]
