"""Faxes: the receiver's outcome recorded however the call went, the PDF made by tiff2pdf,
GET/DELETE /faxes, the fax destination and fax detection on inbound routes, rendered."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from appliance.fax.pdf import PdfError, tiff_to_pdf
from appliance.fax.receiver import Receiver, outcome
from appliance.reports.db import Fax, open_reports, reports_db
from tests.faxdoc import make_tiff
from tests.unit.test_callcenter import signed_in
from tests.unit.test_resources import box, files, ivr  # noqa: F401 - fixtures and helpers
from tests.reportstore import reports_store

needs_tiff2pdf = pytest.mark.skipif(shutil.which("tiff2pdf") is None, reason="libtiff-tools (scripts/host-deps.sh)")


def pdf_pages(body: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", body))


class Session:
    """What the hangup handler's FastAGI session answers: the channel's variables."""

    def __init__(self, uniqueid="1796486412.7", caller="13912345678", dnid="075512349000", **variables):
        self.uniqueid = uniqueid
        self.caller = caller
        self.env = {"agi_dnid": dnid}
        self.variables = variables

    def get(self, name):
        return self.variables.get(name)


@pytest.fixture
def reports(tmp_path):
    open_reports(reports_store(tmp_path))
    with reports_db.connection_context():
        yield


def fake_pdf(tiff: Path, pdf: Path) -> None:
    pdf.write_bytes(b"%PDF-1.4 " + tiff.read_bytes())


@pytest.mark.parametrize("status,pages,expected", [("SUCCESS", 2, "received"), ("FAILED", 1, "partial"),
                                                    ("FAILED", 0, "failed"), (None, 0, "failed"),
                                                    ("SUCCESS", 0, "failed")])
def test_outcome(status, pages, expected):
    assert outcome(status, pages) == expected


def test_a_fax_received_whole_is_kept_as_pdf_and_its_tiff_removed(tmp_path, reports):
    (tmp_path / "1796486412.7.tif").write_bytes(b"II*\0pages")
    Receiver(tmp_path, convert=fake_pdf).handle(Session(**{
        "FAXOPT(status)": "SUCCESS", "FAXOPT(pages)": "2", "FAXOPT(remotestationid)": "+86 755 1234"}))
    fax = Fax.get()
    assert (fax.status, fax.pages, fax.error, fax.from_number, fax.to_number, fax.remote_station, fax.detected) == (
        "received", 2, None, "13912345678", "075512349000", "+86 755 1234", 0)
    assert Path(fax.path).read_bytes().startswith(b"%PDF")
    assert not (tmp_path / "1796486412.7.tif").exists()


def test_a_partial_fax_keeps_its_pages_and_the_error(tmp_path, reports):
    (tmp_path / "1796486412.7.tif").write_bytes(b"II*\0page one")
    Receiver(tmp_path, convert=fake_pdf).handle(Session(**{
        "FAXOPT(status)": "FAILED", "FAXOPT(error)": "HANGUP", "FAXOPT(pages)": "1", "CALLBOX_FAX_DETECTED": "1"}))
    fax = Fax.get()
    assert (fax.status, fax.pages, fax.error, fax.detected) == ("partial", 1, "HANGUP", 1)
    assert Path(fax.path).is_file()


def test_a_fax_with_no_page_or_a_bad_file_is_recorded_with_an_error_not_a_crash(tmp_path, reports):
    Receiver(tmp_path, convert=fake_pdf).handle(Session(uniqueid="1796486412.8", caller="unknown"))
    (tmp_path / "1796486412.9.tif").write_bytes(b"not a tiff")

    def broken(tiff, pdf):
        raise PdfError("tiff2pdf: not a TIFF file")

    Receiver(tmp_path, convert=broken).handle(Session(uniqueid="1796486412.9", **{
        "FAXSTATUS": "SUCCESS", "FAXPAGES": "3"}))
    # The pages were said to have arrived, but their file is gone.
    Receiver(tmp_path, convert=fake_pdf).handle(Session(uniqueid="1796486413.1", **{
        "FAXOPT(status)": "SUCCESS", "FAXOPT(pages)": "1"}))
    rows = {f.callid: f for f in Fax.select()}
    assert (rows["1796486412.8"].status, rows["1796486412.8"].error, rows["1796486412.8"].from_number) == (
        "failed", "no page received", None)
    assert (rows["1796486412.9"].status, rows["1796486412.9"].pages, rows["1796486412.9"].path) == ("failed", 3, None)
    assert "not a TIFF" in rows["1796486412.9"].error
    assert not (tmp_path / "1796486412.9.tif").exists()
    assert (rows["1796486413.1"].status, rows["1796486413.1"].error) == ("failed", "the fax file is missing")


def test_a_session_without_a_call_id_records_nothing(tmp_path, reports):
    Receiver(tmp_path, convert=fake_pdf).handle(Session(uniqueid="../../etc/passwd"))
    assert Fax.select().count() == 0


@needs_tiff2pdf
def test_tiff2pdf_keeps_every_page_and_refuses_what_is_not_a_tiff(tmp_path):
    pdf = tmp_path / "out.pdf"
    tiff_to_pdf(make_tiff(tmp_path / "in.tif", 2), pdf)
    assert pdf_pages(pdf.read_bytes()) == 2
    (tmp_path / "bad.tif").write_bytes(b"not a tiff")
    with pytest.raises(PdfError):
        tiff_to_pdf(tmp_path / "bad.tif", tmp_path / "bad.pdf")
    assert not (tmp_path / "bad.pdf").exists() and not (tmp_path / "bad.pdf.part").exists()


def test_faxes_api_lists_shows_serves_the_pdf_and_deletes(admin, tmp_path):
    pdf = tmp_path / "f.pdf"
    pdf.write_bytes(b"%PDF-1.4 test")
    with reports_db.connection_context():
        old = Fax.create(callid="1.1", received_at=1796486400.0, from_number="139", to_number="0755", pages=2,
                         status="received", detected=0, path=str(pdf))
        new = Fax.create(callid="1.2", received_at=1796486500.0, pages=0, status="failed", error="HANGUP",
                         detected=1, path=None)
    r = admin.get("/faxes?per_page=1")
    assert r.status == 200, r
    assert (r.json["total"], [f["id"] for f in r.json["items"]]) == (2, [new.id])
    assert admin.get("/faxes?per_page=1&page=2").json["items"][0]["id"] == old.id
    one = admin.get(f"/faxes/{old.id}").json
    assert one == {"id": old.id, "callid": "1.1", "received_at": "2026-12-05T16:00:00Z", "from": "139",
                   "remote_station": None, "to": "0755", "pages": 2, "status": "received", "error": None,
                   "detected": False, "pdf_available": True}
    got = admin.get(f"/faxes/{old.id}/pdf")
    assert (got.status, got.body) == (200, b"%PDF-1.4 test")
    assert got.headers["Content-Type"].startswith("application/pdf")
    assert admin.get(f"/faxes/{new.id}/pdf").status == 404  # no page arrived
    assert admin.get("/faxes?per_page=x").json["field"] == "per_page"
    for missing in ("999", "abc"):
        assert admin.get(f"/faxes/{missing}").status == 404
        assert admin.delete(f"/faxes/{missing}").status == 404
    agent = signed_in(admin, "agent1", "agent")
    assert agent.get("/faxes").status == 403
    assert agent.delete(f"/faxes/{old.id}").status == 403
    assert admin.delete(f"/faxes/{old.id}").status == 204
    assert not pdf.exists()
    assert admin.get(f"/faxes/{old.id}").status == 404


def test_a_route_to_the_fax_receiver_and_one_that_detects_fax(box):  # noqa: F811
    r = box.post("/inbound-routes", {"name": "Fax", "did": "075512349000", "destination": {"kind": "fax"}})
    assert r.status == 201, r
    assert (r.json["destination"], r.json["fax_detect"]) == ({"kind": "fax", "target": None}, False)
    menu = ivr(box)
    r = box.post("/inbound-routes", {"name": "Main", "did": "075512349001", "fax_detect": True,
                                     "destination": {"kind": "ivr", "target": str(menu["id"])}})
    assert r.status == 201 and r.json["fax_detect"] is True, r
    route = r.json["id"]
    plan = files(box)["extensions.conf"]
    trunks = plan.split("[callbox-from-trunks]")[1].split("\n\n")[0]
    assert "exten => 075512349000,1" in trunks and "Goto(callbox-fax,s,1)" in trunks
    assert f"Goto(callbox-faxdetect-{route},s,1)" in trunks
    detector = plan.split(f"[callbox-faxdetect-{route}]")[1].split("\n\n")[0]
    assert "Set(FAXOPT(faxdetect)=cng,4)" in detector and f"Goto(callbox-ivr-{menu['id']},s,1)" in detector
    assert "exten => fax,1" in detector
    assert "ReceiveFax(" in plan.split("[callbox-fax]")[1]

    r = box.patch(f"/inbound-routes/{route}", {"fax_detect": False})
    assert r.status == 200 and r.json["fax_detect"] is False, r
    assert "callbox-faxdetect-" not in files(box)["extensions.conf"]


@pytest.mark.parametrize("body,field", [({"fax_detect": "yes"}, "fax_detect"), ({"fax_detect": 1}, "fax_detect")])
def test_fax_detection_takes_true_or_false_only(box, body, field):  # noqa: F811
    before = files(box)["extensions.conf"]
    r = box.post("/inbound-routes", {"name": "R", "did": "0755", "destination": {"kind": "hangup"}, **body})
    assert (r.status, r.json["field"]) == (422, field), r
    assert files(box)["extensions.conf"] == before


def test_the_fax_destination_takes_no_target(box):  # noqa: F811
    r = box.post("/inbound-routes", {"name": "R", "did": "0755", "destination": {"kind": "fax", "target": "1"}})
    assert r.status == 422, r
    assert "takes no target" in r.json["error"]


def test_each_fax_with_pages_is_mailed_to_the_fax_addresses_once(tmp_path, reports, config_db):
    import json

    from appliance.db.models import Setting
    from appliance.mail.outbox import OutgoingMail

    receiver = Receiver(tmp_path, convert=fake_pdf)
    (tmp_path / "1796486412.7.tif").write_bytes(b"II*\0pages")
    receiver.handle(Session(**{"FAXOPT(status)": "SUCCESS", "FAXOPT(pages)": "2"}))
    assert OutgoingMail.select().count() == 0  # no address set: kept on the Fax page only

    Setting.create(key="fax_email", value=json.dumps(["fax@example.com", "office@example.com"]))
    Setting.create(key="language", value=json.dumps("zh"))
    (tmp_path / "1796486412.7.tif").write_bytes(b"II*\0page one")
    receiver.handle(Session(**{"FAXOPT(status)": "FAILED", "FAXOPT(error)": "T.30 timed out", "FAXOPT(pages)": "1"}))
    receiver.handle(Session(**{"FAXOPT(status)": "FAILED", "FAXOPT(pages)": "0"}))  # nothing to send
    sent = OutgoingMail.get()
    fax = Fax.select().order_by(Fax.id.desc()).where(Fax.pages == 1).get()
    assert json.loads(sent.recipients) == ["fax@example.com", "office@example.com"]
    assert sent.subject == "来自 13912345678 的传真：1 页"
    assert "075512349000" in sent.body and "传真未完整接收：T.30 timed out" in sent.body
    [attachment] = json.loads(sent.attachments)
    assert (attachment["path"], attachment["type"]) == (fax.path, "application/pdf")
    assert attachment["name"].startswith("fax-") and attachment["name"].endswith(".pdf")
    assert sent.key == f"fax:{fax.callid}"


def test_fax_addresses_are_checked(admin):
    r = admin.patch("/settings", {"fax_email": ["fax@example.com", "not an address"]})
    assert r.status == 422 and r.json["field"].startswith("fax_email"), r.json
    r = admin.patch("/settings", {"fax_email": ["fax@example.com"]})
    assert r.status == 200 and r.json["fax_email"] == ["fax@example.com"], r.json
