"""Sites: headquarters and three branches, each a box in its own network namespace, joined through
an "internet" namespace of the test's own (a bridge on 203.0.113.0/24). Branch 1 is on the internet
itself; branches 2 and 3 sit behind NAT routers (a namespace each, masquerading a private network
and letting in only the answers to what went out), so headquarters sees them at their routers'
addresses and only the branches' WireGuard keepalive keeps the way in open.

The branches enrol at once with their codes over HTTPS and their tunnels come up; bad, used and
expired codes change nothing. Then calls between the sites: branch 2 dials headquarters and
branch 3 by short number with audio through the tunnels (headquarters passes branch to branch),
busy lamps for the other sites' extensions (branch to branch as headquarters relays them), a call
to branch 3's area leaving through branch 3's own trunk, and headquarters' own trunk while branch
3's tunnel is cut.

The boxes listen for SIP on every address, as the image does (its BOX_SIP is 0.0.0.0:5060): the
other site calls on the tunnel address. Phones and each box's provider sit on the host's end of
that box's own link."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.api import Api
from tests.audio import write_tone
from tests.integration.conftest import ADMIN_PASSWORD, start_box, stop_box
from tests.wgpeer import sh, wait_for

HQ_PUBLIC = "203.0.113.1"
# Each branch: the address the internet sees it at (its own, or its NAT router's), its private
# network behind the router (None: on the internet itself), its extension range.
BRANCHES = {1: ("203.0.113.2", None, "5000-5099"),
            2: ("203.0.113.12", "192.168.2", "2000-2099"),
            3: ("203.0.113.13", "192.168.3", "3000-3099")}
BRANCH3_AREA = "_0755XXXXXXXX"
ENROL_WITHIN = 30  # seconds from the code to a branch enrolled with its tunnel up


class Internet:
    """A namespace with a bridge; a box joins it by a veth with a public address, or behind a NAT
    router of its own (a namespace between the box and the bridge)."""

    def __init__(self):
        self.tag = secrets.token_hex(3)
        self.netns = f"inet{self.tag}"
        self.routers: list[str] = []
        sh("ip", "netns", "add", self.netns)
        sh("ip", "-n", self.netns, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", self.netns, "link", "set", "br0", "up")

    def _uplink(self, netns: str, address: str, n: int) -> str:
        outside, inside = f"i{self.tag}{n}", f"w{self.tag}{n}"
        sh("ip", "link", "add", outside, "netns", self.netns, "type", "veth", "peer", "name", inside, "netns", netns)
        sh("ip", "-n", self.netns, "link", "set", outside, "master", "br0", "up")
        sh("ip", "-n", netns, "addr", "add", f"{address}/24", "dev", inside)
        sh("ip", "-n", netns, "link", "set", inside, "up")
        return outside

    def attach(self, box_netns: str, address: str, n: int) -> str:
        """The box on the internet itself; returns the bridge's port to it (cut it to cut the box off)."""
        return self._uplink(box_netns, address, n)

    def attach_behind_nat(self, box_netns: str, public: str, private: str, n: int) -> str:
        """The box at `private`.2 behind a router at `private`.1 that masquerades as `public`."""
        router = f"nat{self.tag}{n}"
        sh("ip", "netns", "add", router)
        self.routers.append(router)
        sh("ip", "-n", router, "link", "set", "lo", "up")
        outside = self._uplink(router, public, n)
        lan, box_side = f"l{self.tag}{n}", f"b{self.tag}{n}"
        sh("ip", "link", "add", lan, "netns", router, "type", "veth", "peer", "name", box_side, "netns", box_netns)
        sh("ip", "-n", router, "addr", "add", f"{private}.1/24", "dev", lan)
        sh("ip", "-n", router, "link", "set", lan, "up")
        sh("ip", "-n", box_netns, "addr", "add", f"{private}.2/24", "dev", box_side)
        sh("ip", "-n", box_netns, "link", "set", box_side, "up")
        sh("ip", "-n", box_netns, "route", "add", "203.0.113.0/24", "via", f"{private}.1")
        sh("ip", "netns", "exec", router, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        rules = (f"table ip nat {{\n chain post {{\n  type nat hook postrouting priority 100; policy accept;\n"
                 f"  oifname \"w{self.tag}{n}\" masquerade\n }}\n}}\n"
                 f"table ip filter {{\n chain forward {{\n  type filter hook forward priority 0; policy drop;\n"
                 f"  ct state established,related accept\n  iifname \"{lan}\" accept\n }}\n}}\n")
        sh("ip", "netns", "exec", router, "nft", "-f", "-", input=rules)
        return outside

    def cut(self, outside: str, up: bool) -> None:
        sh("ip", "-n", self.netns, "link", "set", outside, "up" if up else "down")

    def close(self) -> None:
        for router in self.routers:
            sh("ip", "netns", "del", router, check=False)
        sh("ip", "netns", "del", self.netns, check=False)  # takes the veths with it


@pytest.fixture(scope="module")
def boxes():
    """Headquarters and branches 1 to 3 (index 0 to 3), and the internet between them."""
    if os.geteuid() != 0:
        pytest.skip("integration tests run as root (they make namespaces and mounts)")
    names = [f"t-{secrets.token_hex(4)}" for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        started = list(pool.map(_try_start, names))
    net = None
    try:
        for s in started:
            if isinstance(s, Exception):
                raise s
        net = Internet()
        net.attach(started[0].state()["netns"], HQ_PUBLIC, 0)
        net.links = {}
        for n, (public, private, _range) in BRANCHES.items():
            netns = started[n].state()["netns"]
            net.links[n] = net.attach(netns, public, n) if private is None \
                else net.attach_behind_nat(netns, public, private, n)
        yield started, net
    finally:
        if net is not None:
            net.close()
        for n, s in zip(names, started):
            if not isinstance(s, Exception):
                stop_box(n)


def _try_start(name):
    try:
        return start_box(name, env=("BOX_SIP=0.0.0.0:5060",))
    except Exception as exc:  # noqa: BLE001 - reported by the fixture, after the other boxes are down
        return exc


@pytest.fixture(scope="module")
def hq(boxes):
    api = Api(boxes[0][0].url).sign_in(ADMIN_PASSWORD)
    r = api.put("/vpn", {"address": "10.99.0.1/24", "public_address": HQ_PUBLIC})
    assert r.status == 200, r
    return api


@pytest.fixture(scope="module")
def branches(boxes):
    return {n: Api(boxes[0][n].url).sign_in(ADMIN_PASSWORD) for n in BRANCHES}


def _site(hq, site_id) -> dict | None:
    return next((s for s in hq.get("/sites").json["items"] if s["id"] == site_id), None)


def _enrol(hq, branch, n: int) -> dict:
    """Branch n enrols with a new code; returns its site, and how long until its tunnel was up."""
    r = hq.post("/sites", {"name": f"Branch {n}", "extensions": BRANCHES[n][2],
                           "breakout_patterns": [BRANCH3_AREA] if n == 3 else []})
    assert r.status == 201, r
    site_id, code = r.json["id"], r.json["code"]
    began = time.monotonic()
    r = branch.post("/enrol", {"code": code}, timeout=ENROL_WITHIN)
    assert r.status == 200, r
    wait_for(lambda: (_site(hq, site_id) or {}).get("state") == "up", ENROL_WITHIN, f"branch {n}'s tunnel up")
    return {"id": site_id, "code": code, "seconds": time.monotonic() - began,
            "number": branch.get("/enrol").json["site"]["number"]}


@pytest.fixture(scope="module")
def sites(hq, branches):
    """The three branches enrolled at once; their sites by branch, updated when one enrols again."""
    with ThreadPoolExecutor(3) as pool:
        done = dict(zip(BRANCHES, pool.map(lambda n: _enrol(hq, branches[n], n), BRANCHES)))
    return done


def _code_doc(code: str) -> dict:
    body = code[5:]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def recode(code: str, **changes) -> str:
    doc = {**_code_doc(code), **changes}
    return "CBX1-" + base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")


def fetch_in_box(box, url: str) -> str | None:
    code = ("import urllib.request as u; o = u.build_opener(u.ProxyHandler({}));"
            f"print(o.open({url!r}, timeout=2).read().decode())")
    out = box.exec("python3", "-c", code, check=False)
    return out or None


def test_branches_enrol_at_once_and_their_tunnels_come_up_through_nat(hq, branches, sites, boxes):
    started, _net = boxes
    hq_box = started[0]
    for n, site in sites.items():
        print(f"branch {n} enrolled with its tunnel up after {site['seconds']:.1f} s")
        assert site["seconds"] <= ENROL_WITHIN
        state = branches[n].get("/enrol").json
        assert state["state"] == "enrolled" and state["headquarters"] == f"https://{HQ_PUBLIC}:8443"
        assert state["site"]["extensions"] == BRANCHES[n][2]
        assert state["fingerprint"] == hq.get("/system/certificate").json["fingerprint"]
    # Headquarters sees each branch where the internet shows it: the NATed ones at their routers.
    peers = {p["public_key"]: p for p in hq.get("/vpn/peers").json["items"]}
    for n in BRANCHES:
        key = branches[n].get("/vpn").json["public_key"]
        seen = wait_for(lambda: peers[key]["endpoint_seen"] or
                        {p["public_key"]: p for p in hq.get("/vpn/peers").json["items"]}[key]["endpoint_seen"],
                        10, f"branch {n}'s endpoint")
        assert seen.split(":")[0] == BRANCHES[n][0], (n, seen)
    # Through the tunnels both ways, into a NATed branch too (its keepalive holds the way open).
    tunnel = branches[3].get("/enrol").json["tunnel"]["address"].split("/")[0]
    assert wait_for(lambda: fetch_in_box(started[3], "http://10.99.0.1:8080/api/v1/health"), 20,
                    "headquarters through branch 3's tunnel")
    assert wait_for(lambda: fetch_in_box(hq_box, f"http://{tunnel}:8080/api/v1/health"), 20,
                    "branch 3 through its tunnel")
    # Each branch reports itself (version, phones registered) and learns the site list.
    for n, site in sites.items():
        found = wait_for(lambda: (s := _site(hq, site["id"])) and s["version"] and s, 25, f"branch {n}'s report")
        assert found["last_seen"] and found["phones_registered"] == 0
        listed = wait_for(lambda: branches[n].get("/enrol").json.get("sites"), 25, f"the site list at branch {n}")
        assert sorted(s["number"] for s in listed) == sorted(s["number"] for s in sites.values())


def test_bad_used_and_expired_codes_and_revoking(hq, branches, sites, boxes, phones):
    """Branch 1 is revoked, with a phone of its registered and a message in another's mailbox, and
    leaves; headquarters and the other branches keep no lamp of its phone nor of its mailbox. Then,
    not enrolled, it is refused a damaged code, one showing another certificate, one used by branch
    2 and an expired one, and nothing changes; it enrols again with a good one."""
    from tests.integration.test_phones import leave_voicemail
    from tests.mwiwatch import MailboxLamp

    started, _net = boxes
    hq_box, branch = started[0], branches[1]
    # A range over headquarters' own numbers and bad input are refused at headquarters; nothing is made.
    before = [s["id"] for s in hq.get("/sites").json["items"]]
    for body, field in (({"name": "Other", "extensions": "70-79"}, "extensions"),  # headquarters' park slots
                        ({"name": "Other", "extensions": "7999-7000"}, "extensions"),
                        ({"name": "Other", "extensions": "7000-7099", "breakout_patterns": ["0755;x"]},
                         "breakout_patterns")):
        r = hq.post("/sites", body)
        assert r.status == 422 and r.json["field"] == field, r
    assert [s["id"] for s in hq.get("/sites").json["items"]] == before

    # A phone of the branch's registered (idle) and one not: headquarters relays their lamps (kept
    # in its Asterisk's database) and branch 2 has them. A plain SIP client: pjsua has few sockets.
    from tests.sipattack import SipClient

    desk = SipClient(started[1].host_ip, f"{started[1].box_ip}:5060")
    for number in ("5001", "5002"):
        r = branch.post("/extensions", {"number": number, "name": f"Desk {number}"})
        assert r.status == 201, r
        if number == "5001":
            assert desk.register(number, r.json["secret"]) == 200

    def alive(check):  # the desk answers the box's qualify, as a phone does
        for request in desk.drain():
            if request.startswith("OPTIONS "):
                desk.answer(request)
        return check()

    wait_for(lambda: alive(lambda: _relayed(hq_box, "SITE50") == {"SITE5001": "NOT_INUSE",
                                                                  "SITE5002": "UNAVAILABLE"}),
             45, "headquarters relaying branch 1's lamps")
    wait_for(lambda: alive(lambda: _device_state(started[2], "Custom:SITE5001") == "NOT_INUSE"), 10,
             "branch 2 told")
    assert _device_state(hq_box, "PJSIP/5001") == "NOT_INUSE"  # as branch 1 published it there
    # 5002's mailbox has a message, watched from headquarters and from branch 2 (passed on there).
    made = {}
    for api, number in ((hq, "8401"), (branches[2], "2401")):
        r = api.post("/extensions", {"number": number, "name": f"Desk {number}"})
        assert r.status == 201, r
        made[number] = r.json["secret"]
    lamps = {"at headquarters": MailboxLamp(hq_box.host_ip, f"{hq_box.box_ip}:5060", "8401", made["8401"]),
             "at branch 2": MailboxLamp(started[2].host_ip, f"{started[2].box_ip}:5060", "2401", made["2401"])}
    wait = phones["hq"].wait
    for what, lamp in lamps.items():
        wait(lambda: alive(lambda: lamp.subscribe("5002") == 200), 30, f"the subscription to 5002 {what}", step_ms=1000)
    caller = phones["hq"].phone("8401", made["8401"], f"{hq_box.box_ip}:5060").register()
    leave_voicemail(phones["hq"], caller, None, "5002", phones["tones"]["branch"])
    phones["hq"].discard(caller)
    for what, lamp in lamps.items():
        wait(lambda: alive(lambda: lamp.waiting() is True), 20, f"the lamp on 5002 {what} lit")

    # Revoking takes the branch's peer away at headquarters, and the branch takes its side down
    # at its next report (headquarters no longer knows it). Its phones' lamps go with it: out of
    # headquarters' database (its Asterisk would set them again at its next start), and the phone
    # still registered at the branch is unavailable at branch 2.
    branch_key = branch.get("/vpn").json["public_key"]
    assert branch_key in hq_box.exec("wg", "show", "wg0", "peers")
    assert hq.delete(f"/sites/{sites[1]['id']}").status == 204
    wait_for(lambda: branch_key not in hq_box.exec("wg", "show", "wg0", "peers"), 10, "the peer removed")
    assert _site(hq, sites[1]["id"]) is None
    # What branch 1 published to headquarters' Asterisk is outweighed there before its trunk goes: a
    # box enrolled later for this range, or an extension made here, starts from nothing, not from
    # its lamp. (Asterisk finds no state, and no endpoint of that name here.)
    assert _device_state(hq_box, "PJSIP/5001") == "INVALID"
    wait_for(lambda: alive(lambda: not _relayed(hq_box, "SITE50")), 20, "branch 1's lamps out of headquarters' database")
    wait_for(lambda: alive(lambda: _device_state(started[2], "Custom:SITE5001") == "UNAVAILABLE"), 10,
             "branch 1's phone unavailable at branch 2")
    # Its mailbox's lamp goes dark at branch 2, and at headquarters too: the count branch 1 published
    # there is replaced by headquarters' own (no such mailbox here: none), so a box enrolled later for
    # this range would not show it.
    for what, lamp in lamps.items():
        wait_for(lambda: alive(lambda: lamp.waiting() is False), 20, f"the lamp on 5002 {what} dark")
        assert lamp.voice_messages() == "0/0", lamp.notifies[-1]
        lamp.close()
    desk.close()
    wait_for(lambda: branch.get("/enrol").json["state"] == "none", 30, "the branch leaving")
    wait_for(lambda: not branch.get("/vpn").json["running"], 15, "the branch's tunnel down")
    assert branch.get("/vpn/peers").json["items"] == []

    r = hq.post("/sites", {"name": "Expired", "extensions": "7000-7099"})
    assert r.status == 201, r
    expired_id, expired = r.json["id"], r.json["code"]
    # Its day passed: headquarters' database says so (no clock is wound here).
    past = (dt.datetime.utcnow() - dt.timedelta(hours=1)).isoformat(" ")
    hq_box.exec("python3", "-c", "import sqlite3, sys; c = sqlite3.connect('/data/config.db'); "
                "c.execute('UPDATE site SET code_expires = ? WHERE id = ?', (sys.argv[1], int(sys.argv[2]))); "
                "c.commit()", past, str(expired_id))
    for code, status, says in (("CBX1-garbage", 422, "code"),
                               (recode(expired, f="sha256:" + "0" * 64), 422, "certificate"),
                               (sites[2]["code"], 409, "used"),
                               (expired, 422, "expired")):
        r = branch.post("/enrol", {"code": code}, timeout=30)
        assert r.status == status and r.json["field"] == "code" and says in r.json["error"], r
        assert branch.get("/enrol").json == {"state": "none", "headquarters": None}
    # Another box with branch 2's token is refused too, and headquarters made nothing of it all.
    other_key = sh("wg", "pubkey", input=sh("wg", "genkey")).strip()
    r = Api(hq_box.url).post("/sites/join", {"token": _code_doc(sites[2]["code"])["t"], "public_key": other_key})
    assert r.status == 409, r
    assert _site(hq, expired_id)["state"] == "pending" and branch_key not in hq_box.exec("wg", "show", "wg0", "peers")
    assert hq.delete(f"/sites/{expired_id}").status == 204

    sites[1] = _enrol(hq, branch, 1)  # as the other tests may expect it


SITE_AREA = "075512345678"  # a number in branch 3's city, as it leaves for a trunk
HQ_TONE, BRANCH_TONE = 700, 1300
IDLE, IN_USE = "Idle", "InUse"  # a hint's state, which Asterisk NOTIFYs to busy lamp keys


@pytest.fixture(scope="module")
def phones(boxes, tmp_path_factory):
    """A SIP stack on the links of headquarters and branches 2 and 3 (their phones), providers for
    headquarters and branch 3, and the tones they play."""
    from tests.phones import SipStack

    started, _net = boxes
    at = {"hq": started[0], "b2": started[2], "b3": started[3]}
    stacks = {k: SipStack(b.host_ip, tmp_path_factory.mktemp(f"sip-{k}")) for k, b in at.items()}
    providers = {}
    try:
        for k in ("hq", "b3"):
            ip = at[k].host_ip.rsplit(".", 1)[0] + ".3"
            subprocess.run(["ip", "addr", "add", f"{ip}/24", "dev", at[k].state()["host_if"]], check=True)
            providers[k] = (ip, at[k].state()["host_if"])
        d = tmp_path_factory.mktemp("tones")
        yield {**stacks, "providers": {k: ip for k, (ip, _) in providers.items()},
               "tones": {"hq": write_tone(d / "hq.wav", HQ_TONE, 4.0), "branch": write_tone(d / "br.wav", BRANCH_TONE, 4.0)}}
    finally:
        for s in stacks.values():
            s.close()
        for ip, dev in providers.values():
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
    return _site(hq, site_id)["trunk_reachable"]


def _hint(box, number: str) -> str | None:
    """The state of the hint a busy lamp key on `number` follows at `box` (None: no such hint)."""
    found = re.search(rf"^\s*{number}@\S+\s*:\s*\S+\s+State:(\w+)", box.asterisk(f"core show hint {number}"), re.M)
    return found.group(1) if found else None


def _relayed(box, prefix: str) -> dict[str, str]:
    """The lamps headquarters relays between branches (devices named `prefix`...), as its
    Asterisk's database keeps them."""
    return {key: ev["Val"] for ev in box.ami("DBGetTree", Family="CustomDevstate")
            if ev.get("Event") == "DBGetTreeResponse" and (key := ev["Key"].rpartition("/")[2]).startswith(prefix)}


def _device_state(box, device: str) -> str | None:
    found = re.search(r"^Result:\s*(\w+)", box.asterisk(f"dialplan eval function DEVICE_STATE({device})"), re.M)
    return found.group(1) if found else None


def _listed(api, number: str) -> str | None:
    """The state the Extensions page shows for another site's extension (GET /sites/extensions)."""
    return next((i["state"] for i in api.get("/sites/extensions").json["items"] if i["number"] == number), None)


def _leaves_by(desk, provider) -> None:
    """The desk dials 0 and a number in branch 3's area; `provider` takes it, as dialled."""
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


def _talk(stack, caller, callee, tones) -> None:
    """Audio both ways: each end hears the other's tone."""
    caller.play(tones["branch"], loop=True)
    callee.play(tones["hq"], loop=True)
    stack.wait(lambda: callee.listener.heard_tone(BRANCH_TONE, min_ms=500), 10, "the caller's voice at the callee")
    stack.wait(lambda: caller.listener.heard_tone(HQ_TONE, min_ms=500), 10, "the callee's voice at the caller")


def _lamps(hints: dict, state: str, wait) -> None:
    for what, lamp in hints.items():
        wait(lambda: lamp() == state, 10, f"the lamp of {what} {state}")


def test_calls_and_lamps_between_sites_and_through_branch_3(hq, branches, sites, boxes, phones):
    started, net = boxes
    hq_box, b2_box, b3_box = started[0], started[2], started[3]
    b2, b3 = branches[2], branches[3]
    wait = phones["hq"].wait  # one pjsua library: any stack's wait runs every phone

    # A desk phone at headquarters, branch 2 and branch 3; headquarters and branch 3 have their own
    # provider. The branches report their extensions and headquarters passes them on.
    desks = {}
    for key, api, box, number in (("hq", hq, hq_box, "8001"), ("b2", b2, b2_box, "2001"), ("b3", b3, b3_box, "3001")):
        r = api.post("/extensions", {"number": number, "name": f"Desk {number}"})
        assert r.status == 201, r
        desks[key] = phones[key].phone(number, r.json["secret"], f"{box.box_ip}:5060").register()
    _own_trunk(hq, phones["providers"]["hq"], "HQ provider")
    hq_provider = phones["hq"].provider(phones["providers"]["hq"], 5090)
    _own_trunk(b3, phones["providers"]["b3"], "Shenzhen provider")
    b3_provider = phones["b3"].provider(phones["providers"]["b3"], 5090)

    # The inter-site trunks answer their qualify at both ends.
    for n in (2, 3):
        wait(lambda: _trunk_reachable(hq, sites[n]["id"]), 40, f"headquarters' trunk to branch {n}")
        wait(lambda: branches[n].get("/enrol").json.get("trunk_reachable"), 20, f"branch {n}'s trunk to headquarters")

    # Busy lamps: each branch has hints for headquarters' 8001 and the other branch's desk, and
    # headquarters for both branches' desks, once everyone's report has gone round.
    lamps = {"8001 at branch 2": lambda: _hint(b2_box, "8001"), "8001 at branch 3": lambda: _hint(b3_box, "8001"),
             "2001 at headquarters": lambda: _hint(hq_box, "2001"), "3001 at headquarters": lambda: _hint(hq_box, "3001"),
             "2001 at branch 3": lambda: _hint(b3_box, "2001"), "3001 at branch 2": lambda: _hint(b2_box, "3001")}
    _lamps(lamps, IDLE, lambda check, _t, what: wait(check, 45, what))
    wait(lambda: _settled(hq) and _settled(b2) and _settled(b3), 20, "the dial plans applied")

    # Branch 2 dials headquarters' extension by its number; audio both ways through the tunnel.
    call = desks["b2"].call("8001")
    at_hq = _answer(desks["hq"])
    call.wait_confirmed()
    _lamps({k: v for k, v in lamps.items() if k.startswith(("8001", "2001"))}, IN_USE, wait)
    # The Extensions page lists the other sites' extensions with the same state, live.
    pages = {"2001 on headquarters' page": lambda: _listed(hq, "2001"),
             "8001 on branch 2's page": lambda: _listed(b2, "8001"),
             "2001 on branch 3's page": lambda: _listed(b3, "2001")}
    for what, state in pages.items():
        wait(lambda: state() == "in_use", 10, f"{what} in a call")
    _talk(phones["hq"], call, at_hq, phones["tones"])
    assert "2001" in at_hq.getInfo().remoteUri, at_hq.getInfo().remoteUri  # who called, by its own number
    call.hangup_call()
    at_hq.wait_disconnected()
    _lamps(lamps, IDLE, wait)
    for what, state in pages.items():
        wait(lambda: state() == "idle", 10, f"{what} idle again")

    # Branch 2 dials branch 3's desk by its short number: headquarters passes the call (and its
    # audio) on, and each branch's lamp on the other's desk lights.
    call = desks["b2"].call("3001")
    at_b3 = _answer(desks["b3"])
    call.wait_confirmed()
    _lamps({k: v for k, v in lamps.items() if k.startswith(("2001", "3001"))}, IN_USE, wait)
    _talk(phones["hq"], call, at_b3, phones["tones"])
    assert "2001" in at_b3.getInfo().remoteUri, at_b3.getInfo().remoteUri
    call.hangup_call()
    at_b3.wait_disconnected()
    _lamps(lamps, IDLE, wait)

    # And headquarters dials branch 3's range.
    call = desks["hq"].call("3001")
    at_b3 = _answer(desks["b3"])
    call.wait_confirmed()
    call.hangup_call()
    at_b3.wait_disconnected()

    # A number in branch 3's area leaves through branch 3's own provider, as it was dialled.
    _leaves_by(desks["hq"], b3_provider)
    assert not hq_provider.incoming

    # Branch 3's tunnel cut at the internet: headquarters sees the trunk down within 10 s and uses
    # its own provider.
    cut = time.monotonic()
    net.cut(net.links[3], up=False)
    try:
        wait(lambda: _trunk_reachable(hq, sites[3]["id"]) is False, 15, "the trunk to branch 3 down")
        noticed = time.monotonic() - cut
        print(f"the tunnel's loss noticed after {noticed:.1f} s")
        assert noticed <= 10, f"the tunnel's loss was noticed after {noticed:.1f} s"
        # A call through headquarters' own provider, still up when the tunnel comes back.
        call = desks["hq"].call("0" + SITE_AREA)
        leg = _answer(hq_provider)
        assert f"sip:{SITE_AREA}@" in leg.getInfo().localUri, leg.getInfo().localUri
        call.wait_confirmed()
    finally:
        net.cut(net.links[3], up=True)
    # The tunnel back (through the NAT router's mapping, which the keepalive kept): branch 3's lamp
    # on 8001 shows the call that began while it was cut.
    wait(lambda: _trunk_reachable(hq, sites[3]["id"]), 30, "the trunk to branch 3 back")
    wait(lambda: _hint(b3_box, "8001") == IN_USE, 15, "branch 3's lamp of 8001 after the cut")
    call.hangup_call()
    leg.wait_disconnected()
    wait(lambda: _hint(b3_box, "8001") == IDLE, 10, "branch 3's lamp of 8001 idle again")
    # And branch 3's line again.
    before = len(b3_provider.incoming)
    _leaves_by(desks["hq"], b3_provider)
    assert len(b3_provider.incoming) == before + 1

    # The caller's permission class holds at both ends: headquarters refuses an extension that may
    # not call outside, and the branch refuses a class it does not have (classes are each box's own;
    # the built-in ones are everywhere).
    log = lambda: b3_box.exec("cat", "/data/log/asterisk/messages.log", check=False)  # noqa: E731
    assert hq.patch("/extensions/8001", {"permission_class": "internal"}).status == 200
    call = desks["hq"].call("0" + SITE_AREA)
    call.wait_disconnected(timeout=15)
    r = hq.post("/permission-classes", {"name": "roaming", "reach": ["international"]})
    assert r.status == 201, r
    assert hq.patch("/extensions/8001", {"permission_class": "roaming"}).status == 200
    call = desks["hq"].call("0" + SITE_AREA)
    wait(lambda: f"outside call to {SITE_AREA} refused: local for site1 of class roaming" in log(), 15,
         "the branch refusing a class it does not have")
    call.hangup_call()
    assert len(b3_provider.incoming) == before + 1 and len(hq_provider.incoming) == 1
    assert hq.patch("/extensions/8001", {"permission_class": "international"}).status == 200

    # The inter-site trunk reaches nothing else at the branch: headquarters' Asterisk itself (the
    # site's credentials, from its tunnel address) asking the branch for another outside number
    # is refused there, and the branch's provider never sees it.
    hq_box.asterisk(f"channel originate PJSIP/0123456789@site{sites[3]['number']} application Wait 3")
    wait(lambda: "call from site1 to 0123456789 refused" in log(), 15, "the branch refusing the call")
    assert len(b3_provider.incoming) == before + 1


def test_voicemail_lamps_between_sites(hq, branches, sites, boxes, phones):
    """Both ways: a phone at branch 2 (2003's) watches the mailbox of headquarters' 8301, and one at
    headquarters (8301's) the mailbox of branch 2's 2003, each by a SUBSCRIBE to message-summary for
    the colleague's number with its own credentials, as a desk phone's mailbox key does. Each lamp
    is dark, lights when a caller leaves a message in that mailbox at the other site (no phone
    answers: none is registered), and goes dark again once the message is deleted there."""
    from tests.integration.test_phones import leave_voicemail
    from tests.mwiwatch import MailboxLamp

    started, _net = boxes
    hq_box, b2_box = started[0], started[2]
    wait = phones["hq"].wait
    made = {}
    for api, number in ((hq, "8301"), (hq, "8302"), (branches[2], "2003")):
        r = api.post("/extensions", {"number": number, "name": f"Desk {number}"})
        assert r.status == 201, r
        made[number] = r.json
    # The mailbox watched: (the lamp watching it at the other site, the API of its own site).
    lamps = {"8301": (MailboxLamp(b2_box.host_ip, f"{b2_box.box_ip}:5060", "2003", made["2003"]["secret"]), hq),
             "2003": (MailboxLamp(hq_box.host_ip, f"{hq_box.box_ip}:5060", "8301", made["8301"]["secret"]),
                      branches[2])}
    try:
        # Each site hears of the other's new extension at the branch's next report, and from then on
        # takes the subscription.
        for number, (lamp, _api) in lamps.items():
            wait(lambda: lamp.subscribe(number) == 200, 60, f"the subscription to {number}'s mailbox", step_ms=1000)
            wait(lambda: lamp.waiting() is False, 10, f"the lamp on {number} dark at first")
        caller = phones["hq"].phone("8302", made["8302"]["secret"], f"{hq_box.box_ip}:5060").register()
        for number, (lamp, api) in lamps.items():
            leave_voicemail(phones["hq"], caller, None, number, phones["tones"]["branch"])
            wait(lambda: lamp.waiting() is True, 20, f"the lamp on {number} lit by the message at its site")
            assert lamp.voice_messages() == "1/0", lamp.notifies[-1]
            items = api.get(f"/extensions/{number}/voicemail").json["items"]
            assert len(items) == 1, items
            assert api.delete(f"/extensions/{number}/voicemail/{items[0]['id']}").status == 204
            wait(lambda: lamp.waiting() is False, 20, f"the lamp on {number} dark again")
            assert lamp.voice_messages() == "0/0", lamp.notifies[-1]
        phones["hq"].discard(caller)
    finally:
        for lamp, _api in lamps.values():
            lamp.close()


def test_voicemail_lamps_from_branch_to_branch(hq, branches, sites, boxes, phones):
    """A phone at branch 2 (2011's) watches the mailbox of branch 1's 5011, which branch 1 publishes
    to headquarters only: headquarters passes its counts on. A message left there (by a caller at
    headquarters; no phone answers 5011) lights the lamp at branch 2 with its count, and it goes
    dark once the message is deleted; 5011's own lamp at branch 1 shows the one message, not two
    (headquarters never sends a branch its own mailboxes)."""
    from tests.integration.test_phones import leave_voicemail
    from tests.mwiwatch import MailboxLamp

    started, _net = boxes
    hq_box, b1_box, b2_box = started[0], started[1], started[2]
    wait = phones["hq"].wait
    made = {}
    for api, number in ((hq, "8311"), (branches[1], "5011"), (branches[2], "2011")):
        r = api.post("/extensions", {"number": number, "name": f"Desk {number}"})
        assert r.status == 201, r
        made[number] = r.json
    lamps = {"at branch 2": MailboxLamp(b2_box.host_ip, f"{b2_box.box_ip}:5060", "2011", made["2011"]["secret"]),
             "at branch 1": MailboxLamp(b1_box.host_ip, f"{b1_box.box_ip}:5060", "5011", made["5011"]["secret"])}
    try:
        # Branch 2 hears of 5011 once branch 1 has reported it and headquarters has passed it on.
        for what, lamp in lamps.items():
            wait(lambda: lamp.subscribe("5011") == 200, 60, f"the subscription to 5011's mailbox {what}", step_ms=1000)
            wait(lambda: lamp.waiting() is False, 10, f"the lamp on 5011 {what} dark at first")
        caller = phones["hq"].phone("8311", made["8311"]["secret"], f"{hq_box.box_ip}:5060").register()
        leave_voicemail(phones["hq"], caller, None, "5011", phones["tones"]["branch"])
        for what, lamp in lamps.items():
            wait(lambda: lamp.waiting() is True, 20, f"the lamp on 5011 {what} lit by the message")
            assert lamp.voice_messages() == "1/0", (what, lamp.notifies[-1])
        items = branches[1].get("/extensions/5011/voicemail").json["items"]
        assert len(items) == 1, items
        assert branches[1].delete(f"/extensions/5011/voicemail/{items[0]['id']}").status == 204
        for what, lamp in lamps.items():
            wait(lambda: lamp.waiting() is False, 20, f"the lamp on 5011 {what} dark again")
            assert lamp.voice_messages() == "0/0", (what, lamp.notifies[-1])
        # Never two counts at branch 1: each NOTIFY there said one message or none.
        assert {re.search(r"Voice-Message:\s*(\S+)", n).group(1) for n in lamps["at branch 1"].notifies
                if "Voice-Message" in n} <= {"0/0", "1/0"}
        phones["hq"].discard(caller)
    finally:
        for lamp in lamps.values():
            lamp.close()


def test_overlapping_branches_are_dialled_by_prefix(hq, branches, sites, boxes, phones):
    """A new branch numbered like branch 2 (pending here) makes branch 2 a prefix-only site: its
    plain numbers no longer reach it, its prefix and extension do, from headquarters and from branch
    3 through headquarters; its callers are shown with the prefix, and a call back reaches them."""
    started, _net = boxes
    hq_box, b2_box, b3_box = started[0], started[2], started[3]
    wait = phones["hq"].wait
    desks = {}
    for key, api, box, number in (("hq", hq, hq_box, "8201"), ("b2", branches[2], b2_box, "2002"),
                                  ("b3", branches[3], b3_box, "3002")):
        r = api.post("/extensions", {"number": number, "name": f"Desk {number}"})
        assert r.status == 201, r
        desks[key] = phones[key].phone(number, r.json["secret"], f"{box.box_ip}:5060").register()
    for n in (2, 3):
        wait(lambda: _trunk_reachable(hq, sites[n]["id"]), 40, f"headquarters' trunk to branch {n}")
        wait(lambda: branches[n].get("/enrol").json.get("trunk_reachable"), 20, f"branch {n}'s trunk to headquarters")
    # A range over headquarters' own 8201 stays refused, and makes nothing.
    r = hq.post("/sites", {"name": "Over HQ", "extensions": "8200-8299"})
    assert r.status == 422 and r.json["field"] == "extensions" and "8201" in r.json["error"], r
    twin = hq.post("/sites", {"name": "Twin of branch 2", "extensions": BRANCHES[2][2]})
    assert twin.status == 201, twin
    try:
        site = _site(hq, sites[2]["id"])
        prefix = site["prefix"]
        assert site["short_numbers"] is False and prefix == f"{sites[2]['number']}*"
        assert _site(hq, sites[3]["id"])["short_numbers"] is True
        # Branch 3 hears of it at its next report; every dial plan follows.
        wait(lambda: not next(s for s in branches[3].get("/enrol").json.get("sites", [])
                              if s["number"] == sites[2]["number"]).get("short_numbers", True),
             25, "branch 3 told that branch 2 is dialled by prefix only")
        wait(lambda: all(_settled(a) for a in (hq, branches[2], branches[3])), 20, "the dial plans applied")

        # Headquarters: the plain number is nobody's now; the prefixed one rings branch 2's desk.
        call = desks["hq"].call("2002")
        call.wait_disconnected(timeout=15)
        assert desks["b2"].take_incoming() is None
        call = desks["hq"].call(prefix + "2002")
        at_b2 = _answer(desks["b2"])
        call.wait_confirmed()
        call.hangup_call()
        at_b2.wait_disconnected()

        # Branch 3 dials it through headquarters, which drops the prefix for branch 2.
        call = desks["b3"].call(prefix + "2002")
        at_b2 = _answer(desks["b2"])
        call.wait_confirmed()
        _talk(phones["hq"], call, at_b2, phones["tones"])
        call.hangup_call()
        at_b2.wait_disconnected()

        # Branch 2 dials headquarters' extensions as headquarters lists them to it: 8201, made above,
        # once its next report has brought it.
        wait(lambda: any(i["number"] == "8201" for i in branches[2].get("/sites/extensions").json["items"]), 25,
             "branch 2 told of headquarters' 8201")
        wait(lambda: _settled(branches[2]), 20, "branch 2's dial plan applied")
        # Branch 2 calls headquarters and branch 3: shown with its prefix at both, and called back.
        for key in ("hq", "b3"):
            call = desks["b2"].call(desks[key].number)
            at_other = _answer(desks[key])
            caller = re.search(r"sip:([^@]+)@", at_other.getInfo().remoteUri).group(1)
            assert caller == prefix + "2002", (key, at_other.getInfo().remoteUri)
            call.hangup_call()
            at_other.wait_disconnected()
            back = desks[key].call(caller)
            at_b2 = _answer(desks["b2"])
            back.wait_confirmed()
            back.hangup_call()
            at_b2.wait_disconnected()
    finally:
        hq.delete(f"/sites/{twin.json['id']}")
    # The twin gone, branch 2 has its short numbers again.
    assert _site(hq, sites[2]["id"])["short_numbers"] is True


def _site_update(hq, site_id):
    return next(s for s in hq.get("/sites").json["items"] if s["id"] == site_id)["update"]


def test_a_pushed_upgrade_is_fetched_checked_and_reported(hq, branches, sites, boxes):
    """Headquarters offers an uploaded bundle to branch 1; the branch fetches it at its next report
    over pinned HTTPS, checks its digest, hands it to its own update manager and reports back. A box
    instance has no system slots, so its update manager refuses every bundle (saying so); the
    signature check, the install, the reboot and the rollback run on the qemu image (tests/system)."""
    started, _net = boxes
    hq_box, branch_box = started[0], started[1]
    site_id = sites[1]["id"]
    bundle = os.urandom(300_000)
    r = hq.post("/sites", {"name": "Not enrolled", "extensions": "6000-6099"})
    assert r.status == 201, r
    pending = r.json["id"]
    try:
        # Nothing to push before a bundle is uploaded, nor to a branch that has not enrolled.
        assert hq.post(f"/sites/{site_id}/update").status == 409
        r = hq.request("POST", "/sites/update-bundle", raw=bundle, content_type="application/octet-stream")
        assert r.status == 200 and r.json["sha256"] == hashlib.sha256(bundle).hexdigest(), r
        assert hq.post(f"/sites/{pending}/update").status == 409
    finally:
        hq.delete(f"/sites/{pending}")

    # Pushed: at its next report the branch fetches the bundle through the pinned HTTPS, finds it
    # intact, and its update manager (no system slots in a box instance) refuses it with its reason.
    r = hq.post(f"/sites/{site_id}/update")
    assert r.status == 202 and r.json["state"] == "pushed", r
    update = wait_for(lambda: (lambda u: u if u["state"] == "failed" else None)(_site_update(hq, site_id)), 40,
                      "the branch's answer to the push")
    assert "fetched intact" in update["message"] and hashlib.sha256(bundle).hexdigest()[:16] in update["message"]
    assert "booted from its disk" in update["message"], update
    assert not list((branch_box.data / "update-pushed").glob("*.raucb"))  # nothing left behind

    # The bundle changed on headquarters' disk after its upload: the branch refuses what it gets.
    stored = hq_box.data_file("site-updates/bundle.raucb")
    data = bytearray(stored.read_bytes())
    data[1000] ^= 0xFF
    stored.write_bytes(bytes(data))
    push = hq.post(f"/sites/{site_id}/update").json
    assert push["state"] == "pushed"
    update = wait_for(lambda: (lambda u: u if u["state"] == "failed" and u["at"] >= push["at"] and
                               "not the bundle" in (u["message"] or "") else None)(_site_update(hq, site_id)), 40,
                      "the branch refusing the changed bundle")
    assert "nothing was changed" in update["message"]

    # The bundle is served to an enrolled site with its secret only.
    r = Api(hq_box.url).post("/sites/update-bundle/fetch", {"number": sites[1]["number"], "secret": "wrong",
                                                           "sha256": hashlib.sha256(bundle).hexdigest()})
    assert r.status == 404, r
