"""A revoked branch's device states in headquarters' Asterisk: which are outweighed, and the
PUBLISH that does it (to this box's own Asterisk, as the branch, under the branch's eid)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from appliance.sites import forget


class _Ev(dict):
    def __init__(self, name, **headers):
        super().__init__(headers)
        self.name = name


LISTING = [_Ev("DeviceStateChange", Device="PJSIP/5001", State="INUSE"),
           _Ev("DeviceStateChange", Device="PJSIP/5002", State="UNAVAILABLE"),
           _Ev("DeviceStateChange", Device="PJSIP/5003", State="UNKNOWN"),  # nobody's: nothing to outweigh
           _Ev("DeviceStateChange", Device="PJSIP/5099", State="NOT_INUSE"),
           _Ev("DeviceStateChange", Device="PJSIP/5100", State="BUSY"),  # another range
           _Ev("DeviceStateChange", Device="PJSIP/501", State="BUSY"),  # a shorter number
           _Ev("DeviceStateChange", Device="PJSIP/trunk1", State="NOT_INUSE"),
           _Ev("DeviceStateChange", Device="Custom:SITE5001", State="INUSE"),  # headquarters' own relay
           _Ev("DeviceStateChange", Device="Queue:5001_avail", State="INUSE"),
           _Ev("DeviceStateListComplete")]


def test_only_the_branch_ranges_pjsip_devices_with_a_state_are_outweighed():
    assert forget.published(LISTING, "5000", "5099") == ["PJSIP/5001", "PJSIP/5002", "PJSIP/5099"]
    assert forget.published(LISTING, "6000", "6099") == []


def test_the_loopback_address_when_asterisk_listens_everywhere():
    assert forget.local_address("0.0.0.0") == "127.0.0.1"
    assert forget.local_address("10.0.0.5") == "10.0.0.5"


def test_each_is_published_unknown_as_the_branch_under_its_eid(monkeypatch):
    class Ami:
        def action_list(self, name, timeout=10.0):
            assert name == "DeviceStateList"
            return {}, LISTING

    sent = []
    monkeypatch.setattr(forget, "publish", lambda *args: sent.append(args))
    site = SimpleNamespace(number=3, extensions_from="5000", extensions_to="5099", trunk_secret="s3cret",
                           eid="02:42:ac:11:00:05")
    assert forget.forget(Ami(), SimpleNamespace(sip_host="0.0.0.0", sip_port=5070), site) == 3
    assert [(a[:5], json.loads(a[5]), a[6]) for a in sent] == [
        (("127.0.0.1", 5070, "site3", "site3", "s3cret"),
         {"type": "devicestate", "device": device, "state": "UNKNOWN", "cachable": 1, "eid": "02:42:ac:11:00:05"},
         "asterisk-devicestate") for device in ("PJSIP/5001", "PJSIP/5002", "PJSIP/5099")]
