"""The network settings: their checks, the planner's decisions, the rendered files, the manager
with a netlink that keeps a kernel's state in memory, and /network with its confirmation."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import os
from pathlib import Path

import pytest

from appliance.box_settings import BoxSettings
from appliance.errors import Invalid
from appliance.fields import validate
from appliance.network import render
from appliance.network.manager import NetworkManager
from appliance.network.planner import PlanError, Route, disruptive, plan
from appliance.network.schema import NetworkSchema, from_wizard
from appliance.network.service import NetworkPut
from appliance.settings import Runtime

GOLDEN = Path(__file__).parent / "golden" / "network"


class FakeNetlink:
    """A kernel's links, addresses and the box's routes, changed by the steps it is given."""

    def __init__(self, links=None, fail=None):
        self.links = links if links is not None else {
            "eth0": {"kind": None, "parent": None, "vlan_id": None, "owned": False, "up": True,
                     "addresses": ["198.18.7.2/24", "fe80::1/64"]}}
        self.routes: list[Route] = []
        self.calls: list[tuple] = []
        self.files: dict[str, str] = {}
        self.fail = fail

    def interfaces(self):
        return [{"name": n, "mac": "02:00:00:00:00:01", "up": v["up"], **v} for n, v in sorted(self.links.items())]

    def present(self):
        return {"links": copy.deepcopy(self.links), "routes": list(self.routes)}

    def run(self, step):
        self.calls.append(step)
        if self.fail == step[0]:
            raise OSError(f"{step[0]} failed")
        action, *args = step
        if action == "add_vlan":
            self.links[args[0]] = {"kind": "vlan", "parent": args[1], "vlan_id": args[2], "owned": True, "up": False,
                                   "addresses": []}
        elif action == "del_vlan":
            del self.links[args[0]]
            self.routes = [r for r in self.routes if r.interface != args[0]]
        elif action == "up":
            self.links[args[0]]["up"] = True
        elif action == "add_addr":
            self.links[args[0]]["addresses"].append(args[1])
        elif action == "del_addr":
            self.links[args[0]]["addresses"].remove(args[1])
        elif action == "add_route":
            r = args[0]
            self.routes.append(dataclasses.replace(r, interface=r.interface or "eth0"))
        elif action == "del_route":
            self.routes.remove(args[0])

    def write_file(self, path, text):
        self.files[str(path)] = text

    def reload_time_sources(self):
        self.calls.append(("reload_time_sources",))

    def set_hostname(self, name):
        self.calls.append(("set_hostname", name))

    def set_timezone(self, zone):
        self.calls.append(("set_timezone", zone))


class Box:
    def __init__(self, tmp: Path, managed: bool):
        from appliance.events import EventBus

        env = {"BOX_DATA": str(tmp), "BOX_NETWORK": "1" if managed else "0", "BOX_HOSTS_FILE": str(tmp / "hosts")}
        self.runtime = Runtime.from_environ(env)
        self.events = EventBus()


ETH0 = {"name": "eth0", "mode": "static", "addresses": ["198.18.7.2/24", "198.18.7.3/24"]}
VOICE = {"name": "voice", "parent": "eth0", "id": 100, "mode": "static", "addresses": ["10.100.0.1/24"]}
ROUTE = {"destination": "10.20.0.0/16", "gateway": "198.18.7.1", "interface": None, "metric": None}


def doc(**kw) -> dict:
    return validate(NetworkSchema(), {"interfaces": [ETH0], "vlans": [VOICE], "routes": [ROUTE],
                                      "dns": ["198.18.7.1"], **kw})


# -- checks ----------------------------------------------------------------------------------

@pytest.mark.parametrize("change, field", [
    ({"interfaces": [{"name": "eth0; rm", "mode": "static", "addresses": ["10.0.0.1/24"]}]}, "interfaces"),
    ({"interfaces": [{"name": "lo", "mode": "static", "addresses": ["10.0.0.1/24"]}]}, "interfaces"),
    ({"interfaces": [{"name": "eth0", "mode": "static", "addresses": ["10.0.0.1"]}]}, "interfaces"),
    ({"interfaces": [{"name": "eth0", "mode": "static", "addresses": ["10.0.0.300/24"]}]}, "interfaces"),
    ({"interfaces": [{"name": "eth0", "mode": "static", "addresses": ["127.0.0.2/8"]}]}, "interfaces"),
    ({"interfaces": [{"name": "eth0", "mode": "static", "addresses": []}]}, "interfaces"),
    ({"interfaces": [{"name": "eth0", "mode": "dhcp", "addresses": ["10.0.0.1/24"]}]}, "interfaces"),
    ({"vlans": [{**VOICE, "id": 4095}]}, "vlans"),
    ({"vlans": [VOICE, {**VOICE, "name": "voice2", "addresses": ["10.101.0.1/24"]}]}, "vlans.1.id"),
    ({"vlans": [VOICE, {**VOICE, "id": 101, "addresses": ["10.101.0.1/24"]}]}, "vlans.1.name"),
    ({"vlans": [{**VOICE, "name": "eth0"}]}, "vlans.0.name"),
    ({"vlans": [{**VOICE, "addresses": ["198.18.7.2/24"]}]}, "addresses"),
    ({"routes": [{**ROUTE, "destination": "10.20.0.1/16"}]}, "routes"),
    ({"routes": [{**ROUTE, "gateway": "192.0.2.1"}]}, "routes.0.gateway"),
    ({"routes": [{**ROUTE, "gateway": "fe80::1"}]}, "routes"),
    ({"routes": [{**ROUTE, "gateway": None}]}, "routes"),
    ({"routes": [{**ROUTE, "interface": "eth9"}]}, "routes.0.interface"),
    ({"routes": [ROUTE, ROUTE]}, "routes.1.destination"),
    ({"dns": ["ns1.example.com"]}, "dns"),
    ({"dns": ["1.1.1.1", "1.0.0.1", "8.8.8.8", "9.9.9.9"]}, "dns"),
    ({"confirm_seconds": 2}, "confirm_seconds"),
    ({"mtu": 1500}, "mtu"),
])
def test_bad_settings_are_refused_naming_the_field(change, field):
    with pytest.raises(Invalid) as err:
        doc(**change)
    assert err.value.field == field, err.value.message


def test_good_settings_are_kept_as_written_by_ipaddress():
    d = validate(NetworkSchema(), {"interfaces": [{"name": "eth0", "mode": "static",
                                                   "addresses": ["2001:DB8::5/64", "198.18.7.2/24"]}],
                                   "routes": [{"destination": "default", "gateway": "198.18.7.1"}]})
    assert d["interfaces"][0]["addresses"] == ["2001:db8::5/64", "198.18.7.2/24"]
    assert d["confirm_seconds"] == 60 and d["vlans"] == [] and d["dns"] == []


def test_a_gateway_behind_a_dhcp_port_cannot_be_checked_and_is_taken():
    validate(NetworkSchema(), {"interfaces": [{"name": "eth0", "mode": "dhcp"}],
                               "routes": [{"destination": "10.0.0.0/8", "gateway": "192.0.2.1"}]})


def test_the_put_checks_host_name_and_time_servers():
    with pytest.raises(Invalid) as err:
        validate(NetworkPut(), {"hostname": "Front Desk"})
    assert err.value.field == "hostname"
    with pytest.raises(Invalid) as err:
        validate(NetworkPut(), {"ntp_servers": ["ntp.example.com\nserver evil"]})
    assert err.value.field == "ntp_servers"


def test_the_wizard_answer_becomes_the_document():
    assert from_wizard({"interface": None, "mode": "static", "address": "192.168.10.5/24",
                        "gateway": "192.168.10.1", "dns": ["192.168.10.1"]}, "enp1s0") == {
        "interfaces": [{"name": "enp1s0", "mode": "static", "addresses": ["192.168.10.5/24"]}], "vlans": [],
        "routes": [{"destination": "0.0.0.0/0", "gateway": "192.168.10.1", "interface": None, "metric": None}],
        "dns": ["192.168.10.1"], "confirm_seconds": 60}
    assert from_wizard({"interface": None, "mode": "dhcp", "address": None, "gateway": None, "dns": []})[
        "interfaces"] == []
    assert from_wizard({"interface": "eth1", "mode": "dhcp"})["interfaces"] == [
        {"name": "eth1", "mode": "dhcp", "addresses": []}]


def test_the_migration_moves_a_stored_wizard_answer_into_the_document(tmp_path):
    from peewee import SqliteDatabase

    from appliance.db.migrations import MIGRATIONS, migrate

    ours = next(m[0] for m in MIGRATIONS if m[1].startswith("network settings as"))
    database = SqliteDatabase(str(tmp_path / "config.db"))
    migrate(database, [m for m in MIGRATIONS if m[0] < ours])
    old = {"interface": None, "mode": "static", "address": "192.168.10.5/24", "gateway": "192.168.10.1",
           "dns": ["192.168.10.1", "9.9.9.9"]}
    database.execute_sql("INSERT INTO setting (key, value) VALUES ('network', ?)", (json.dumps(old),))
    migrate(database, MIGRATIONS)
    stored = json.loads(database.execute_sql("SELECT value FROM setting WHERE key = 'network'").fetchone()[0])
    assert stored == from_wizard(old)
    assert validate(NetworkSchema(), stored) == stored


# -- planner ---------------------------------------------------------------------------------

def present(**links) -> dict:
    base = {"eth0": {"kind": None, "owned": False, "up": True, "addresses": ["198.18.7.2/24", "fe80::1/64"]}}
    return {"links": {**base, **links}, "routes": []}


def test_a_new_vlan_address_and_route_in_their_order():
    steps = plan(doc(), present())
    assert steps == [("add_vlan", "voice", "eth0", 100), ("add_addr", "eth0", "198.18.7.3/24"), ("up", "voice"),
                     ("add_addr", "voice", "10.100.0.1/24"),
                     ("add_route", Route("10.20.0.0/16", "198.18.7.1", None, 0))]


def test_what_is_there_already_is_left_alone():
    nl = FakeNetlink()
    for step in plan(doc(), nl.present()):
        nl.run(step)
    assert plan(doc(), nl.present()) == []


def test_what_the_box_made_and_no_longer_wants_goes_and_the_rest_stays():
    nl = FakeNetlink()
    nl.links["eth1"] = {"kind": None, "owned": False, "up": True, "addresses": ["192.0.2.9/24"]}
    nl.links["other"] = {"kind": "vlan", "parent": "eth1", "vlan_id": 5, "owned": False, "up": True,
                         "addresses": []}
    for step in plan(doc(), nl.present()):
        nl.run(step)
    nl.routes.append(Route("10.99.0.0/16", "198.18.7.1", "eth0", 0))  # one the box made earlier
    steps = plan(doc(vlans=[], routes=[], interfaces=[{**ETH0, "addresses": ["198.18.7.2/24"]}]), nl.present())
    assert steps == [("del_route", Route("10.20.0.0/16", "198.18.7.1", "eth0", 0)),
                     ("del_route", Route("10.99.0.0/16", "198.18.7.1", "eth0", 0)),
                     ("del_vlan", "voice"), ("del_addr", "eth0", "198.18.7.3/24")]
    # eth1 is not in the settings, "other" is not a VLAN the box made, fe80:: is the kernel's own.
    assert not any(s[1] in ("eth1", "other") for s in steps if isinstance(s[1], str))


def test_moving_an_address_adds_the_new_one_first():
    steps = plan(doc(vlans=[], routes=[], interfaces=[{**ETH0, "addresses": ["198.18.7.77/24"]}]), present())
    assert steps == [("add_addr", "eth0", "198.18.7.77/24"), ("del_addr", "eth0", "198.18.7.2/24")]


def test_a_vlan_whose_id_changed_is_made_again():
    p = present(voice={"kind": "vlan", "parent": "eth0", "vlan_id": 99, "owned": True, "up": True,
                       "addresses": ["10.100.0.1/24"]})
    steps = plan(doc(routes=[], interfaces=[]), p)
    assert steps == [("del_vlan", "voice"), ("add_vlan", "voice", "eth0", 100), ("up", "voice"),
                     ("add_addr", "voice", "10.100.0.1/24")]


def test_a_missing_port_or_a_foreign_name_stops_the_plan_before_any_step():
    with pytest.raises(PlanError, match="no interface eth3"):
        plan(doc(interfaces=[{"name": "eth3", "mode": "dhcp"}], vlans=[], routes=[]), present())
    with pytest.raises(PlanError, match="not one the box made"):
        plan(doc(), present(voice={"kind": None, "owned": False, "up": True, "addresses": []}))


def test_dhcp_starts_once():
    wanted = doc(interfaces=[{"name": "eth0", "mode": "dhcp"}], vlans=[], routes=[])
    assert plan(wanted, present()) == [("dhcp", "eth0")]
    assert plan(wanted, present(), frozenset({"eth0"})) == []


def test_only_addresses_vlans_and_routes_wait_for_a_confirmation():
    assert disruptive(doc(), doc(routes=[]))
    assert not disruptive(doc(), doc(dns=["9.9.9.9"], confirm_seconds=30))


# -- files -----------------------------------------------------------------------------------

def test_chrony_sources_match_golden():
    text = render.chrony_sources(["ntp.example.com", "192.0.2.123", "2001:db8::123"])
    path = GOLDEN / "callbox.sources"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert text == path.read_text()


def test_renderers_refuse_what_would_change_the_file():
    with pytest.raises(ValueError):
        render.chrony_sources(["ntp.example.com\nallow all"])
    with pytest.raises(ValueError):
        render.resolv_conf(["1.1.1.1 options"])
    assert render.resolv_conf([]).startswith("#")


# -- manager ---------------------------------------------------------------------------------

def test_a_dev_box_applies_nothing_and_says_so(tmp_path):
    nl = FakeNetlink()
    m = NetworkManager(Box(tmp_path, managed=False), nl)
    result = m.reconcile(dataclasses.replace(BoxSettings(), network=doc()))
    assert nl.calls == [] and result["managed"] is False and "dev box" in result["note"]


def test_name_network_files_and_zone_are_applied_once(tmp_path, monkeypatch):
    monkeypatch.setattr(NetworkManager, "_watch_pending", lambda self: None)
    nl = FakeNetlink()
    m = NetworkManager(Box(tmp_path, managed=True), nl)
    settings = dataclasses.replace(BoxSettings(), hostname="front", network=doc(), timezone="Asia/Shanghai",
                                   ntp_servers=("192.0.2.123",))
    result = m.reconcile(settings)
    assert result["applied"] == ["hostname", "network", "ntp_servers", "timezone"] and result["error"] is None
    assert nl.calls[0] == ("set_hostname", "front") and nl.calls[-1] == ("set_timezone", "Asia/Shanghai")
    assert nl.links["voice"]["addresses"] == ["10.100.0.1/24"] and len(nl.routes) == 1
    assert nl.files["/etc/resolv.conf"] == "nameserver 198.18.7.1\n"
    assert "server 192.0.2.123 iburst" in nl.files[render.CHRONY_SOURCES]
    assert "127.0.1.1\tfront" in (tmp_path / "hosts").read_text()
    nl.calls.clear()
    assert m.reconcile(settings)["applied"] == [] and nl.calls == []


def test_a_failed_step_puts_back_what_was_applied_and_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(NetworkManager, "_watch_pending", lambda self: None)
    nl = FakeNetlink()
    m = NetworkManager(Box(tmp_path, managed=True), nl)
    first = dataclasses.replace(BoxSettings(), network=doc(vlans=[], routes=[]))
    m.reconcile(first)
    before = copy.deepcopy(nl.links)
    nl.fail = "add_route"
    result = m.reconcile(dataclasses.replace(first, network=doc()))
    assert "add_route failed" in result["error"] and m.health()["network"]["error"] == result["error"]
    assert nl.links == before and nl.routes == []
    nl.fail = None
    assert "network" in m.reconcile(dataclasses.replace(first, network=doc()))["applied"]
    assert len(nl.routes) == 1


# -- the API ---------------------------------------------------------------------------------

@pytest.fixture
def net(admin, tmp_path):
    """The web app with a network manager that applies to a FakeNetlink."""
    m = NetworkManager(Box(tmp_path, managed=True), FakeNetlink())
    admin.box.network = m
    admin.box.pbx.applier.after_apply.append(lambda snap: m.reconcile(snap.settings))
    yield admin, m
    if m._timer is not None:
        m._timer.cancel()


def body(**kw) -> dict:
    return {"hostname": "front", "ntp_servers": ["192.0.2.123"], "interfaces": [ETH0], "vlans": [VOICE],
            "routes": [ROUTE], "dns": ["198.18.7.1"], "confirm_seconds": 30, **kw}


def test_a_change_of_addresses_waits_for_its_confirmation(net):
    admin, m = net
    r = admin.put("/network", body())
    assert r.status == 200, r
    assert r.json["pending"]["seconds_left"] > 25 and r.json["managed"] is True
    assert m.netlink.links["voice"]["addresses"] == ["10.100.0.1/24"]
    assert admin.get("/network").json["vlans"][0]["id"] == 100
    r = admin.post("/network/confirm", {})
    assert r.status == 200 and r.json["pending"] is None
    assert admin.post("/network/confirm", {}).status == 409
    # DNS only: applied, nothing to confirm.
    r = admin.put("/network", body(dns=["9.9.9.9"]))
    assert r.json["pending"] is None and m.netlink.files["/etc/resolv.conf"] == "nameserver 9.9.9.9\n"


def test_no_confirmation_goes_back_in_the_database_and_the_kernel(net):
    from appliance.db import db
    from appliance.network import service

    admin, m = net
    admin.put("/network", body(vlans=[], routes=[]))
    admin.post("/network/confirm", {})
    admin.put("/network", body(interfaces=[{**ETH0, "addresses": ["198.18.7.77/24"]}], vlans=[], routes=[]))
    assert m.netlink.links["eth0"]["addresses"] == ["fe80::1/64", "198.18.7.77/24"]
    with db.connection_context():
        m._expire()  # before the deadline: nothing happens
        assert service.pending() is not None
        row = service.Setting.get(service.Setting.key == service.PENDING_KEY)
        row.value = json.dumps({**json.loads(row.value), "deadline": "2000-01-01T00:00:00"})
        row.save()
    m._expire()
    admin.box.pbx.wait_settled(_last_revision(), 10)
    got = admin.get("/network").json
    assert got["interfaces"][0]["addresses"] == ETH0["addresses"] and got["pending"] is None
    assert sorted(a for a in m.netlink.links["eth0"]["addresses"] if not a.startswith("fe80")) == \
        sorted(ETH0["addresses"])


def _last_revision() -> int:
    from appliance.db import db
    from appliance.db.models import Change

    with db.connection_context():
        return Change.select().order_by(Change.id.desc()).get().id


def test_bad_input_is_a_422_and_changes_nothing(net):
    admin, m = net
    before = admin.get("/network").json
    r = admin.put("/network", body(vlans=[VOICE, {**VOICE, "name": "voice2"}]))
    assert r.status == 422 and r.json["field"] == "vlans.1.id"
    assert m.netlink.calls == [] and admin.get("/network").json == before


def test_a_pending_change_past_its_deadline_goes_back_when_the_supervisor_starts(tmp_path, admin):
    """The supervisor was down when the deadline passed: start() restores the confirmed settings."""
    from appliance.db import change, db
    from appliance.network import service

    with db.connection_context():
        with change("admin", "network.update") as cs:
            service.put(cs, validate(NetworkPut(), body()), confirm=True,
                        now=dt.datetime(2000, 1, 1))
    m = NetworkManager(Box(tmp_path / "b", managed=True), FakeNetlink())
    (tmp_path / "b").mkdir()
    m.start()
    try:
        with db.connection_context():
            assert service.pending() is None
            assert service.document()["vlans"] == []
        assert "voice" not in m.netlink.links
    finally:
        m.stop()



def test_a_box_nobody_set_up_asks_dhcp_on_its_first_port_and_keeps_its_resolv_conf(tmp_path, monkeypatch):
    monkeypatch.setattr(NetworkManager, "_watch_pending", lambda self: None)
    nl = FakeNetlink()
    nl.links = {"eth0": {"kind": None, "up": False, "addresses": []}, "eth1": {"kind": None, "up": True,
                                                                              "addresses": []}}
    nl.run = lambda step: nl.calls.append(step)
    m = NetworkManager(Box(tmp_path, managed=True), nl)
    assert m.reconcile(BoxSettings())["error"] is None
    assert ("dhcp", "eth1") in nl.calls and "/etc/resolv.conf" not in nl.files
