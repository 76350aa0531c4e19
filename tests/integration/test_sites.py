"""Sites: headquarters and a branch, each a box in its own network namespace, joined through an
"internet" namespace of the test's own (a bridge on 203.0.113.0/24). The branch enrols with its
code over HTTPS, the tunnel comes up between the two boxes, and bad codes change nothing."""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.api import Api
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
        return start_box(name)
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
    # Overlapping ranges and bad input are refused; nothing is made.
    for body, field in (({"name": "Other", "extensions": "2050-2150"}, "extensions"),
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
