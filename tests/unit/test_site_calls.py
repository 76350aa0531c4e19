"""Calls between sites: ranges as patterns, breakout patterns refused where they could change the
dial plan, and what each end's dial plan is rendered from (headquarters' sites; a branch's record
and the site list headquarters gave it)."""

from __future__ import annotations

import base64
import json

import pytest

from appliance.db.journal import Journal
from appliance.db.models import Setting
from appliance.errors import Invalid
from appliance.sites import enrol, peering, service
from appliance.sites.dialing import check_breakout, prefix, prefix_only, prefixed_patterns, range_patterns, runs
from tests.unit.test_sites import HQ_KEY, KEY_A, URL, FP, hq, token_of  # noqa: F401 - hq is a fixture


def _matches(pattern: str, number: str) -> bool:
    if not pattern.startswith("_"):
        return pattern == number
    return len(pattern) - 1 == len(number) and all(p == "X" or p == d for p, d in zip(pattern[1:], number))


@pytest.mark.parametrize("first,last", [("2000", "2099"), ("2000", "2149"), ("2005", "2013"), ("8001", "8020"),
                                        ("10", "99"), ("123456", "129999"), ("3000", "3000")])
def test_range_patterns_cover_exactly_the_range(first, last):
    patterns = range_patterns(first, last)
    width = len(first)
    low, high = max(10 ** (width - 1), int(first) - 300), min(10 ** width - 1, int(last) + 300)
    for n in range(low, high + 1):
        number = str(n)
        hits = [p for p in patterns if _matches(p, number)]
        assert len(hits) == (1 if int(first) <= n <= int(last) else 0), (number, hits)
    assert range_patterns("2000", "2099") == ["_20XX"]
    assert range_patterns("2000", "2149") == ["_20XX", "_210X", "_211X", "_212X", "_213X", "_214X"]


def test_range_patterns_refuse_what_is_not_a_range():
    for first, last in (("2000", "199"), ("2100", "2000"), ("2x00", "2099")):
        with pytest.raises(ValueError):
            range_patterns(first, last)


def test_runs_compress_extension_numbers():
    assert runs(["8003", "8001", "8002", "8010", "600", "601"]) == ["600-601", "8001-8003", "8010-8010"]
    assert runs([]) == []


@pytest.mark.parametrize("good,stored", [("_0755XXXXXXXX", "_0755XXXXXXXX"), ("_0755x.", "_0755X."),
                                         ("_021NXXXXXXX", "_021NXXXXXXX"), ("075512345678", "075512345678")])
def test_breakout_patterns_taken(good, stored):
    assert check_breakout(good) == stored


@pytest.mark.parametrize("bad", ["0755;x", "_X.", "_N.", "_0755X!", "_0[1-2]X", "_07,55", "_0755\nX", "*97", "#8",
                                 "_0755X.X", "_+86755X.", "", "_", "0", 7551234, None, "_0755XXXXXXXX)", "_0755$X"])
def test_breakout_patterns_refused(bad):
    with pytest.raises(ValueError):
        check_breakout(bad)


def test_a_site_with_a_bad_breakout_pattern_is_refused_by_its_field(hq):
    with pytest.raises(Invalid) as err:
        service.create({"name": "A", "extensions": "2000-2099", "breakout_patterns": ["_X."]}, "admin", URL, FP)
    assert err.value.field == "breakout_patterns"


def test_headquarters_renders_a_trunk_and_routes_per_enrolled_branch(hq):
    service.create({"name": "Pending", "extensions": "4000-4099"}, "admin", URL, FP)
    site, code, _ = service.create({"name": "A", "extensions": "2000-2149", "breakout_patterns": ["_0755X."]},
                                   "admin", URL, FP)
    assert peering.view().trunks == ()  # nothing until a branch enrols
    service.join({"token": token_of(code), "public_key": KEY_A}, HQ_KEY)
    view = peering.view()
    assert [(t.number, t.address, t.username) for t in view.trunks] == [(3, "10.99.0.3", "site3")]
    assert view.trunks[0].secret == site.trunk_secret
    assert view.ranges[0] == ("_20XX", 3) and len(view.ranges) == 6
    assert view.breakouts == (("_0755X.", 3),) and view.local_breakout == ()
    assert view.network == "10.99.0.0/24" and view.own == 1 and view.watched == ()
    # The branch reports its extensions: headquarters watches those inside its range, only.
    secret = view.trunks[0].secret
    service.report({"number": 3, "secret": secret, "extensions": ["2001-2003", "2150-2150", "900-901"]})
    assert peering.view().watched == (("2001", 3), ("2002", 3), ("2003", 3))
    revision = Journal.latest()
    service.report({"number": 3, "secret": secret, "extensions": ["2001-2003"]})
    assert Journal.latest() == revision  # the same list again: no change, no apply
    with pytest.raises(Invalid):
        service.report({"number": 3, "secret": secret, "extensions": ["2001-2003;x"]})


