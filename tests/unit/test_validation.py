"""Hostile and bad input: refused with a 422 naming the field, and nothing changes.

Three layers are tested: the service (every bad value, cheaply, against the
config database and the real applier), the API (the same values over HTTP,
checking the listing and the live rendered files stay as they were), and the
config writer (appliance/pbx/conf.py), the backstop that refuses to write any
value that would change a file's meaning.
"""

from __future__ import annotations

import json
import re

import pytest

from appliance.db import change
from appliance.db.journal import utcnow
from appliance.db.models import Change, ChangeRow, Extension, Mailbox
from appliance.errors import Invalid
from appliance.extensions import service
from appliance.pbx.conf import MAX_VALUE, ConfFile, UnsafeValue, check_value, list_value

SECRET = "Sip2Secret4Alice"
PIN = "246813"
EXISTING = {"number": "8001", "name": "Alice", "secret": SECRET, "voicemail_pin": PIN, "email": "alice@example.com"}
NEW = {"number": "8003", "name": "Carol"}

# (field, bad value); "{n}" in a string stands for the number of the extension
# the value is sent for (8003 when creating, 8001 when changing).
BAD = {
    "number": [
        "80a1", "abcd", "0801", "8", "123456789", "80 01", "８００１", "+8001", "-801", "8e3", "",
        "8001\n", "8001\r", "\n8001", "8001\x00", "8001\u2028",
        8001, 8001.0, True, None, ["8001"], {"number": "8001"},
    ],
    "name": [
        "Al\nice", "Alice\n", "Al\rice", "Al\r\nice", "Al;ice", "[Alice", "Alice]", "]Alice[", 'Al"ice', "<Alice>",
        "Al<ice", "Al>ice", "Al\\ice", "Al$ice", "${SHELL}", "Al{ice", "Al}ice", "Al`ice`",
        "x" * 10_000, "x" * 65, "", "   ", "Al\x00ice", "Al\u2028ice", "Al\u2029ice", "Al\tice", "\tAlice",
        "Al\x7fice", "Al\u0085ice", "Al\u200bice", "Al\u00a0ice",
        "Eve\n[8002]\ntype=endpoint", 'Eve" <8002>', 42, None, ["Alice"],
    ],
    "secret": [
        "Ab1", "Abcdefghij1", "abcdefghijklmn", "12345678901234", "abcdef 1234567", "abcdef;1234567",
        "abcd{n}efgh12", "{n}abcdefgh1", "a1" * 33, "abcdef1234567\n", " abcdef1234567", "abcdéf1234567",
        'abcdef"1234567', "abcdef[1234567", "abcdef\x001234567", 12345678901234, None, ["abcdef1234567"],
    ],
    "voicemail_pin": [
        "12ab", "123", "1357913579135", "1111", "0000", "1234", "4321", "123456", "987654", "{n}",
        "13 57", "1357\n", "١٣٥٧", "-1357", "", 1357, None,
    ],
    "email": [
        "alice.example.com", "alice @example.com", "alice@exa mple.com", "alice@example.com\nBcc: eve@example.com",
        "alice@example.com\n", "alice@@example.com", "alice@example", "alice..b@example.com", "<alice@example.com>",
        "alice@example.com;x", "alice@example.com,eve@example.com", 42, ["alice@example.com"],
    ],
    "voicemail_enabled": ["yes", "true", "false", "1", "0", 1, 0, 1.0, "", None, []],
}
UNKNOWN = [("foo", 1), ("id", 5), ("created_at", "2020-01-01T00:00:00Z"), ("registration", None),
           ("Name", "Alice"), ("number ", "8003"), ("", "x")]
NOT_OBJECTS = [[], ["8003"], [NEW], "8003", 8003, True, None]

CASES = [(field, value) for field, values in BAD.items() for value in values] + UNKNOWN


# -- helpers -----------------------------------------------------------------------------


def fill(value, number: str):
    return value.replace("{n}", number) if isinstance(value, str) else value


def case_id(case) -> str:
    field, value = case
    return f"{field}={value!r}"[:60]


