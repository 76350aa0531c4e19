"""The network manager against a real kernel: a box in a network namespace of its own that may
manage it (BOX_NETWORK=1), changed through /network and read back from the namespace with
`ip -n`, reached over its new address and VLAN from the host end of its link; a change nobody
confirms goes back by itself, a confirmed one stays."""

from __future__ import annotations

import json
import secrets
import subprocess
import time

import pytest

from tests.api import Api

from .conftest import ADMIN_PASSWORD, running_box

CONFIRM = 5  # seconds: the box's default is 60
LOST = 10  # the change that loses the box: time to see it at the new address first


@pytest.fixture(scope="module")
def netbox():
    with running_box(("BOX_NETWORK=1",)) as instance:
        yield instance


@pytest.fixture(scope="module")
def api(netbox) -> Api:
    return Api(netbox.url).sign_in(ADMIN_PASSWORD)


@pytest.fixture(scope="module")
def n(netbox) -> int:
    """The box's network number: it is 198.18.N.2, the host 198.18.N.1."""
    return int(netbox.box_ip.split(".")[2])


def ip(netbox, *args: str):
    out = subprocess.run(["ip", "-j", "-n", netbox.state()["netns"], *args], check=True, text=True,
                         capture_output=True, timeout=10).stdout
    return json.loads(out) if out.strip() else []


def addresses(netbox, link: str) -> list[str]:
    return sorted(f"{a['local']}/{a['prefixlen']}" for i in ip(netbox, "addr", "show", "dev", link)
                  for a in i["addr_info"] if a["family"] == "inet")


def base(n: int, **kw) -> dict:
    """What every scenario starts from: eth0 keeps 198.18.N.2 (how the test reaches the box)."""
    return {"hostname": "netbox", "ntp_servers": [f"198.18.{n}.1"],
            "interfaces": [{"name": "eth0", "mode": "static", "addresses": [f"198.18.{n}.2/24"]}],
            "vlans": [], "routes": [], "dns": [], "confirm_seconds": CONFIRM, **kw}


def settle_base(api: Api, n: int) -> None:
    r = api.put("/network", base(n))
    assert r.status == 200, r
    if r.json["pending"]:
        assert api.post("/network/confirm", {}).status == 200


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except OSError:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def kernel_has_vlans() -> bool:
    """Whether this kernel makes 802.1Q links (some virtual machines' kernels do not), tried in a
    namespace of the test's own."""
    ns = f"cbxvlan{secrets.token_hex(3)}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "-n", ns, "link", "add", "a0", "type", "veth", "peer", "name", "b0"], check=True)
        return subprocess.run(["ip", "-n", ns, "link", "add", "link", "a0", "name", "a0.5", "type", "vlan", "id", "5"],
                              capture_output=True).returncode == 0
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)


def test_addresses_route_dns_and_time_servers_reach_the_kernel_and_files(netbox, api, n):
    settle_base(api, n)
    wanted = base(n, ntp_servers=[f"198.18.{n}.1", "ntp.example.com"],
                  interfaces=[{"name": "eth0", "mode": "static", "addresses": [f"198.18.{n}.2/24", f"198.18.{n}.3/24"]}],
                  routes=[{"destination": "10.200.0.0/16", "gateway": f"198.18.{n}.1", "metric": 50}],
                  dns=[f"198.18.{n}.1", "192.0.2.53"], confirm_seconds=60)
    r = api.put("/network", wanted)
    assert r.status == 200, r
    assert r.json["pending"]["seconds_left"] > 50 and r.json["applied"]["error"] is None, r.json
    assert addresses(netbox, "eth0") == [f"198.18.{n}.2/24", f"198.18.{n}.3/24"]
    [route] = ip(netbox, "route", "show", "10.200.0.0/16")
    assert (route["gateway"], route["dev"], route["metric"], str(route["protocol"])) == (f"198.18.{n}.1", "eth0", 50, "73")
    assert ip(netbox, "route", "get", "10.200.3.4")[0]["gateway"] == f"198.18.{n}.1"
    assert netbox.exec("cat", "/etc/resolv.conf") == f"nameserver 198.18.{n}.1\nnameserver 192.0.2.53\n"
    sources = netbox.exec("cat", "/etc/chrony/sources.d/callbox.sources")
    assert f"server 198.18.{n}.1 iburst\nserver ntp.example.com iburst\n" in sources
    assert netbox.exec("hostname").strip() == "netbox"
    # The second address answers from the host end of the box's link.
    assert Api(f"http://198.18.{n}.3:8080").get("/health", timeout=5).status == 200
    assert api.post("/network/confirm", {}).json["pending"] is None
    got = api.get("/network").json
    assert (got["routes"][0]["destination"], got["dns"], got["ntp_servers"]) == (
        "10.200.0.0/16", wanted["dns"], wanted["ntp_servers"])
    # Taken away again: the route and the second address go; eth0 keeps its own, lo is untouched.
    settle_base(api, n)
    assert ip(netbox, "route", "show", "10.200.0.0/16") == []
    assert addresses(netbox, "eth0") == [f"198.18.{n}.2/24"]
    assert addresses(netbox, "lo") == ["127.0.0.1/8"]


