"""Sites: headquarters and a branch, each a box in its own network namespace, joined through an
"internet" namespace of the test's own (a bridge on 203.0.113.0/24). The branch enrols with its
code over HTTPS, the tunnel comes up between the two boxes, and bad codes change nothing. Then
calls between the sites: short numbers both ways with audio through the tunnel and busy lamps
for the other site's extensions, a call to the
branch's area leaving through the branch's own trunk, and headquarters' own trunk while the
tunnel is cut.

The boxes listen for SIP on every address, as the image does (its BOX_SIP is 0.0.0.0:5060): the
other site calls on the tunnel address. Phones and each box's provider sit on the host's end of
that box's own link."""

from __future__ import annotations

import base64
import json
import re
import secrets
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.api import Api
from tests.audio import write_tone
from tests.integration.conftest import ADMIN_PASSWORD, start_box, stop_box
from tests.wgpeer import sh, wait_for

HQ_PUBLIC, BRANCH_PUBLIC = "203.0.113.1", "203.0.113.2"


class Internet:
    """A namespace with a bridge; each box gets a second veth on it, with an address."""

    def __init__(self):
        self.tag = secrets.token_hex(3)
        self.netns = f"inet{self.tag}"
        self.links: list[tuple[str, str]] = []
        sh("ip", "netns", "add", self.netns)
        sh("ip", "-n", self.netns, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", self.netns, "link", "set", "br0", "up")

    def attach(self, box_netns: str, address: str, n: int) -> str:
        outside, inside = f"i{self.tag}{n}", f"w{self.tag}{n}"
        sh("ip", "link", "add", outside, "netns", self.netns, "type", "veth", "peer", "name", inside,
           "netns", box_netns)
        sh("ip", "-n", self.netns, "link", "set", outside, "master", "br0", "up")
        sh("ip", "-n", box_netns, "addr", "add", f"{address}/24", "dev", inside)
        sh("ip", "-n", box_netns, "link", "set", inside, "up")
        self.links.append((outside, box_netns))
        return outside

    def cut(self, outside: str, up: bool) -> None:
        sh("ip", "-n", self.netns, "link", "set", outside, "up" if up else "down")

    def close(self) -> None:
        sh("ip", "netns", "del", self.netns, check=False)  # takes the veths with it


@pytest.fixture(scope="module")
def boxes():
    import os

    if os.geteuid() != 0:
        pytest.skip("integration tests run as root (they make namespaces and mounts)")
    names = [f"t-{secrets.token_hex(4)}" for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        started = list(pool.map(lambda n: _try_start(n), names))
    net = None
    try:
        for s in started:
            if isinstance(s, Exception):
                raise s
        hq, branch = started
        net = Internet()
        net.attach(hq.state()["netns"], HQ_PUBLIC, 1)
        net.branch_link = net.attach(branch.state()["netns"], BRANCH_PUBLIC, 2)
        yield hq, branch, net
    finally:
        if net is not None:
            net.close()
        for n, s in zip(names, started):
            if not isinstance(s, Exception):
                stop_box(n)


def _try_start(name):
    try:
        return start_box(name, env=("BOX_SIP=0.0.0.0:5060",))
    except Exception as exc:  # noqa: BLE001 - reported by the fixture, after the other box is down
        return exc


@pytest.fixture(scope="module")
def hq(boxes):
    api = Api(boxes[0].url).sign_in(ADMIN_PASSWORD)
    r = api.put("/vpn", {"address": "10.99.0.1/24", "public_address": HQ_PUBLIC})
    assert r.status == 200, r
    return api


@pytest.fixture(scope="module")
def branch(boxes):
    return Api(boxes[1].url).sign_in(ADMIN_PASSWORD)


def recode(code: str, **changes) -> str:
    body = code[5:]
    doc = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    doc.update(changes)
    return "CBX1-" + base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")


def fetch_in_box(box, url: str) -> str | None:
    code = ("import urllib.request as u; o = u.build_opener(u.ProxyHandler({}));"
            f"print(o.open({url!r}, timeout=2).read().decode())")
    out = box.exec("python3", "-c", code, check=False)
    return out or None


def test_site_codes_and_refusals(hq, branch, boxes):
    r = hq.post("/sites", {"name": "Branch 2", "extensions": "2000-2099", "breakout_patterns": ["_0755XXXXXXXX"]})
    assert r.status == 201, r
    site_id, code = r.json["id"], r.json["code"]
    assert r.json["expires"]
    # A range over headquarters' own numbers and bad input are refused; nothing is made.
    for body, field in (({"name": "Other", "extensions": "70-79"}, "extensions"),  # headquarters' park slots
                        ({"name": "Other", "extensions": "2999-2000"}, "extensions"),
                        ({"name": "Other", "extensions": "3000-3099", "breakout_patterns": ["0755;x"]},
                         "breakout_patterns")):
        r = hq.post("/sites", body)
        assert r.status == 422 and r.json["field"] == field, r
    assert [s["name"] for s in hq.get("/sites").json["items"]] == ["Branch 2"]

    # A damaged code, and headquarters showing another certificate than the code names.
    r = branch.post("/enrol", {"code": "CBX1-garbage"})
    assert r.status == 422 and r.json["field"] == "code", r
    r = branch.post("/enrol", {"code": recode(code, f="sha256:" + "0" * 64)})
    assert r.status == 422 and "certificate" in r.json["error"], r
    assert branch.get("/enrol").json == {"state": "none", "headquarters": None}
    site = next(s for s in hq.get("/sites").json["items"] if s["id"] == site_id)
    assert site["state"] == "pending" and site["number"] == 2


def test_branch_enrols_and_the_tunnel_comes_up(hq, branch, boxes):
    hq_box, branch_box, net = boxes
    r = hq.post("/sites", {"name": "Branch 3", "extensions": "3000-3099"})
    assert r.status == 201, r
    site_id, code = r.json["id"], r.json["code"]
    fingerprint = json.loads(base64.urlsafe_b64decode(code[5:] + "=" * (-len(code[5:]) % 4)))["f"]
    assert fingerprint == hq.get("/system/certificate").json["fingerprint"]

    r = branch.post("/enrol", {"code": code}, timeout=30)
    assert r.status == 200, r
    state = branch.get("/enrol").json
    assert state["state"] == "enrolled" and state["headquarters"] == f"https://{HQ_PUBLIC}:8443"
    assert state["site"]["extensions"] == "3000-3099"
    tunnel = state["tunnel"]["address"].split("/")[0]

    # The tunnel: both ends' API through it, and headquarters sees the branch up.
    assert wait_for(lambda: fetch_in_box(branch_box, "http://10.99.0.1:8080/api/v1/health"), 20,
                    "headquarters through the tunnel")
    assert wait_for(lambda: fetch_in_box(hq_box, f"http://{tunnel}:8080/api/v1/health"), 20,
                    "the branch through the tunnel")
    site = wait_for(lambda: next((s for s in hq.get("/sites").json["items"]
                                  if s["id"] == site_id and s["state"] == "up"), None), 15, "the site up")
    assert site["last_seen"]
    # The branch reports itself (version, phones registered) and learns the site list.
    site = wait_for(lambda: next((s for s in hq.get("/sites").json["items"]
                                  if s["id"] == site_id and s["version"]), None), 15, "the branch's report")
    assert site["phones_registered"] == 0
    assert wait_for(lambda: branch.get("/enrol").json.get("sites"), 25, "the site list at the branch")[0]["number"] \
        == state["site"]["number"]

    # The code is used: the branch again, or another box with the same token, are refused.
    assert branch.post("/enrol", {"code": code}).status == 409
    token = json.loads(base64.urlsafe_b64decode(code[5:] + "=" * (-len(code[5:]) % 4)))["t"]
    other_key = sh("wg", "pubkey", input=sh("wg", "genkey")).strip()
    r = Api(hq_box.url).post("/sites/join", {"token": token, "public_key": other_key})
    assert r.status == 409, r

    # Revoking takes the branch's peer away at headquarters, and the branch takes its side down
    # at its next report (headquarters no longer knows it).
    branch_key = branch.get("/vpn").json["public_key"]
    assert branch_key in hq_box.exec("wg", "show", "wg0", "peers")
    assert hq.delete(f"/sites/{site_id}").status == 204
    wait_for(lambda: branch_key not in hq_box.exec("wg", "show", "wg0", "peers"), 10, "the peer removed")
    assert site_id not in [s["id"] for s in hq.get("/sites").json["items"]]
    wait_for(lambda: branch.get("/enrol").json["state"] == "none", 30, "the branch leaving")
    wait_for(lambda: not branch.get("/vpn").json["running"], 15, "the branch's tunnel down")
    assert branch.get("/vpn/peers").json["items"] == []


SITE_AREA = "075512345678"  # a number in the branch's city, as it leaves for a trunk
HQ_TONE, BRANCH_TONE = 700, 1300
IDLE, IN_USE = "Idle", "InUse"  # a hint's state, which Asterisk NOTIFYs to busy lamp keys


@pytest.fixture(scope="module")
def phones(boxes, tmp_path_factory):
    """A SIP stack on each box's link (its phones and its provider), and the tones they play."""
    from tests.phones import SipStack

    hq_box, branch_box, _net = boxes
    stacks = [SipStack(b.host_ip, tmp_path_factory.mktemp(f"sip-{i}")) for i, b in enumerate((hq_box, branch_box))]
    providers = []
    try:
        for b in (hq_box, branch_box):
            ip = b.host_ip.rsplit(".", 1)[0] + ".3"
            subprocess.run(["ip", "addr", "add", f"{ip}/24", "dev", b.state()["host_if"]], check=True)
            providers.append((ip, b.state()["host_if"]))
        d = tmp_path_factory.mktemp("tones")
        yield {"hq": stacks[0], "branch": stacks[1], "providers": [ip for ip, _ in providers],
               "tones": {"hq": write_tone(d / "hq.wav", HQ_TONE, 4.0), "branch": write_tone(d / "br.wav", BRANCH_TONE, 4.0)}}
    finally:
        for s in stacks:
            s.close()
        for ip, dev in providers:
            subprocess.run(["ip", "addr", "del", f"{ip}/24", "dev", dev], check=False)


def _own_trunk(api, provider_ip: str, name: str) -> None:
    """The box's own provider and an outbound route 0 + number through it."""
    r = api.post("/trunks", {"name": name, "host": provider_ip, "port": 5090})
    assert r.status == 201, r
    r = api.post("/outbound-routes", {"name": name, "patterns": [{"pattern": "_0X.", "strip": 1}],
                                      "trunks": [r.json["id"]]})
    assert r.status == 201, r


def _settled(api) -> bool:
    return api.get("/health").json["config"]["pending"] == 0


def _trunk_reachable(hq, site_id):
    return next(s for s in hq.get("/sites").json["items"] if s["id"] == site_id)["trunk_reachable"]


def _hint(box, number: str) -> str | None:
    """The state of the hint a busy lamp key on `number` follows at `box` (None: no such hint)."""
    found = re.search(rf"^\s*{number}@\S+\s*:\s*\S+\s+State:(\w+)", box.asterisk(f"core show hint {number}"), re.M)
    return found.group(1) if found else None


def _listed(api, number: str) -> str | None:
    """The state the Extensions page shows for another site's extension (GET /sites/extensions)."""
    return next((i["state"] for i in api.get("/sites/extensions").json["items"] if i["number"] == number), None)


def _leaves_by(desk, provider) -> None:
    """The desk dials 0 and a number in the branch's area; `provider` takes it, as dialled."""
    call = desk.call("0" + SITE_AREA)
    leg = _answer(provider)
    assert f"sip:{SITE_AREA}@" in leg.getInfo().localUri, leg.getInfo().localUri
    call.wait_confirmed()
    call.hangup_call()
    leg.wait_disconnected()


def _answer(phone, timeout=15):
    call = phone.wait_incoming(timeout=timeout)
    call.answer_call()
    call.wait_confirmed()
    return call


def test_calls_between_sites_and_through_the_branch(hq, branch, boxes, phones):
    hq_box, branch_box, net = boxes
    hq_sip, br_sip = phones["hq"], phones["branch"]
    hq_provider_ip, br_provider_ip = phones["providers"]
    assert branch.get("/enrol").json["state"] == "none", "the branch is enrolled already"

    # Each site: a desk phone and its own provider; headquarters' extension is there before the
    # branch enrols, so the first site list the branch gets names it.
    r = hq.post("/extensions", {"number": "8001", "name": "HQ desk"})
    assert r.status == 201, r
    hq_desk = hq_sip.phone("8001", r.json["secret"], f"{hq_box.box_ip}:5060").register()
    _own_trunk(hq, hq_provider_ip, "HQ provider")
    hq_provider = hq_sip.provider(hq_provider_ip, 5090)
    r = hq.post("/sites", {"name": "Shenzhen", "extensions": "4000-4099", "breakout_patterns": ["_0755XXXXXXXX"]})
    assert r.status == 201, r
    site_id, code = r.json["id"], r.json["code"]

    r = branch.post("/enrol", {"code": code}, timeout=30)
    assert r.status == 200, r
    r = branch.post("/extensions", {"number": "4001", "name": "Shenzhen desk"})
    assert r.status == 201, r
    br_desk = br_sip.phone("4001", r.json["secret"], f"{branch_box.box_ip}:5060").register()
    _own_trunk(branch, br_provider_ip, "Shenzhen provider")
    br_provider = br_sip.provider(br_provider_ip, 5090)

    # The inter-site trunk answers its qualify at both ends, and the branch has the site list.
    hq_sip.wait(lambda: _trunk_reachable(hq, site_id), 40, "headquarters' trunk to the branch")
    hq_sip.wait(lambda: branch.get("/enrol").json.get("trunk_reachable"), 20, "the branch's trunk to headquarters")
    hq_sip.wait(lambda: branch.get("/enrol").json.get("sites"), 25, "the site list at the branch")
    hq_sip.wait(lambda: _settled(branch) and _settled(hq), 20, "both dial plans applied")

    # Busy lamps across the sites: the branch has a hint for headquarters' 8001, headquarters one
    # for the branch's 4001 (once the branch has reported it); each follows the state the other
    # site publishes for its phone.
    lamps = {"8001 at the branch": lambda: _hint(branch_box, "8001"),
             "4001 at headquarters": lambda: _hint(hq_box, "4001")}
    hq_sip.wait(lambda: lamps["4001 at headquarters"](), 25, "headquarters' hint for the branch's 4001")

    # A branch phone dials headquarters' extension by its number; audio both ways through the tunnel.
    call = br_desk.call("8001")
    at_hq = _answer(hq_desk)
    call.wait_confirmed()
    for what, lamp in lamps.items():
        hq_sip.wait(lambda: lamp() == IN_USE, 10, f"the lamp of {what} in use")
    # The Extensions page lists the other site's extension with the same state, live.
    pages = {"4001 on headquarters' page": lambda: _listed(hq, "4001"),
             "8001 on the branch's page": lambda: _listed(branch, "8001")}
    for what, state in pages.items():
        hq_sip.wait(lambda: state() == "in_use", 10, f"{what} in a call")
    call.play(phones["tones"]["branch"], loop=True)
    at_hq.play(phones["tones"]["hq"], loop=True)
    hq_sip.wait(lambda: at_hq.listener.heard_tone(BRANCH_TONE, min_ms=500), 10, "the branch's voice at headquarters")
    hq_sip.wait(lambda: call.listener.heard_tone(HQ_TONE, min_ms=500), 10, "headquarters' voice at the branch")
    assert "4001" in at_hq.getInfo().remoteUri, at_hq.getInfo().remoteUri  # who called, by its own number
    call.hangup_call()
    at_hq.wait_disconnected()
    for what, lamp in lamps.items():
        hq_sip.wait(lambda: lamp() == IDLE, 10, f"the lamp of {what} idle again")
    for what, state in pages.items():
        hq_sip.wait(lambda: state() == "idle", 10, f"{what} idle again")

    # And back: headquarters dials the branch's range.
    call = hq_desk.call("4001")
    at_branch = _answer(br_desk)
    call.wait_confirmed()
    call.hangup_call()
    at_branch.wait_disconnected()

    # A number in the branch's area leaves through the branch's own provider, as it was dialled.
    _leaves_by(hq_desk, br_provider)
    assert not hq_provider.incoming

    # The tunnel cut: headquarters sees the trunk down within 10 s and uses its own provider.
    cut = time.monotonic()
    net.cut(net.branch_link, up=False)
    try:
        hq_sip.wait(lambda: _trunk_reachable(hq, site_id) is False, 15, "the trunk to the branch down")
        noticed = time.monotonic() - cut
        print(f"the tunnel's loss noticed after {noticed:.1f} s")
        assert noticed <= 10, f"the tunnel's loss was noticed after {noticed:.1f} s"
        # A call through headquarters' own provider, still up when the tunnel comes back.
        call = hq_desk.call("0" + SITE_AREA)
        leg = _answer(hq_provider)
        assert f"sip:{SITE_AREA}@" in leg.getInfo().localUri, leg.getInfo().localUri
        call.wait_confirmed()
    finally:
        net.cut(net.branch_link, up=True)
    # The tunnel back: the branch's lamp on 8001 shows the call that began while it was cut.
    hq_sip.wait(lambda: _trunk_reachable(hq, site_id), 30, "the trunk to the branch back")
    hq_sip.wait(lambda: _hint(branch_box, "8001") == IN_USE, 15, "the branch's lamp of 8001 after the cut")
    call.hangup_call()
    leg.wait_disconnected()
    hq_sip.wait(lambda: _hint(branch_box, "8001") == IDLE, 10, "the branch's lamp of 8001 idle again")
    # And the branch's line again.
    before = len(br_provider.incoming)
    _leaves_by(hq_desk, br_provider)
    assert len(br_provider.incoming) == before + 1

    # The caller's permission class holds at both ends: headquarters refuses an extension that may
    # not call outside, and the branch refuses a class it does not have (classes are each box's own;
    # the built-in ones are everywhere).
    log = lambda: branch_box.exec("cat", "/data/log/asterisk/messages.log", check=False)  # noqa: E731
    assert hq.patch("/extensions/8001", {"permission_class": "internal"}).status == 200
    call = hq_desk.call("0" + SITE_AREA)
    call.wait_disconnected(timeout=15)
    r = hq.post("/permission-classes", {"name": "roaming", "reach": ["international"]})
    assert r.status == 201, r
    assert hq.patch("/extensions/8001", {"permission_class": "roaming"}).status == 200
    call = hq_desk.call("0" + SITE_AREA)
    br_sip.wait(lambda: f"outside call to {SITE_AREA} refused: local for site1 of class roaming" in log(), 15,
                "the branch refusing a class it does not have")
    call.hangup_call()
    assert len(br_provider.incoming) == before + 1 and len(hq_provider.incoming) == 1
    assert hq.patch("/extensions/8001", {"permission_class": "international"}).status == 200

    # The inter-site trunk reaches nothing else at the branch: headquarters' Asterisk itself (the
    # site's credentials, from its tunnel address) asking the branch for another outside number
    # is refused there, and the branch's provider never sees it.
    number = branch.get("/enrol").json["site"]["number"]
    hq_box.asterisk(f"channel originate PJSIP/0123456789@site{number} application Wait 3")
    br_sip.wait(lambda: "call from site1 to 0123456789 refused" in log(), 15, "the branch refusing the call")
    assert len(br_provider.incoming) == before + 1

    hq.delete(f"/sites/{site_id}")
    wait_for(lambda: branch.get("/enrol").json["state"] == "none", 30, "the branch leaving")