def rows() -> dict:
    """Every config and journal row, as stored."""
    return {model.__name__: list(model.select().order_by(model._meta.primary_key).tuples())
            for model in (Extension, Mailbox, Change, ChangeRow)}


def api_state(api):
    """What a client and Asterisk see: the full listing and the live rendered files."""
    r = api.get("/extensions?per_page=1000")
    assert r.status == 200
    return r.json, api.box.pbx.store.read()


def refused(r, field, what):
    """The response is a 422 naming `field`; `what` says which case, for the failure message."""
    assert r.status == 422, (what, r)
    body = r.json
    assert set(body) == {"error", "field"}, (what, body)
    assert body["field"] == field, (what, body)
    assert body["error"], what
    return body


@pytest.fixture
def seeded(pbx):
    """A booted PBX (no web server) with extension 8001 applied."""
    service.create(dict(EXISTING), "test")
    assert pbx.applier.apply_once() == "applied"
    return pbx


@pytest.fixture
def box(admin):
    """The signed-in API client of a box with extension 8001."""
    r = admin.post("/extensions", EXISTING)
    assert r.status == 201, r
    return admin


# -- the service layer: every bad value --------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_create_refuses(seeded, case):
    field, value = case
    before, rendered = rows(), seeded.store.read()
    with pytest.raises(Invalid) as err:
        service.create({**NEW, field: fill(value, NEW["number"])}, "test")
    assert (err.value.status, err.value.field) == (422, field), err.value.message
    assert err.value.message.startswith(f"{field}: ") if field else True
    assert rows() == before
    assert seeded.applier.apply_once() == "idle"
    assert seeded.store.read() == rendered


@pytest.mark.parametrize("partial", [True, False], ids=["patch", "put"])
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_update_refuses(seeded, case, partial):
    field, value = case
    before, rendered = rows(), seeded.store.read()
    data = {field: fill(value, "8001")} if partial else {"name": "Alicia", field: fill(value, "8001")}
    with pytest.raises(Invalid) as err:
        service.update("8001", data, "test", partial=partial)
    assert (err.value.status, err.value.field) == (422, field), err.value.message
    assert rows() == before
    assert seeded.applier.apply_once() == "idle"
    assert seeded.store.read() == rendered


@pytest.mark.parametrize("data", NOT_OBJECTS, ids=repr)
def test_service_needs_an_object(seeded, data):
    before = rows()
    for call in (lambda: service.create(data, "test"),
                 lambda: service.update("8001", data, "test", partial=True),
                 lambda: service.update("8001", data, "test", partial=False)):
        with pytest.raises(Invalid) as err:
            call()
        assert (err.value.field, err.value.message) == (None, "expected a JSON object")
    assert rows() == before


def test_blanks_around_values_are_trimmed(seeded):
    ext, box, _ = service.create({"number": " 8003 ", "name": "  Carol  ", "voicemail_pin": " 135791 ",
                                  "email": " carol@example.com "}, "test")
    assert (ext.number, ext.name, box.pin, ext.email) == ("8003", "Carol", "135791", "carol@example.com")


# -- the API: the same values over HTTP --------------------------------------------------

METHODS = {
    "POST": lambda api, body: api.post("/extensions", body),
    "PUT": lambda api, body: api.put("/extensions/8001", body),
    "PATCH": lambda api, body: api.patch("/extensions/8001", body),
}


def body_for(method: str, field: str, value) -> dict:
    if method == "POST":
        return {**NEW, field: fill(value, NEW["number"])}
    if method == "PUT":
        return {"name": "Alicia", field: fill(value, "8001")}
    return {field: fill(value, "8001")}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("field", [*BAD, "unknown"])
def test_api_refuses_bad_values(box, method, field):
    before = api_state(box)
    cases = UNKNOWN if field == "unknown" else [(field, v) for v in BAD[field]]
    for name, value in cases:
        what = f"{method} {name}={value!r}"[:80]
        refused(METHODS[method](box, body_for(method, name, value)), name, what)
        assert api_state(box) == before, what
    assert box.box.pbx.asterisk.endpoints() == {"8001"}


