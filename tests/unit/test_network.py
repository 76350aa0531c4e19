"""The network manager's decisions, with a netlink that records what it was asked."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from appliance.box_settings import BoxSettings
from appliance.network.manager import NetworkManager
from appliance.settings import Runtime


class FakeNetlink:
    def __init__(self, interfaces=None, dhcp=True, fail=None):
        self.calls = []
        self._interfaces = interfaces if interfaces is not None else [
            {"name": "eth0", "mac": "02:00:00:00:00:01", "up": True, "addresses": []}]
        self.dhcp = dhcp
        self.fail = fail

    def _record(self, *call):
        self.calls.append(call)
        if self.fail == call[0]:
            raise OSError(f"{call[0]} failed")

    def interfaces(self):
        return self._interfaces

    def set_static(self, interface, address, gateway):
        self._record("set_static", interface, address, gateway)

    def start_dhcp(self, interface):
        self._record("start_dhcp", interface)
        return self.dhcp

    def write_resolv(self, servers):
        self._record("write_resolv", tuple(servers))

    def set_hostname(self, name):
        self._record("set_hostname", name)

    def set_timezone(self, zone):
        self._record("set_timezone", zone)


class Box:
    def __init__(self, tmp: Path, managed: bool):
        env = {"BOX_DATA": str(tmp), "BOX_MANAGE_HOST": "1" if managed else "0",
               "BOX_HOSTS_FILE": str(tmp / "hosts")}
        self.runtime = Runtime.from_environ(env)


STATIC = {"interface": None, "mode": "static", "address": "192.168.10.5/24", "gateway": "192.168.10.1",
          "dns": ["192.168.10.1", "9.9.9.9"]}


def test_a_dev_box_applies_nothing_and_says_so(tmp_path):
    nl = FakeNetlink()
    m = NetworkManager(Box(tmp_path, managed=False), nl)
    result = m.reconcile(dataclasses.replace(BoxSettings(), network=STATIC))
    assert nl.calls == [] and result["managed"] is False and "dev box" in result["note"]


def test_static_network_name_and_zone_are_applied_once(tmp_path):
    nl = FakeNetlink()
    m = NetworkManager(Box(tmp_path, managed=True), nl)
    settings = dataclasses.replace(BoxSettings(), hostname="front", network=STATIC, timezone="Asia/Shanghai")
    result = m.reconcile(settings)
    assert nl.calls == [("set_hostname", "front"), ("set_static", "eth0", "192.168.10.5/24", "192.168.10.1"),
                        ("write_resolv", ("192.168.10.1", "9.9.9.9")), ("set_timezone", "Asia/Shanghai")]
    assert result["applied"] == ["hostname", "network", "timezone"] and result["error"] is None
    assert "127.0.1.1\tfront" in (tmp_path / "hosts").read_text()
    nl.calls.clear()
    assert m.reconcile(settings)["applied"] == [] and nl.calls == []
    m.reconcile(dataclasses.replace(settings, timezone="Europe/Berlin"))
    assert nl.calls == [("set_timezone", "Europe/Berlin")]


def test_dhcp_on_the_first_interface_that_is_up(tmp_path):
    nl = FakeNetlink(interfaces=[{"name": "eth0", "up": False, "addresses": []},
                                 {"name": "eth1", "up": True, "addresses": []}])
    m = NetworkManager(Box(tmp_path, managed=True), nl)
    m.reconcile(BoxSettings())
    assert ("start_dhcp", "eth1") in nl.calls


def test_a_failure_is_reported_and_retried_next_time(tmp_path):
    nl = FakeNetlink(fail="set_static")
    m = NetworkManager(Box(tmp_path, managed=True), nl)
    settings = dataclasses.replace(BoxSettings(), network=STATIC)
    result = m.reconcile(settings)
    assert "set_static failed" in result["error"]
    assert m.health()["network"]["error"] == result["error"]
    nl.fail = None
    nl.calls.clear()
    assert "network" in m.reconcile(settings)["applied"]


def test_no_dhcp_client_is_an_error(tmp_path):
    m = NetworkManager(Box(tmp_path, managed=True), FakeNetlink(dhcp=False))
    assert "no DHCP client" in m.reconcile(BoxSettings())["error"]
