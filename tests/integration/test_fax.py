"""Faxes with real Asterisk (ReceiveFax, res_fax_spandsp) sent by a fax machine with no Asterisk
in it: spandsp in the test process (tests/faxmachine.py) on a pjsua2 call from a provider behind
the box's SIP trunk. A fax to the fax DID arrives as a PDF with its pages; a fax to a voice route
with fax detection on is heard and received, and without detection it reaches the voice route;
a fax cut off after its first page is recorded as partial with its error.

The provider is a pjsua2 user agent on a second address of the host's end of the box's veth
pair, as in test_call_records.
"""

from __future__ import annotations

import re
import subprocess

import pjsua2 as pj
import pytest

from tests.audio import write_tone
from tests.faxdoc import make_tiff
from tests.faxmachine import FaxMachine
from tests.smtpserver import MailServer

MENU_HZ = 900
DID_FAX, DID_DETECT, DID_VOICE = "075512349000", "075512349001", "075512349002"
SENDER = "13912345678"


@pytest.fixture(scope="module")
def line(api, sip, box, tmp_path_factory):
    """A provider behind a trunk; DIDs to the fax receiver, and to an IVR with and without fax
    detection."""
    ip = box.host_ip.rsplit(".", 1)[0] + ".7"
    dev = box.state()["host_if"]
    subprocess.run(["ip", "addr", "add", f"{ip}/24", "dev", dev], check=True)
    try:
        provider = sip.provider(ip, 5090, user=SENDER)
        assert api.post("/trunks", {"name": "Provider", "host": ip, "port": 5090}).status == 201
        wav = write_tone(tmp_path_factory.mktemp("prompt") / "menu.wav", MENU_HZ, 1.5)
        prompt = api.upload("/prompts", {"name": "menu"}, "file", "menu.wav", wav.read_bytes()).json["id"]
        ivr = api.post("/ivrs", {"name": "Welcome", "prompt": prompt}).json
        routes = {}
        for did, dest, detect in ((DID_FAX, {"kind": "fax"}, False),
                                  (DID_DETECT, {"kind": "ivr", "target": str(ivr["id"])}, True),
                                  (DID_VOICE, {"kind": "ivr", "target": str(ivr["id"])}, False)):
            r = api.post("/inbound-routes", {"name": f"In {did}", "did": did, "destination": dest,
                                             "fax_detect": detect})
            assert r.status == 201, r
            routes[did] = r.json["id"]
        yield {"provider": provider, "server": box.sip, "routes": routes,
               "doc": make_tiff(tmp_path_factory.mktemp("fax") / "two-pages.tif", 2)}
    finally:
        subprocess.run(["ip", "addr", "del", f"{ip}/24", "dev", dev], check=False)


def fax_ids(api) -> set[int]:
    return {f["id"] for f in api.get("/faxes?per_page=500").json["items"]}


def new_fax(api, sip, before: set[int], timeout: float = 20.0) -> dict:
    found = {}

    def arrived():
        new = fax_ids(api) - before
        if new:
            found["fax"] = api.get(f"/faxes/{max(new)}").json
        return bool(new)

    sip.wait(arrived, timeout, "the fax to be recorded")
    return found["fax"]


def send(line, did: str, machine: FaxMachine):
    call = line["provider"].call_uri(f"sip:{did}@{line['server']}")
    call.wait_confirmed(timeout=10)
    call.fax(machine)
    return call


def finish(sip, call, machine: FaxMachine) -> None:
    """Wait for the fax to end: the machine's session over, or the box hanging up after the last
    page (the machine is then left waiting to say goodbye, which is no fault of the fax)."""
    sip.wait(lambda: machine.done or call.state == pj.PJSIP_INV_STATE_DISCONNECTED, 90,
             "the fax machine to finish")
    assert machine.ok or not machine.done, machine.describe()