def test_a_voice_vlan_with_its_address(netbox, api, n):
    settle_base(api, n)
    links = {i["ifname"] for i in ip(netbox, "link", "show")}
    voice = {"name": "voice", "parent": "eth0", "id": 100, "mode": "static", "addresses": [f"10.100.{n}.1/24"]}
    r = api.put("/network", base(n, vlans=[voice], routes=[
        {"destination": "10.210.0.0/16", "gateway": f"10.100.{n}.254", "interface": "voice", "metric": None}]))
    assert r.status == 200, r
    if not kernel_has_vlans():
        # This kernel has no 802.1Q: the error is shown and what was made is taken back.
        assert "Operation not supported" in r.json["applied"]["error"], r.json
        assert {i["ifname"] for i in ip(netbox, "link", "show")} == links
        assert addresses(netbox, "eth0") == [f"198.18.{n}.2/24"]
        settle_base(api, n)
        pytest.skip("this kernel makes no VLAN links: the failure path was checked instead")
    assert r.json["applied"]["error"] is None, r.json
    [vlan] = ip(netbox, "-d", "link", "show", "dev", "voice")
    assert vlan["linkinfo"]["info_kind"] == "vlan" and vlan["linkinfo"]["info_data"]["id"] == 100
    assert vlan["link"] == "eth0" and vlan["ifalias"] == "callbox"
    assert addresses(netbox, "voice") == [f"10.100.{n}.1/24"]
    assert ip(netbox, "route", "show", "10.210.0.0/16")[0]["dev"] == "voice"
    host_if = netbox.state()["host_if"]
    subprocess.run(["ip", "link", "add", "link", host_if, "name", f"{host_if}.100", "type", "vlan", "id", "100"],
                   check=True)
    try:
        subprocess.run(["ip", "addr", "add", f"10.100.{n}.2/24", "dev", f"{host_if}.100"], check=True)
        subprocess.run(["ip", "link", "set", f"{host_if}.100", "up"], check=True)
        assert wait_for(lambda: Api(f"http://10.100.{n}.1:8080").get("/health", timeout=2).status == 200, 10,
                        "the box's web page over VLAN 100")
    finally:
        subprocess.run(["ip", "link", "del", f"{host_if}.100"], check=False)
    settle_base(api, n)
    assert "voice" not in {i["ifname"] for i in ip(netbox, "link", "show")}


def test_bad_input_is_refused_and_the_kernel_keeps_its_state(netbox, api, n):
    settle_base(api, n)
    links, routes = ip(netbox, "addr", "show"), ip(netbox, "route", "show")
    before = api.get("/network").json
    voice = {"name": "voice", "parent": "eth0", "id": 100, "mode": "static", "addresses": [f"10.100.{n}.1/24"]}
    for body, field in (
            (base(n, vlans=[voice, {**voice, "name": "voice2", "addresses": [f"10.101.{n}.1/24"]}]), "vlans.1.id"),
            (base(n, interfaces=[{"name": "eth0; ip link del eth0", "mode": "dhcp"}]), "interfaces"),
            (base(n, routes=[{"destination": "10.0.0.1/8", "gateway": f"198.18.{n}.1"}]), "routes"),
            (base(n, dns=["8.8.8.8\nnameserver 6.6.6.6"]), "dns")):
        r = api.put("/network", body)
        assert r.status == 422 and r.json["field"] == field, r
    # A port this box does not have: refused from the kernel's own list, before anything is made.
    r = api.put("/network", base(n, vlans=[voice], interfaces=[
        {"name": "eth0", "mode": "static", "addresses": [f"198.18.{n}.2/24"]},
        {"name": "eth7", "mode": "static", "addresses": ["192.0.2.7/24"]}]))
    assert r.status == 422 and r.json["field"] == "interfaces" and "no interface eth7" in r.json["error"], r
    assert ip(netbox, "addr", "show") == links and ip(netbox, "route", "show") == routes
    assert api.get("/network").json == before


def test_a_change_that_loses_the_box_goes_back_by_itself(netbox, api, n):
    settle_base(api, n)
    moved = base(n, interfaces=[{"name": "eth0", "mode": "static", "addresses": [f"198.18.{n}.77/24"]}],
                 confirm_seconds=LOST)
    try:
        api.put("/network", moved, timeout=2)  # the answer is lost with the address it was to leave from
    except OSError:
        pass
    assert wait_for(lambda: addresses(netbox, "eth0") == [f"198.18.{n}.77/24"], 10, "the new address")
    # Lost at the old address; the browser would reconnect at the new one and could confirm there.
    with pytest.raises(OSError):
        Api(netbox.url).get("/health", timeout=1)
    there = Api(f"http://198.18.{n}.77:8080", token=api.token).get("/network", timeout=5).json
    assert 0 < there["pending"]["seconds_left"] <= LOST
    # Nobody confirms: the box is back at its old address after the confirm time.
    wait_for(lambda: Api(netbox.url).get("/health", timeout=1).status == 200, LOST + 20,
             "the box at its old address again")
    assert addresses(netbox, "eth0") == [f"198.18.{n}.2/24"]
    got = api.get("/network").json
    assert got["interfaces"] == base(n)["interfaces"] and got["pending"] is None
    audit = api.get("/audit?per_page=5").json["items"]
    assert any(a["action"] == "network.rollback" for a in audit)


def test_a_confirmed_change_stays_past_the_confirm_time(netbox, api, n):
    settle_base(api, n)
    route = {"destination": "10.201.0.0/16", "gateway": f"198.18.{n}.1", "interface": "eth0", "metric": None}
    r = api.put("/network", base(n, routes=[route]))
    assert r.status == 200 and r.json["pending"], r
    assert api.post("/network/confirm", {}).status == 200
    deadline = time.monotonic() + CONFIRM + 2
    wait_for(lambda: time.monotonic() > deadline, CONFIRM + 5, "the confirm time to pass")
    assert [x["dst"] for x in ip(netbox, "route", "show", "10.201.0.0/16")] == ["10.201.0.0/16"]
    assert api.get("/network").json["routes"][0]["destination"] == "10.201.0.0/16"
    settle_base(api, n)