def test_a_site_enrolled_again_publishes_under_a_new_name(hq):
    """Revoked and enrolled again with the same number and tunnel address: its busy lamps go out by
    a publication of another name, never by the state Asterisk kept for the old one."""
    from appliance.pbx.render.sites import publication

    site, code, _ = service.create({"name": "A", "extensions": "2000-2099"}, "admin", URL, FP)
    service.join({"token": token_of(code), "public_key": KEY_A}, HQ_KEY)
    before = peering.view().trunks[0]
    assert publication(before) == publication(peering.view().trunks[0])  # stable while enrolled
    service.delete(site.id, "admin")
    site, code, _ = service.create({"name": "A", "extensions": "2000-2099"}, "admin", URL, FP)
    service.join({"token": token_of(code), "public_key": KEY_A}, HQ_KEY)
    after = peering.view().trunks[0]
    assert (after.number, after.address) == (before.number, before.address)
    assert publication(after) != publication(before) and publication(after).startswith("site2-states-")


def _enrolled_branch(number=2, patterns=("_0755XXXXXXXX",)):
    record = {"state": "enrolled", "headquarters": URL, "fingerprint": FP,
              "site": {"number": number, "name": "A", "extensions": "2000-2099", "breakout_patterns": list(patterns)},
              "tunnel": {"address": "10.99.0.2/24", "network": "10.99.0.0/24", "headquarters": "10.99.0.1",
                         "headquarters_key": HQ_KEY, "headquarters_endpoint": "203.0.113.1:51820", "keepalive": 25},
              "trunk": {"username": f"site{number}", "secret": "Abcdefghijklmnop1234"}, "enrolled_at": "x"}
    Setting.create(key=enrol.SETTING, value=json.dumps(record))


def test_a_branch_sends_headquarters_and_the_other_branches_through_headquarters(config_db):
    _enrolled_branch()
    view = peering.view()
    assert [(t.number, t.address, t.username) for t in view.trunks] == [(1, "10.99.0.1", "site2")]
    assert view.ranges == () and view.local_breakout == ("_0755XXXXXXXX",)
    listed = {"sites": [{"number": 2, "name": "A", "extensions": "2000-2099", "tunnel_address": "10.99.0.2",
                         "breakout_patterns": ["_0755XXXXXXXX"], "listed": ["2001-2002"]},
                        {"number": 3, "name": "B", "extensions": "3000-3099", "tunnel_address": "10.99.0.3",
                         "breakout_patterns": ["_0571XXXXXXXX"], "listed": ["3001-3002", "3010-3010"]}],
              "headquarters": {"number": 1, "extensions": ["8001-8004", "600-600"]}}
    assert enrol.remember(listed) is not None
    assert enrol.remember(listed) is None  # unchanged: no change, no apply
    view = peering.view()
    assert view.ranges == (("8001", 1), ("8002", 1), ("8003", 1), ("8004", 1), ("600", 1), ("_30XX", 1))  # not its own
    assert view.breakouts == (("_0571XXXXXXXX", 1),)
    # Headquarters' extensions, and the other branch's as it reported them (not its own).
    assert view.own == 2 and view.watched == (("8001", 1), ("8002", 1), ("8003", 1), ("8004", 1), ("600", 1),
                                              ("3001", 3), ("3002", 3), ("3010", 3))
    # A site list from a headquarters that does not pass reported extensions on: none watched.
    for site in listed["sites"]:
        del site["listed"]
    enrol.remember(listed)
    assert [n for n, s in peering.view().watched if s == 3] == []


