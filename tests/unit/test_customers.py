"""Customer records and levels over the API: numbers in any form, CSV, priorities, roles."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from appliance.customers import service
from appliance.db.models import Change, ChangeRow, Customer, CustomerNumber
from tests import gevented
from tests.api import Api
from tests.unit.test_web_session import make_user


@pytest.fixture
def box(admin):
    """A box in China: 0755-1234567 is +86 755 1234567."""
    assert admin.patch("/settings", {"country_code": "86"}).status == 200
    return admin


def query(path: str, params: dict) -> str:
    return f"{path}?{urlencode(params)}"


def customer(api, name="Zhang Wei", numbers=("0755-1234567",), **body) -> dict:
    r = api.post("/customers", {"name": name, "numbers": list(numbers), **body})
    assert r.status == 201, r
    return r.json


def test_create_shows_numbers_normalised_and_as_typed(box):
    c = customer(box, numbers=["0755-1234567", "+86 138 0013 8000"], company="Acme", level="VIP",
                 notes="Prefers mornings.\r\nCall back\tin English.")
    assert c["numbers"] == [{"number": "867551234567", "display": "0755-1234567"},
                            {"number": "8613800138000", "display": "+86 138 0013 8000"}]
    assert (c["name"], c["company"], c["level"]) == ("Zhang Wei", "Acme", "VIP")
    assert c["notes"] == "Prefers mornings.\nCall back\tin English."
    assert box.get(f"/customers/{c['id']}").json == c
    assert Change.get(Change.action == "customer.create").status == "applied"  # journaled, nothing to apply


@pytest.mark.parametrize("body, field", [
    ({"name": "X", "numbers": []}, "numbers"),
    ({"name": "X", "numbers": ["0755-CALL-ME"]}, "numbers"),
    ({"name": "X", "numbers": ["0755-1234567", "+86 755 1234567"]}, "numbers"),
    ({"name": "X"}, "numbers"),
    ({"name": "", "numbers": ["110"]}, "name"),
    ({"name": "x" * 101, "numbers": ["110"]}, "name"),
    ({"name": "Bad;name", "numbers": ["110"]}, "name"),
    ({"name": "X", "numbers": ["110"], "level": "Gold"}, "level"),
    ({"name": "X", "numbers": ["110"], "notes": "bell\x07"}, "notes"),
    ({"name": "X", "numbers": ["110"], "notes": "n" * 2001}, "notes"),
    ({"name": "X", "numbers": ["110"], "phone": "1"}, "phone"),
])
def test_bad_customers_are_refused_and_change_nothing(box, body, field):
    r = box.post("/customers", body)
    assert (r.status, r.json["field"]) == (422, field), r
    assert Customer.select().count() == 0


def test_a_number_of_another_customer_is_a_conflict_naming_them(box):
    first = customer(box, "Li Na", ["0755-1234567"])
    r = box.post("/customers", {"name": "Wang Fang", "numbers": ["13800138000", "+86 755 1234567"]})
    assert r.status == 409 and r.json["field"] == "numbers", r
    assert "'Li Na'" in r.json["error"] and f"id {first['id']}" in r.json["error"]
    other = customer(box, "Wang Fang", ["13800138000"])
    r = box.patch(f"/customers/{other['id']}", {"numbers": ["07551234567"]})
    assert r.status == 409 and "'Li Na'" in r.json["error"], r
    assert [n["number"] for n in box.get(f"/customers/{other['id']}").json["numbers"]] == ["13800138000"]


def test_search_by_name_company_and_a_number_in_any_form(box):
    a = customer(box, "Zhang Wei", ["0755-1234567"], company="Acme Trading")
    b = customer(box, "Li Na", ["+1 212 555 0100"])

    def found(q):
        return [c["id"] for c in box.get(query("/customers", {"q": q})).json["items"]]

    for q in ("+86 755 1234567", "0755-1234567", "07551234567", "1234567", "Zhang", "acme"):
        assert found(q) == [a["id"]], q
    assert found("212-555") == [b["id"]]
    assert found("9999999") == []
    page = box.get(query("/customers", {"per_page": "1", "page": "2"})).json
    assert ([c["id"] for c in page["items"]], page["total"]) == ([a["id"]], 2)  # by name: Li, Zhang


def test_put_replaces_patch_changes_and_numbers_are_a_set(box):
    c = customer(box, numbers=["0755-1234567", "13800138000"], company="Acme", level="VIP", notes="n")
    kept = CustomerNumber.get(CustomerNumber.number == "867551234567").id
    r = box.patch(f"/customers/{c['id']}", {"numbers": ["+86 755 1234567", "020 8888 6666"]})
    assert r.status == 200, r
    assert r.json["numbers"] == [{"number": "867551234567", "display": "+86 755 1234567"},
                                 {"number": "862088886666", "display": "020 8888 6666"}]
    assert CustomerNumber.get(CustomerNumber.number == "867551234567").id == kept
    assert (r.json["company"], r.json["level"], r.json["notes"]) == ("Acme", "VIP", "n")
    r = box.put(f"/customers/{c['id']}", {"name": "Zhang Wei", "numbers": ["0755-1234567"]})
    assert r.status == 200, r
    assert (r.json["company"], r.json["level"], r.json["notes"]) == (None, None, None)
    assert service.find_by_number("13800138000") is None
    assert box.patch(f"/customers/{c['id']}", {"company": "Acme"}).json["company"] == "Acme"
    assert box.patch(f"/customers/{c['id']}", {"company": ""}).json["company"] is None


def test_delete_takes_the_numbers_and_is_journaled(box):
    c = customer(box)
    assert box.delete(f"/customers/{c['id']}").status == 204
    assert box.get(f"/customers/{c['id']}").status == 404
    assert CustomerNumber.select().count() == 0
    change = Change.get(Change.action == "customer.delete")
    assert {r.tbl for r in ChangeRow.select().where(ChangeRow.change == change)} == {"customer", "customer_number"}
    assert box.delete("/customers/nope").status == 404
    assert box.patch("/customers/999", {"name": "X"}).status == 404


def test_lookup_finds_our_record_by_any_form(box):
    c = customer(box, level="VIP")
    r = box.get(query("/customers/lookup", {"number": "+86 755 1234567"}))
    assert r.status == 200, r
    assert r.json == {"number": "867551234567", "customer": c}  # no hook set: no "external"
    assert box.get(query("/customers/lookup", {"number": "13800138000"})).json["customer"] is None
    r = box.get(query("/customers/lookup", {"number": "anonymous"}))
    assert (r.status, r.json["field"]) == (422, "number")


# -- levels and queue priority -----------------------------------------------------

def test_levels_crud_and_a_level_in_use_stays(box):
    levels = box.get("/customer-levels").json["items"]
    assert [(lv["name"], lv["priority"]) for lv in levels] == [("VIP", 10), ("Normal", 0)]
    r = box.post("/customer-levels", {"name": "Gold", "priority": 50})
    assert r.status == 201, r
    gold = r.json
    assert box.post("/customer-levels", {"name": "Gold", "priority": 1}).status == 409
    for bad in (101, -11, "5", 2.5):
        assert box.post("/customer-levels", {"name": "Bad", "priority": bad}).status == 422, bad
    c = customer(box, level="Gold")
    r = box.delete(f"/customer-levels/{gold['id']}")
    assert r.status == 409 and "1 customer" in r.json["error"], r
    assert box.patch(f"/customer-levels/{gold['id']}", {"name": "Platinum"}).json["name"] == "Platinum"
    assert box.get(f"/customers/{c['id']}").json["level"] == "Platinum"
    assert box.patch(f"/customers/{c['id']}", {"level": None}).status == 200
    assert box.delete(f"/customer-levels/{gold['id']}").status == 204


def test_priority_for_a_caller_follows_their_level(box):
    customer(box, "VIP caller", ["0755-1234567"], level="VIP")
    customer(box, "Plain caller", ["13800138000"])
    low = box.post("/customer-levels", {"name": "Slow", "priority": -5}).json
    customer(box, "Slow caller", ["020 8888 6666"], level="Slow")
    assert service.priority_for("+867551234567") == service.priority_for("07551234567") == 10
    assert service.priority_for("13800138000") == 0
    assert service.priority_for("02088886666") == -5
    assert service.priority_for("0999 9999999") == 0 and service.priority_for("anonymous") == 0
    box.patch(f"/customer-levels/{low['id']}", {"priority": 70})
    assert service.priority_for("862088886666") == 70
    assert service.find_by_number("+86 20 8888 6666").name == "Slow caller"
    # A mobile kept as written is the same caller when a trunk shows it with +86.
    customer(box, "VIP mobile", ["13900139000"], level="VIP")
    assert service.priority_for("+8613900139000") == service.priority_for("13900139000") == 10


def test_numbers_of_a_customer_are_normalised(box):
    c = customer(box, numbers=["0755-1234567", "+1 212 555 0100"])
    assert service.numbers_of(Customer.get_by_id(c["id"])) == ["867551234567", "12125550100"]


# -- CSV -----------------------------------------------------------------------------

def test_csv_import_creates_good_lines_and_reports_bad_ones_by_line(box):
    customer(box, "Existing", ["020 8888 6666"])
    csv = ("name,numbers,company,level,notes\r\n"
           "Zhang Wei,0755-1234567;13800138000,Acme,VIP,\"two\r\nlines\"\r\n"      # 2-3: good
           "Bad Number,0755-CALL,,,\r\n"                                          # 4
           "Unknown Level,13900139000,,Gold,\r\n"                                 # 5
           "Same In File,+86 755 1234567,,,\r\n"                                  # 6: line 2 has it
           "Same As Existing,02088886666|13700137000,,,\r\n"                      # 7
           "\r\n"
           ",13600136000,,,\r\n"                                                  # 9: no name
           "Li Na,+1 212 555 0100 | 13500135000,,Normal,\r\n"                     # 10: good
           "Extra,13400134000,,,,surplus\r\n")                                   # 11
    r = box.post("/customers/import", raw=csv.encode(), content_type="text/csv")
    assert r.status == 201, r
    assert [(e["line"], e["field"]) for e in r.json["errors"]] == [
        (4, "numbers"), (5, "level"), (6, "numbers"), (7, "numbers"), (9, "name"), (11, None)], r.json
    assert "line 2" in r.json["errors"][2]["error"] and "'Existing'" in r.json["errors"][3]["error"]
    made = [box.get(f"/customers/{i}").json for i in r.json["created"]]
    assert [(c["name"], c["level"], c["notes"], [n["number"] for n in c["numbers"]]) for c in made] == [
        ("Zhang Wei", "VIP", "two\nlines", ["867551234567", "13800138000"]),
        ("Li Na", "Normal", None, ["12125550100", "13500135000"])]
    assert Change.select().where(Change.action == "customer.import").count() == 1


def test_csv_import_of_nothing_good_is_refused(box):
    r = box.post("/customers/import", raw=b"name,numbers\r\nX,abc\r\n", content_type="text/csv")
    assert r.status == 422 and r.json["errors"] == [
        {"line": 2, "field": "numbers", "error": "numbers: 'abc' is not a phone number"}], r
    r = box.post("/customers/import", raw=b"name,phone\r\nX,110\r\n", content_type="text/csv")
    assert (r.status, r.json["field"]) == (422, "file") and "'phone'" in r.json["error"], r
    assert Customer.select().count() == 0


def test_export_imports_again_to_the_same_records(box):
    customer(box, "=HYPERLINK(1)", ["0755-1234567", "+86 138 0013 8000"], company="-Acme", level="VIP",
             notes="line one\nline two, with a comma \"quoted\"")
    customer(box, "李娜", ["+1 212 555 0100"])
    exported = box.get("/customers/export")
    assert exported.status == 200 and exported.headers["Content-Type"].startswith("text/csv")
    text = exported.body.decode()
    assert text.splitlines()[0] == "name,company,level,numbers,notes"
    assert "'=HYPERLINK(1)" in text and "'-Acme" in text  # no formula runs when a spreadsheet opens it

    def records():
        return sorted((c["name"], c["company"], c["level"], c["notes"], c["numbers"])
                      for c in box.get("/customers").json["items"])

    before = records()
    for c in box.get("/customers").json["items"]:
        assert box.delete(f"/customers/{c['id']}").status == 204
    r = box.post("/customers/import", raw=exported.body, content_type="text/csv")
    assert r.status == 201 and r.json["errors"] == [], r
    assert records() == before


# -- roles ---------------------------------------------------------------------------

@pytest.fixture
def agent(box):
    assert box.post("/extensions", {"number": "8001", "name": "Alice"}).status == 201
    make_user("alice", "Agent-Pass-1234", "agent", "8001")
    alice = Api(box.base[: -len("/api/v1")])
    r = alice.post("/auth/login", {"username": "alice", "password": "Agent-Pass-1234"})
    assert r.status == 200, r
    alice.token = r.json["token"]
    return alice


def test_agents_read_create_and_change_customers_but_do_not_delete_or_import(agent, box):
    c = customer(agent, "Caller", ["13800138000"])
    assert agent.patch(f"/customers/{c['id']}", {"notes": "asked for a refund"}).status == 200
    # A level moves callers up the queues: only administrators and supervisors set it.
    assert agent.patch(f"/customers/{c['id']}", {"level": "VIP"}).status == 403
    assert agent.get(query("/customers", {"q": "138 0013 8000"})).json["total"] == 1
    assert agent.get(query("/customers/lookup", {"number": "13800138000"})).json["customer"]["id"] == c["id"]
    assert [lv["name"] for lv in agent.get("/customer-levels").json["items"]] == ["VIP", "Normal"]
    vip = agent.get("/customer-levels").json["items"][0]["id"]
    assert agent.get(f"/customer-levels/{vip}").status == 200
    refused = [("DELETE", f"/customers/{c['id']}", None), ("POST", "/customers/import", None),
               ("GET", "/customers/export", None), ("POST", "/customer-levels", {"name": "G", "priority": 1}),
               ("PATCH", f"/customer-levels/{vip}", {"priority": 99}), ("DELETE", f"/customer-levels/{vip}", None)]
    for method, path, body in refused:
        r = agent.request(method, path, body, raw=b"name,numbers\r\nX,110\r\n" if path.endswith("import") else None,
                          content_type="text/csv" if path.endswith("import") else "application/json")
        assert r.status == 403, (method, path, r)
    assert box.get(f"/customers/{c['id']}").status == 200 and box.get(f"/customer-levels/{vip}").json["priority"] == 10


def test_a_large_import_lets_the_box_serve_meanwhile(tmp_path):
    """Under gevent (the box) an import of thousands of lines must not stall the event loop."""
    result = gevented.run("""
        import json, threading, time
        from appliance.customers import csvio

        lines = ["name,numbers"] + [f"Customer {i},0755-{1000000 + i}" for i in range(3000)]
        ticks = []

        def tick():
            while True:
                ticks.append(time.monotonic())
                time.sleep(0.001)

        threading.Thread(target=tick, daemon=True).start()
        time.sleep(0.01)
        start = time.monotonic()
        made, _, problems = csvio.import_csv("\\r\\n".join(lines).encode(), "test")
        end = time.monotonic()
        during = [start] + [t for t in ticks if start <= t <= end] + [end]
        print(json.dumps({"made": len(made), "took": end - start,
                          "longest_stall": max(b - a for a, b in zip(during, during[1:]))}))
    """, tmp_path)
    assert result["made"] == 3000
    # Without yielding, the whole import is one stall.
    assert result["longest_stall"] < result["took"] / 4, result


def test_a_customers_calls_from_any_of_their_numbers(agent, box):
    from appliance.reports.db import QueueCall, reports_db

    c = customer(box, numbers=["0755-1234567", "138 0013 8000"])
    with reports_db.connection_context():
        for i, key in enumerate(("867551234567", "13800138000", "8610000000")):
            QueueCall.create(callid=f"c{i}", queue="600", caller=key, caller_key=key, entered_at=1_796_000_000 + i,
                             outcome="answered", ring_attempts=1, memory=0)
    r = agent.get(f"/customers/{c['id']}/calls")  # agents see them too: the screen pop shows the last ones
    assert r.status == 200, r
    assert [x["id"] for x in r.json["items"]] == ["c1", "c0"]
    assert [x["id"] for x in box.get(f"/customers/{c['id']}/calls?limit=1").json["items"]] == ["c1"]
    assert box.get("/customers/999/calls").status == 404