@pytest.mark.parametrize("method", METHODS)
def test_api_needs_a_json_object(box, method):
    before = api_state(box)
    path = "/extensions" if method == "POST" else "/extensions/8001"
    for data in NOT_OBJECTS:
        r = box.request(method, path, raw=json.dumps(data).encode())
        assert refused(r, None, f"{method} {data!r}")["error"] == "expected a JSON object"
    assert api_state(box) == before


def test_api_duplicate_number_with_other_bad_values_names_the_bad_field(box):
    before = api_state(box)
    refused(box.post("/extensions", {"number": "8001", "name": "Al;ice"}), "name", "duplicate with bad name")
    assert api_state(box) == before


# -- names that are fine -----------------------------------------------------------------

GOOD_NAMES = [
    ("张伟", "张伟"),
    ("Zoë Ünal", "Zoë Ünal"),
    ("Zoe\u0308 Decomposed", "Zoe\u0308 Decomposed"),
    ("O'Brien, Pat", "O'Brien, Pat"),
    ("Smith & Sons (Sales)", "Smith & Sons (Sales)"),
    ("Ana 😀 #1 100% a=b", "Ana 😀 #1 100% a=b"),
    ("  Padded  ", "Padded"),
    ("x" * 64, "x" * 64),
]


@pytest.mark.parametrize("sent,stored", GOOD_NAMES, ids=[n for n, _ in GOOD_NAMES])
def test_api_accepts_names_intact(box, sent, stored):
    r = box.post("/extensions", {"number": "8003", "name": sent, "voicemail_pin": "135791"})
    assert r.status == 201, r
    assert r.json["name"] == stored
    assert box.get("/extensions/8003").json["name"] == stored
    assert box.patch("/extensions/8001", {"name": sent}).json["name"] == stored

    files = box.box.pbx.store.read()
    for number in ("8003", "8001"):
        assert f'callerid = "{stored}" <{number}>' in files["pjsip.conf"].splitlines()
    # voicemail.conf separates fields with commas: there a comma in a name becomes a space.
    mailbox_name = stored.replace(",", " ")
    assert "8003 => 135791," + mailbox_name in files["voicemail.conf"].splitlines()
    assert f"8001 => {PIN}," + mailbox_name in files["voicemail.conf"].splitlines()
    assert box.box.pbx.asterisk.endpoints() == {"8001", "8003"}
    assert box.box.pbx.asterisk.mailboxes() == {"8001", "8003"}


def test_name_of_only_commas_gives_mailbox_the_number(box):
    r = box.post("/extensions", {"number": "8003", "name": ",,,", "voicemail_pin": "135791"})
    assert r.status == 201 and r.json["name"] == ",,,"
    files = box.box.pbx.store.read()
    assert "8003 => 135791,8003" in files["voicemail.conf"].splitlines()
    assert 'callerid = ",,," <8003>' in files["pjsip.conf"].splitlines()


# -- the config writer: the backstop -----------------------------------------------------

UNSAFE_VALUES = [
    "\n", "a\nb", "a\n[evil]", "a\rb", "a\r\nb", ";", "a;b", "a[b", "a]b", "[a]", "a\x00b", "a\u2028b", "a\u2029b",
    " a", "a ", " ", "\ta", "a\t", "a\tb", "a\x1bb", "a\x7fb", "a\x85b", "x" * (MAX_VALUE + 1),
]
SAFE_VALUES = ['"张伟" <8001>', "O'Brien, Pat", "a=b", "a => b", "ulaw,alaw,g722", "Dial(PJSIP/${ARG1},20)",
               "Zoë 😀", "x" * MAX_VALUE, ""]
BAD_NAMES = ["a=b", "a b", "a[b", "a]b", "[a]", "a\nb", "a\n[evil]", "a\rb", "a;b", " a", "a ", "", "x" * 81,
             "张伟", "a\u2028b", "a,b", "a(b)"]
BAD_KEYS = ["a=b", "a b", "a[b", "a]b", "a\nb", "a\n[evil]", "", "x" * 65, "a;b", "a=>b", " a", "a\x00"]


def conf_with(name="sec", key="key", value="value", inherits=()):
    conf = ConfFile("test.conf")
    conf.section(name, inherits=inherits).set(key, value)
    return conf