@pytest.mark.parametrize("damage", [
    lambda d: d["sites"][0].update(extensions="3000-2000"),
    lambda d: d["sites"][0].update(breakout_patterns=["_X."]),
    lambda d: d["sites"][0].update(breakout_patterns=["0571;x"]),
    lambda d: d["sites"][0].update(number="3"),
    lambda d: d["headquarters"].update(extensions=["8001-80a4"]),
    lambda d: d.pop("headquarters"),
    lambda d: d["sites"][0].update(prefix="9*"),
    lambda d: d["sites"][0].update(prefix="3*;x"),
    lambda d: d["sites"][0].update(short_numbers="no"),
    lambda d: d["sites"][0].update(listed=["2001-2002"]),  # another site's numbers
    lambda d: d["sites"][0].update(listed=["3001-30a2"]),
    lambda d: d["sites"][0].update(listed="3001-3002"),
])
def test_a_damaged_site_list_changes_nothing(config_db, damage):
    _enrolled_branch()
    listed = {"sites": [{"number": 3, "name": "B", "extensions": "3000-3099", "breakout_patterns": ["_0571X."]}],
              "headquarters": {"number": 1, "extensions": ["8001-8004"]}}
    damage(listed)
    with pytest.raises(ValueError):
        enrol.remember(listed)
    assert Setting.get_or_none(Setting.key == enrol.DIRECTORY) is None


def test_site_prefixes_are_unambiguous():
    """A prefixed number has a star after the site number's digits: no extension (digits), feature code
    (* or # first) or other site's prefixed number (another number before the star) has that form."""
    assert (prefix(3), prefix(12)) == ("3*", "12*")
    assert prefixed_patterns(3, "8001", "8019") == ["_3*8001", "_3*8002", "_3*8003", "_3*8004", "_3*8005", "_3*8006",
                                                   "_3*8007", "_3*8008", "_3*8009", "_3*801X"]
    for number, pattern in ((3, "_3*80XX"), (31, "_31*80XX")):
        assert prefixed_patterns(number, "8000", "8099") == [pattern]
    # 3*18001 (site 3's 18001) and 31*8001 (site 31's 8001) differ where the star is.
    assert not set(prefixed_patterns(3, "18000", "18099")) & set(prefixed_patterns(31, "8000", "8099"))
    ranges = {2: ("8001", "8099"), 3: ("8050", "8149"), 4: ("4000", "4099"), 5: ("800", "899"), 6: ("8150", "8199")}
    assert prefix_only(ranges) == {2, 3}  # 800-899 is shorter: no number in common with 8001-8099
    assert prefix_only({2: ("8001", "8099")}) == set()


@pytest.mark.parametrize("pattern,number,names", [
    ("_2*X.", 2, True), ("2*8001", 2, True), ("_X*X.", 7, True), ("_N*X.", 1, False), ("_Z*.", 1, True),
    ("_XX*X.", 7, False), ("_XX*X.", 12, True), ("_9X.", 9, False), ("_*97", 9, False), ("_3*X.", 2, False)])
def test_an_outbound_pattern_naming_a_site_prefix_is_seen(pattern, number, names):
    assert service._route_naming(pattern, number) is names


def test_overlapping_branches_are_dialled_by_prefix_only(hq):
    """Two hotels numbering their rooms 8001-8099: both by prefix only, with no busy lamps (their phones
    publish the same device names) and their callers shown with their prefix; a third keeps its short
    numbers. Revoking one gives the other its short numbers back."""
    made = {}
    for name, rooms in (("Hangzhou", "8001-8099"), ("Suzhou", "8001-8099"), ("Ningbo", "4000-4099")):
        site, code, _ = service.create({"name": name, "extensions": rooms}, "admin", URL, FP)
        service.join({"token": token_of(code), "public_key": base64.b64encode(name.encode().ljust(32, b"k")).decode()},
                     HQ_KEY)
        service.report({"number": site.number, "secret": site.trunk_secret, "extensions": [rooms]})
        made[name] = site
    listed = {s["name"]: (s["prefix"], s["short_numbers"]) for s in
              (service.to_dict(s, None) for s in service.listing())}
    assert listed == {"Hangzhou": ("2*", False), "Suzhou": ("3*", False), "Ningbo": ("4*", True)}
    assert [(s["number"], s["short_numbers"]) for s in service.directory()["sites"]] == [(2, False), (3, False),
                                                                                         (4, True)]
    view = peering.view()
    assert view.ranges == (("_40XX", 4),)
    prefixed = {p: (number, strip) for p, number, strip in view.prefixed}
    assert prefixed["_2*8001"] == (2, 2) and prefixed["_3*809X"] == (3, 2) and prefixed["_4*40XX"] == (4, 2)
    assert len(prefixed) == 2 * len(range_patterns("8001", "8099")) + 1
    assert set(view.callers) == {p for p, (number, _) in prefixed.items() if number in (2, 3)}
    assert {site for _n, site in view.watched} == {4}
    service.delete(made["Suzhou"].id, "admin")
    view = peering.view()
    assert ("_8001", 2) not in view.ranges and ("8001", 2) in view.ranges and view.callers == ()
    assert service.to_dict(made["Hangzhou"], None)["short_numbers"] is True


