"""CSV import and export of extensions, and resetting a secret."""


def test_csv_import_creates_good_lines_and_reports_bad_ones(admin):
    csv = "number,name,voicemail_enabled\r\n8001,Alice,yes\r\n80x2,Bad,yes\r\n8003,Carol,no\r\n8004,\r\n8005,Eve,maybe\r\n"
    r = admin.post("/extensions/import", raw=csv.encode(), content_type="text/csv")
    assert r.status == 201, r
    assert r.json["created"] == ["8001", "8003"], r.json
    assert [(e["line"], e["field"]) for e in r.json["errors"]] == [(3, "number"), (5, "name"), (6, "voicemail_enabled")], r.json
    out = admin.get("/extensions/export")
    assert out.body.decode().splitlines()[0] == "number,name,secret,voicemail_pin,voicemail_enabled,email"
    assert len(out.body.decode().splitlines()) == 3
    old = admin.get("/extensions/8001").json["secret"]
    new = admin.post("/extensions/8001/secret").json["secret"]
    assert new != old and len(new) == 20
