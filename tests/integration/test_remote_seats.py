"""Remote seats: an extension's phone on the internet, through a WireGuard peer the box made
for it. The test's own namespace stands for the phone's home: it applies the wg-quick file the
box handed back (wireguard-go), and a pjsua2 phone there registers to the box's tunnel address
and calls a phone on the box's LAN, with audio both ways. Another extension's credentials
through the same peer are refused; removing the seat cuts the tunnel.

The box listens for SIP on every address, as the image does (BOX_SIP 0.0.0.0:5060)."""

from __future__ import annotations

import pytest

from tests.api import Api
from tests.audio import write_tone
from tests.integration.conftest import ADMIN_PASSWORD, running_box
from tests.wgpeer import WgPeer, fetch_in, wait_for

BOX_TUNNEL, PUBLIC = "10.99.0.1", "203.0.113.1"
SEAT_TONE, DESK_TONE = 900, 1500


@pytest.fixture(scope="module")
def box():
    with running_box(env=("BOX_SIP=0.0.0.0:5060",)) as instance:
        yield instance


@pytest.fixture(scope="module")
def api(box):
    return Api(box.url).sign_in(ADMIN_PASSWORD)


@pytest.fixture(scope="module")
def home(box, tmp_path_factory):
    """The phone's home network: a namespace joined to the box's by a link (the internet)."""
    p = WgPeer(box.state()["netns"], tmp_path_factory.mktemp("seat"), box_side=f"{PUBLIC}/24")
    try:
        yield p
    finally:
        p.close()


def test_remote_seat_registers_calls_and_is_cut(api, box, home, sip, tmp_path):
    from tests.phone_farm import Farm

    r = api.put("/vpn", {"address": f"{BOX_TUNNEL}/24", "public_address": PUBLIC})
    assert r.status == 200, r
    # The box's NAT settings for phones on the internet stay on: inside the tunnel they do not apply.
    r = api.patch("/settings", {"sip_external_address": PUBLIC, "sip_local_networks": [f"{box.box_ip}/32"]})
    assert r.status == 200, r
    wait_for(lambda: api.get("/vpn").json["running"], 15, "the box's interface")
    secrets = {}
    for number in ("8001", "8002", "8003"):
        r = api.post("/extensions", {"number": number, "name": f"Phone {number}"})
        assert r.status == 201, r
        secrets[number] = r.json["secret"]

    r = api.post("/extensions/8001/tunnel")
    assert r.status == 201, r
    seat = r.json
    assert seat["sip_server"] == BOX_TUNNEL and seat["allowed_ips"] == [f"{seat['address']}/32"]
    assert f"Endpoint = {PUBLIC}:51820" in seat["config"]
    wait_for(lambda: seat["public_key"] in box.exec("wg", "show", "wg0", "peers"), 10, "the peer on the box")
    home.start_with(seat["config"], tmp_path)

    # The seat's phone registers through the tunnel, to the tunnel address.
    farm = Farm(seat["address"], f"{BOX_TUNNEL}:5060", tmp_path / "farm", netns=home.netns)
    try:
        remote = farm.add("8001", secrets["8001"])
        farm.wait(lambda: remote.registered, 20, "8001 registered through the tunnel")
        registration = api.get("/extensions/8001").json["registration"]
        assert f"@{seat['address']}:" in registration["contact"], registration
        live = wait_for(lambda: (lambda d: d if d["handshake_age"] is not None else None)(
            api.get("/extensions/8001/tunnel").json), 10, "the seat's handshake")
        assert live["endpoint_seen"].startswith(home.address)

        # A call to a desk phone on the box's LAN, with audio both ways through the tunnel.
        desk = sip.phone("8002", secrets["8002"], f"{box.box_ip}:5060").register()
        call = remote.call("8002")
        at_desk = desk.wait_incoming(timeout=15)
        at_desk.answer_call()
        at_desk.wait_confirmed()
        call.wait_confirmed()
        call.play(write_tone(tmp_path / "seat.wav", SEAT_TONE, 4.0), loop=True)
        at_desk.play(write_tone(tmp_path / "desk.wav", DESK_TONE, 4.0), loop=True)
        sip.wait(lambda: at_desk.listener.heard_tone(SEAT_TONE, min_ms=500), 10, "the seat's voice at the desk")
        sip.wait(lambda: call.listener.heard_tone(DESK_TONE, min_ms=500), 10, "the desk's voice at the seat")
        call.hangup_call()
        at_desk.wait_disconnected()

        # Another extension's credentials through the seat's peer are refused: its endpoint denies the
        # tunnel network, and Asterisk answers as to a wrong password (401), never 200.
        farm.add("8003", secrets["8003"])
        farm.wait(lambda: farm.phone_status("8003")["reg"] == 401, 15, "8003 refused through 8001's tunnel")
        assert api.get("/extensions/8003").json["registration"] is None
        assert remote.registered
        # The same credentials from the LAN register: the address, not the password, was refused.
        sip.phone("8003", secrets["8003"], f"{box.box_ip}:5060").register()
        # The box learns of the registration from Asterisk's event, a moment after the phone's 200.
        contact = sip.wait(lambda: (api.get("/extensions/8003").json["registration"] or {}).get("contact"), 10,
                           "8003's registration at the box")
        assert box.host_ip in contact

        # Removing the seat takes the peer away: the tunnel carries nothing more.
        assert api.delete("/extensions/8001/tunnel").status == 204
        wait_for(lambda: seat["public_key"] not in box.exec("wg", "show", "wg0", "peers"), 10, "the peer removed")
        assert api.get("/extensions/8001/tunnel").status == 404
        assert fetch_in(home.netns, f"http://{BOX_TUNNEL}:8080/api/v1/health", timeout=1) is None
    finally:
        farm.close()