def test_a_range_with_headquarters_numbers_is_refused_and_changes_nothing(hq):
    from appliance.extensions import service as extensions
    from appliance.ringgroups import service as ringgroups

    extensions.create({"number": "8001", "name": "Front desk"}, "admin")
    service.create({"name": "Hangzhou", "extensions": "5000-5099"}, "admin", URL, FP)
    revision = Journal.latest()
    with pytest.raises(Invalid) as err:
        service.create({"name": "Suzhou", "extensions": "8000-8099"}, "admin", URL, FP)
    assert err.value.field == "extensions" and "8001" in err.value.message and "extension" in err.value.message
    ringgroups.create({"number": "6000", "name": "Reception", "members": ["8001"]}, "admin")
    revision = Journal.latest()
    with pytest.raises(Invalid) as err:
        service.create({"name": "Suzhou", "extensions": "6000-6099"}, "admin", URL, FP)
    assert err.value.field == "extensions" and "ring group" in err.value.message
    assert Journal.latest() == revision and [s.name for s in service.listing()] == ["Hangzhou"]


def test_a_branch_dials_prefixed_sites_through_headquarters_as_dialled(config_db):
    _enrolled_branch()
    listed = {"sites": [{"number": 2, "name": "A", "extensions": "2000-2099", "prefix": "2*", "short_numbers": False,
                         "breakout_patterns": []},
                        {"number": 3, "name": "B", "extensions": "2000-2099", "prefix": "3*", "short_numbers": False,
                         "breakout_patterns": []},
                        {"number": 4, "name": "C", "extensions": "4000-4099", "prefix": "4*", "short_numbers": True,
                         "breakout_patterns": []}],
              "headquarters": {"number": 1, "extensions": ["6001-6001"]}}
    enrol.remember(listed)
    view = peering.view()
    assert view.ranges == (("6001", 1), ("_40XX", 1))  # not site 3's 20XX: that is its own here
    assert view.prefixed == (("_3*20XX", 1, 0), ("_4*40XX", 1, 0)) and view.callers == ()


def test_headquarters_lists_its_extensions_as_ranges(hq):
    from appliance.extensions import service as extensions

    for n in ("8001", "8002", "8003", "8010"):
        extensions.create({"number": n, "name": f"Desk {n}"}, "admin")
    assert service.directory()["headquarters"]["extensions"] == ["8001-8003", "8010-8010"]


def test_headquarters_passes_on_the_extensions_each_branch_reported(hq):
    site, code, _ = service.create({"name": "A", "extensions": "2000-2099"}, "admin", URL, FP)
    service.join({"token": token_of(code), "public_key": KEY_A}, HQ_KEY)
    assert service.directory()["sites"][0]["listed"] == []
    service.report({"number": site.number, "secret": site.trunk_secret, "extensions": ["2001-2003", "900-901"]})
    assert service.directory()["sites"][0]["listed"] == ["2001-2003"]


class _Ev(dict):
    """An AMI event as the live state reads it."""

    def __init__(self, name, **headers):
        super().__init__(headers)
        self.name = name


def _status(exten, text, context="callbox-sites"):
    return _Ev("ExtensionStatus", Exten=exten, Context=context, StatusText=text)


def test_the_other_sites_lamps_follow_their_hints():
    from appliance.pbx.live import LiveState

    published = []
    live = LiveState(lambda topic, **data: published.append((topic, data)))
    live.site_hints([_status("8001", "Idle"), _status("8002", "Unavailable"), _status("71", "Idle", "callbox-parked"),
                     _Ev("ExtensionStateListComplete")])
    assert (live.site_extension("8001"), live.site_extension("8002"), live.site_extension("71")) \
        == ("idle", "unavailable", None)
    published.clear()
    live.on_event(_status("8001", "InUse&Ringing"))
    live.on_event(_status("8002", "Unavailable"))  # no change: nothing to tell the pages
    live.on_event(_status("8003", "Something new"))
    assert published == [("site_extension", {"number": "8001", "state": "ringing"}),
                         ("site_extension", {"number": "8003", "state": "unknown"})]
    live.site_hints([_status("8001", "Hold")])  # a listing replaces what was known
    assert (live.site_extension("8001"), live.site_extension("8002")) == ("on_hold", None)
    live.clear()
    assert live.site_extension("8001") is None