def pdf_pages(body: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", body))


def test_a_fax_to_the_fax_number_arrives_as_a_pdf_with_its_pages_and_by_mail(api, sip, line, box):
    with MailServer(host=box.host_ip) as relay:
        try:
            r = api.put("/system/mail", {"host": relay.host, "port": relay.port, "security": "none",
                                         "from_address": "callbox@example.com"})
            assert r.status == 200, r.json
            assert api.patch("/settings", {"fax_email": ["fax@example.com"]}).status == 200
            fax = fax_to_the_fax_number(api, sip, line)
            (rcpts, msg), = relay.wait(1, timeout=30)
        finally:
            api.patch("/settings", {"fax_email": []})
    assert rcpts == ["fax@example.com"] and msg["Subject"] == f"Fax from {SENDER} +86 755 1234: 2 page(s)", msg
    (part,) = list(msg.iter_attachments())
    assert part.get_content_type() == "application/pdf" and pdf_pages(part.get_content()) == 2

    assert api.delete(f"/faxes/{fax['id']}").status == 204
    assert api.get(f"/faxes/{fax['id']}").status == 404
    assert api.get(f"/faxes/{fax['id']}/pdf").status == 404


def fax_to_the_fax_number(api, sip, line) -> dict:
    before = fax_ids(api)
    machine = FaxMachine(sending=line["doc"], ident="+86 755 1234")
    call = send(line, DID_FAX, machine)
    finish(sip, call, machine)
    assert machine.pages == 2  # both confirmed by the box (T.30 MCF)
    call.wait_disconnected(timeout=15)
    fax = new_fax(api, sip, before)
    assert (fax["status"], fax["pages"], fax["error"], fax["detected"]) == ("received", 2, None, False)
    assert (fax["from"], fax["to"], fax["remote_station"]) == (SENDER, DID_FAX, "+86 755 1234")
    assert fax["pdf_available"]
    pdf = api.get(f"/faxes/{fax['id']}/pdf")
    assert pdf.status == 200 and pdf.headers["Content-Type"].startswith("application/pdf")
    assert pdf.body.startswith(b"%PDF") and pdf_pages(pdf.body) == 2
    return fax


def test_fax_detection_on_a_voice_route_hands_a_fax_to_the_receiver(api, sip, line):
    before = fax_ids(api)
    machine = FaxMachine(sending=line["doc"])
    call = send(line, DID_DETECT, machine)
    finish(sip, call, machine)
    assert machine.pages == 2
    call.wait_disconnected(timeout=15)
    fax = new_fax(api, sip, before)
    assert (fax["status"], fax["pages"], fax["detected"], fax["to"]) == ("received", 2, True, DID_DETECT)


def test_without_fax_detection_a_fax_reaches_the_voice_route(api, sip, line):
    """The same IVR behind a route without detection: the fax machine's call hears the menu."""
    before = fax_ids(api)
    machine = FaxMachine(sending=line["doc"])
    call = send(line, DID_VOICE, machine)
    sip.wait(lambda: call.listener.heard_tone(MENU_HZ, min_ms=300), 10, "the IVR's greeting")
    call.hangup_call()
    call.wait_disconnected()
    assert not machine.ok
    # The route with detection is the one that took faxes: this call left none.
    assert fax_ids(api) == before


def test_a_fax_cut_off_after_its_first_page_is_recorded_as_partial(api, sip, line):
    before = fax_ids(api)
    machine = FaxMachine(sending=line["doc"])
    call = send(line, DID_FAX, machine)
    sip.wait(lambda: machine.pages >= 1, 60, "the first page to go through")
    call.hangup_call()
    call.wait_disconnected()
    fax = new_fax(api, sip, before)
    assert (fax["status"], fax["pages"]) == ("partial", 1)
    assert fax["error"]
    pdf = api.get(f"/faxes/{fax['id']}/pdf")
    assert pdf.status == 200 and pdf_pages(pdf.body) == 1
