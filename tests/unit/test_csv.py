"""CSV import and export of extensions, and resetting a secret."""


def test_csv_import_creates_good_lines_and_reports_bad_ones(admin):
    csv = "number,name,voicemail_enabled\r\n8001,Alice,yes\r\n80x2,Bad,yes\r\n8003,Carol,no\r\n8004,\r\n8005,Eve,maybe\r\n"
    r = admin.post("/extensions/import", raw=csv.encode(), content_type="text/csv")
    assert r.status == 201, r
    assert r.json["created"] == ["8001", "8003"], r.json
    assert [(e["line"], e["field"]) for e in r.json["errors"]] == [(3, "number"), (5, "name"), (6, "voicemail_enabled")], r.json
    out = admin.get("/extensions/export")
    assert out.body.decode().splitlines()[0] == ("number,name,secret,voicemail_pin,voicemail_enabled,email,recording,"
                                                 "language,intercom,permission_class,pickup_groups")
    assert len(out.body.decode().splitlines()) == 3
    old = admin.get("/extensions/8001").json["secret"]
    new = admin.post("/extensions/8001/secret").json["secret"]
    assert new != old and len(new) == 20


def test_csv_carries_recording_language_intercom_class_and_pickup_groups(admin):
    csv = ("number,name,recording,language,intercom,permission_class,pickup_groups\r\n"
           "8101,Front desk,always,zh,no,local,front;night\r\n"
           "8102,Bad class,never,,yes,nosuchclass,\r\n"
           "8103,Bad language,never,fr,yes,,\r\n"
           "8104,Bad intercom,never,,perhaps,,\r\n"
           "8105,Defaults,,,,,\r\n")
    r = admin.post("/extensions/import", raw=csv.encode(), content_type="text/csv")
    assert r.status == 201, r
    assert r.json["created"] == ["8101", "8105"], r.json
    assert [(e["line"], e["field"]) for e in r.json["errors"]] == [
        (3, "permission_class"), (4, "language"), (5, "intercom")], r.json
    ext = admin.get("/extensions/8101").json
    assert (ext["recording"], ext["language"], ext["intercom"], ext["permission_class"], ext["pickup_groups"]) == (
        "always", "zh", False, "local", ["front", "night"])
    ext = admin.get("/extensions/8105").json
    assert (ext["recording"], ext["language"], ext["intercom"], ext["permission_class"], ext["pickup_groups"]) == (
        "never", None, True, "international", [])

    exported = admin.get("/extensions/export").body
    admin.delete("/extensions/8101")
    admin.delete("/extensions/8105")
    again = admin.post("/extensions/import", raw=exported, content_type="text/csv")
    assert again.status == 201 and sorted(again.json["created"]) == ["8101", "8105"], again.json
    assert admin.get("/extensions/export").body == exported