def test_what_events_say_while_the_listings_are_asked_for_is_newer_than_the_listings():
    """Just after Asterisk starts the listings and the first qualify cross: the trunk the listing
    had unknown answered meanwhile, a phone went away, a call ended."""
    from appliance.pbx.live import LiveState

    live = LiveState()
    live.resync_begin()
    live.on_event(_Ev("ContactStatus", AOR="site1", URI="sip:10.99.0.1:5060", ContactStatus="Reachable"))
    live.on_event(_Ev("ContactStatus", AOR="8001", URI="sip:8001@192.0.2.7", ContactStatus="Removed"))
    live.on_event(_Ev("Hangup", Uniqueid="1.2"))
    live.resync([_Ev("ContactList", ObjectName="site1@@abc", Uri="sip:10.99.0.1:5060", Status="Unknown"),
                 _Ev("ContactList", ObjectName="8001;@def", Uri="sip:8001@192.0.2.7", Status="Reachable"),
                 _Ev("ContactList", ObjectName="8002;@fed", Uri="sip:8002@192.0.2.8", Status="Reachable")],
                [_Ev("CoreShowChannel", Uniqueid="1.2", Linkedid="1.2"),
                 _Ev("CoreShowChannel", Uniqueid="1.3", Linkedid="1.3")])
    assert live.trunk("site1")["reachable"] is True
    assert live.registration("8001") is None and live.registration("8002")["status"] == "Reachable"
    assert live.active_calls() == 1
    # Later listings are taken as they are.
    live.resync([_Ev("ContactList", ObjectName="site1@@abc", Uri="sip:10.99.0.1:5060", Status="Unreachable")])
    assert live.trunk("site1")["reachable"] is False


def test_the_extensions_page_lists_the_other_sites_extensions_with_their_state(admin, monkeypatch):
    from appliance.pbx.live import LiveState
    from appliance.vpn import service as vpn

    vpn.set_interface({"address": "10.99.0.1/24", "public_address": "203.0.113.1"}, "admin")
    site, code, _ = service.create({"name": "Shenzhen", "extensions": "2000-2099"}, "admin", URL, FP)
    service.join({"token": token_of(code), "public_key": KEY_A}, HQ_KEY)
    service.report({"number": site.number, "secret": site.trunk_secret, "extensions": ["2001-2002"]})
    r = admin.get("/sites/extensions")
    assert r.status == 200 and r.json["items"] == [
        {"number": "2001", "site": site.number, "site_name": "Shenzhen", "state": None},
        {"number": "2002", "site": site.number, "site_name": "Shenzhen", "state": None}]
    live = LiveState()
    live.site_hints([_status("2001", "InUse")])
    monkeypatch.setattr(admin.box.pbx, "live", live, raising=False)
    assert [i["state"] for i in admin.get("/sites/extensions").json["items"]] == ["in_use", None]


def test_headquarters_relays_each_branch_lamps_as_a_device_of_its_own():
    from appliance.sites.relay import wanted

    assert wanted([_status("3001", "InUse"), _status("3002", "Idle"), _status("3003", "InUse&Ringing"),
                   _status("3004", "Unavailable"), _status("71", "InUse", "callbox-parked"),
                   _status("3005", "Removed"), _Ev("ExtensionStateListComplete")]) == {
        "Custom:SITE3001": "INUSE", "Custom:SITE3002": "NOT_INUSE", "Custom:SITE3003": "RINGINUSE",
        "Custom:SITE3004": "UNAVAILABLE"}


class _Ami:
    def __init__(self, fail=False, stored=()):
        self.sent, self.fail, self.stored = [], fail, dict(stored)  # stored: Asterisk's CustomDevstate

    def action(self, name, **fields):
        if self.fail:
            raise OSError("AMI down")
        if name == "DBDel":
            del self.stored[fields["Key"]]
            self.sent.append((name, fields["Family"], fields["Key"]))
            return
        self.sent.append((name, fields["Variable"], fields["Value"]))
        self.stored[fields["Variable"].split(":")[1].rstrip(")")] = fields["Value"]  # as func_devstate does

    def action_list(self, name, timeout=None, **fields):
        assert name == "DBGetTree" and fields == {"Family": "CustomDevstate"}
        return {}, [_Ev("DBGetTreeResponse", Key=f"/CustomDevstate/{k}", Val=v) for k, v in self.stored.items()] + [
            _Ev("DBGetTreeComplete")]