@pytest.mark.parametrize("value", UNSAFE_VALUES, ids=repr)
def test_unsafe_values_are_refused(value):
    with pytest.raises(UnsafeValue):
        check_value(value, "test")
    with pytest.raises(UnsafeValue):
        conf_with(value=value).render()
    with pytest.raises(UnsafeValue):
        conf_with(value=value).body()


@pytest.mark.parametrize("value", [5, None, b"bytes", ["a"]], ids=repr)
def test_check_value_wants_text(value):
    with pytest.raises(UnsafeValue, match="not text"):
        check_value(value, "test")


@pytest.mark.parametrize("value", SAFE_VALUES, ids=lambda v: repr(v)[:30])
def test_safe_values_are_written_as_they_are(value):
    assert check_value(value, "test") == value
    assert f"key = {value}" in conf_with(value=value).render().splitlines()


@pytest.mark.parametrize("name", BAD_NAMES, ids=repr)
def test_bad_section_names_are_refused(name):
    with pytest.raises(UnsafeValue, match="section name"):
        conf_with(name=name).render()
    with pytest.raises(UnsafeValue, match="section name"):
        conf_with(inherits=(name,)).render()


@pytest.mark.parametrize("key", BAD_KEYS, ids=repr)
def test_bad_keys_are_refused(key):
    with pytest.raises(UnsafeValue, match="bad key"):
        conf_with(key=key).render()


@pytest.mark.parametrize("filename", ["../etc/passwd.conf", "x.conf\n[evil]", "X.conf", "x.txt", "a b.conf", ""])
def test_bad_includes_are_refused(filename):
    conf = ConfFile("test.conf")
    conf.include(filename)
    with pytest.raises(UnsafeValue, match="include"):
        conf.render()


def test_render_writes_exactly_this():
    conf = ConfFile("test.conf: a title")
    conf.section("base", template=True).set("type", "endpoint").set("direct_media", False)
    conf.include("other.conf")
    ext = conf.section("8001", inherits=("base",))
    ext.set("callerid", '"O\'Brien, Pat" <8001>').set("max_contacts", 1).exten("8001,1,Answer()").same("n,Hangup()")
    assert conf.render() == (
        "; test.conf: a title\n"
        "; Made by Callbox from its config database. Changes here are overwritten.\n"
        "\n"
        "[base](!)\n"
        "type = endpoint\n"
        "direct_media = no\n"
        "\n"
        "#include other.conf\n"
        "\n"
        "[8001](base)\n"
        "callerid = \"O'Brien, Pat\" <8001>\n"
        "max_contacts = 1\n"
        "exten => 8001,1,Answer()\n"
        "same => n,Hangup()\n"
    )


def test_list_value_refuses_the_separator_in_a_field():
    assert list_value(("1234", "Alice Smith", None, "x|y"), ",", "mailbox 8001") == "1234,Alice Smith,,x|y"
    with pytest.raises(UnsafeValue, match="mailbox 8001"):
        list_value(("1234", "Smith, Alice"), ",", "mailbox 8001")
    with pytest.raises(UnsafeValue):
        list_value(("a", "b|c"), "|", "options")
    with pytest.raises(UnsafeValue):
        list_value((",",), ",", "x")


def test_applier_refuses_a_bad_value_that_got_past_validation(seeded):
    """If a bad name reached the database some other way, nothing is written and the change is undone."""
    rendered = seeded.store.read()
    now = utcnow()
    with change("test", "extension.create", "8003") as cs:
        cs.create(Extension, number="8003", name="Eve\n[8004]\ntype=endpoint", secret=SECRET,
                  created_at=now, updated_at=now)
    assert seeded.applier.apply_once() == "rejected"
    record = Change.get_by_id(cs.revision)
    assert record.status == "rejected"
    assert re.match(r"refused to write config: \[8003\] callerid: control character U\+000A", record.error)
    assert Extension.get_or_none(Extension.number == "8003") is None
    assert seeded.store.read() == rendered
    # The undo is a change of its own, and it applies.
    assert seeded.applier.apply_once() == "applied"
    assert seeded.store.read() == rendered
    assert seeded.asterisk.endpoints() == {"8001"}