def test_the_lamp_relay_sets_changed_states_only_while_enabled():
    from appliance.sites.relay import LampRelay

    relay = LampRelay(_Ami())
    relay.offer([_status("3001", "InUse")])  # not headquarters with branches: nothing
    relay.enabled = True
    relay.offer([_status("3001", "InUse")])
    relay.offer([_status("3001", "InUse"), _status("3002", "Idle")])  # a listing: 3001 unchanged
    relay.forget()  # Asterisk started again: set anew
    relay.offer([_status("3001", "InUse")])
    relay.stop()
    relay._run()  # the relay's thread, here: it takes what was offered, then the stop
    assert relay.ami.sent == [("Setvar", "DEVICE_STATE(Custom:SITE3001)", "INUSE"),
                              ("Setvar", "DEVICE_STATE(Custom:SITE3002)", "NOT_INUSE"),
                              ("Setvar", "DEVICE_STATE(Custom:SITE3001)", "INUSE")]


def test_a_state_the_relay_could_not_set_is_set_at_the_next_offer():
    from appliance.sites.relay import LampRelay

    relay = LampRelay(_Ami(fail=True))
    relay.enabled = True
    relay.offer([_status("3001", "InUse")])
    relay.stop()
    relay._run()
    relay.ami.fail = False
    relay.offer([_status("3001", "InUse")])
    relay.stop()
    relay._run()
    assert relay.ami.sent == [("Setvar", "DEVICE_STATE(Custom:SITE3001)", "INUSE")]


def test_the_relayed_lamps_no_hint_follows_are_found_in_asterisks_database():
    from appliance.sites.relay import stale

    listing = [_Ev("DBGetTreeResponse", Key="/CustomDevstate/SITE3001", Val="INUSE"),
               _Ev("DBGetTreeResponse", Key="/CustomDevstate/SITE2001", Val="NOT_INUSE"),
               _Ev("DBGetTreeResponse", Key="/CustomDevstate/NIGHT1", Val="INUSE"),  # not the relay's
               _Ev("DBGetTreeComplete", ListItems="3")]
    assert stale(listing, {"Custom:SITE2001"}) == ["Custom:SITE3001"]
    assert stale(listing, set()) == ["Custom:SITE3001", "Custom:SITE2001"]
    assert stale([], set()) == []


def test_a_revoked_branchs_lamps_go_unavailable_and_leave_the_database():
    """Branch 3 (3001) revoked while its phone was in a call: headquarters makes the relayed device
    unavailable (published to the other branches) and deletes it, so that no start of Asterisk
    sets it busy again; branch 2's 2001 stays. A state set before is set again if 3001 comes back."""
    from appliance.sites.relay import LampRelay

    relay = LampRelay(_Ami(stored={"SITE3001": "INUSE", "SITE2001": "NOT_INUSE", "NIGHT1": "INUSE"}))
    relay.enabled = True
    relay.offer([_status("3001", "InUse")])
    relay.keep_only({"Custom:SITE2001"})
    relay.offer([_status("3001", "InUse")])  # back (enrolled again): set anew
    relay.keep_only(())  # nothing relayed any longer (one branch left)
    relay.stop()
    relay._run()
    assert relay.ami.sent == [("Setvar", "DEVICE_STATE(Custom:SITE3001)", "INUSE"),
                              ("Setvar", "DEVICE_STATE(Custom:SITE3001)", "UNAVAILABLE"),
                              ("DBDel", "CustomDevstate", "SITE3001"),
                              ("Setvar", "DEVICE_STATE(Custom:SITE3001)", "INUSE"),
                              ("Setvar", "DEVICE_STATE(Custom:SITE2001)", "UNAVAILABLE"),
                              ("DBDel", "CustomDevstate", "SITE2001"),
                              ("Setvar", "DEVICE_STATE(Custom:SITE3001)", "UNAVAILABLE"),
                              ("DBDel", "CustomDevstate", "SITE3001")]
    assert relay.ami.stored == {"NIGHT1": "INUSE"}


def test_a_lamp_that_could_not_be_cleared_is_cleared_after_the_next_apply():
    from appliance.sites.relay import LampRelay

    relay = LampRelay(_Ami(fail=True, stored={"SITE3001": "INUSE"}))
    relay.keep_only(())
    relay.stop()
    relay._run()
    relay.ami.fail = False
    relay.keep_only(())
    relay.stop()
    relay._run()
    assert relay.ami.stored == {}
