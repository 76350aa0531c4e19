"""The ban engine's decisions (a clock passed in), the nftables and conntrack adapters (a
runner that records), and the /security API on the security manager."""

from __future__ import annotations

import json
import time

import pytest

from appliance.security import service
from appliance.security.conntrack import Flows
from appliance.security.engine import ESCALATION_MEMORY, TRUST_SECONDS, Ban, Engine, Policy
from appliance.security.manager import remote_address
from appliance.security.nft import TABLE, Firewall
from tests.fakes.firewall import Recorder

ATTACKER = "198.51.100.7"
OFFICE = "203.0.113.20"


def fail(engine, address, times, now, account="1001", step=0.01):
    bans = []
    for i in range(times):
        ban = engine.failure(address, account, "sip InvalidPassword", now + i * step)
        if ban is not None:
            bans.append(ban)
    return bans


# -- engine ----------------------------------------------------------------------------------

def test_the_tenth_failure_within_the_window_bans_and_not_before():
    engine = Engine(Policy(max_failures=10, window_seconds=60))
    assert fail(engine, ATTACKER, 9, 1000.0) == []
    assert engine.banned(ATTACKER, 1000.5) is None
    ban = engine.failure(ATTACKER, "1001", "sip InvalidPassword", 1001.0)
    assert ban == Ban(ATTACKER, "sip InvalidPassword", 1001.0, 1001.0 + 15 * 60, 1)
    assert engine.banned(ATTACKER, 1001.0 + 15 * 60 - 1) is ban
    assert engine.banned(ATTACKER, 1001.0 + 15 * 60) is None


def test_failures_spread_wider_than_the_window_never_ban():
    engine = Engine(Policy(max_failures=3, window_seconds=10))
    assert fail(engine, ATTACKER, 30, 0.0, step=5.0) == []  # two in any 10 s
    assert fail(engine, ATTACKER, 3, 1000.0, step=4.9) != []


def test_repeated_bans_escalate_to_permanent_and_a_quiet_week_forgets():
    engine = Engine(Policy(max_failures=2, window_seconds=60, ban_minutes=(15, 1440, None)))
    first = fail(engine, ATTACKER, 2, 0.0)[0]
    assert (first.until - first.since, first.count) == (900, 1)
    second = fail(engine, ATTACKER, 2, first.until + 1)[0]
    assert (second.until - second.since, second.count) == (86400, 2)
    third = fail(engine, ATTACKER, 2, second.until + 1)[0]
    assert (third.until, third.count) == (None, 3)
    assert engine.banned(ATTACKER, 10**10) is third
    other = "198.51.100.8"
    ban = fail(engine, other, 2, 0.0)[0]
    again = fail(engine, other, 2, ban.until + ESCALATION_MEMORY)[0]
    assert again.count == 1 and again.until - again.since == 900


def test_a_ban_list_shorter_than_the_offences_repeats_its_last_entry():
    engine = Engine(Policy(max_failures=2, ban_minutes=(1, 5)))
    t = 0.0
    lengths = []
    for _ in range(4):
        ban = fail(engine, ATTACKER, 2, t)[0]
        lengths.append(ban.until - ban.since)
        t = ban.until + 1
    assert lengths == [60, 300, 300, 300]


def test_the_allow_list_loopback_and_spared_addresses_are_never_banned():
    engine = Engine(Policy(max_failures=2, allow=("10.0.0.0/8", "192.0.2.9")))
    for address in ("10.1.2.3", "192.0.2.9", "127.0.0.1", "::1"):
        assert fail(engine, address, 50, 0.0) == [], address
    engine.spare("192.0.2.50", until=100.0)
    assert fail(engine, "192.0.2.50", 50, 0.0) == []
    assert fail(engine, "192.0.2.50", 2, 200.0) != []  # the administrator left long ago
    engine.set_policy(Policy(max_failures=2))
    assert fail(engine, "10.1.2.3", 2, 0.0) != []


def test_an_address_with_registered_phones_is_not_banned_for_other_accounts_failures():
    engine = Engine(Policy(max_failures=3))
    for n in range(50):
        engine.success(OFFICE, f"sip:{2000 + n}", 0.0)
    assert fail(engine, OFFICE, 100, 1.0, account="sip:9999") == []
    assert fail(engine, OFFICE, 100, 1.0, account="sip:1001") == []
    # Failing its own account's password (a phone left with an old one) still counts.
    assert fail(engine, OFFICE, 3, 5.0, account="sip:2000") != []


def test_trust_lapses_so_a_cracked_account_buys_no_lasting_immunity():
    engine = Engine(Policy(max_failures=3))
    engine.success(ATTACKER, "sip:1001", 0.0)
    assert fail(engine, ATTACKER, 5, 10.0, account="sip:1002") == []
    assert fail(engine, ATTACKER, 3, TRUST_SECONDS + 1, account="sip:1002") != []


def test_unban_lifts_and_forgets_and_bad_addresses_are_ignored():
    engine = Engine(Policy(max_failures=2))
    fail(engine, ATTACKER, 2, 0.0)
    assert engine.unban(ATTACKER).address == ATTACKER
    assert engine.banned(ATTACKER, 1.0) is None
    assert fail(engine, ATTACKER, 2, 2.0)[0].count == 1
    assert engine.failure("not-an-address", "x", "r", 0.0) is None
    assert engine.unban("nonsense") is None


def test_forget_drops_old_records_but_keeps_permanent_and_recent_ones():
    engine = Engine(Policy(max_failures=2, ban_minutes=(None,)))
    fail(engine, ATTACKER, 2, 0.0)
    engine2 = Engine(Policy(max_failures=2), history=[Ban("192.0.2.1", "r", 0.0, 10.0, 1)])
    assert engine.forget(10**9) == [] and engine.banned(ATTACKER, 10**9)
    assert engine2.forget(5.0) == [] and engine2.forget(10.0 + ESCALATION_MEMORY) == ["192.0.2.1"]


def test_remote_addresses_from_ami_events():
    assert remote_address("IPV4/UDP/198.51.100.7/5060") == ATTACKER
    assert remote_address("IPV6/UDP/2001:db8::1/5060") == "2001:db8::1"
    assert remote_address("garbage") is None and remote_address(None) is None


# -- adapters --------------------------------------------------------------------------------

def test_the_firewall_makes_its_table_afresh_with_the_standing_bans():
    nft = Recorder()
    Firewall(nft).setup([(ATTACKER, 120.2), ("2001:db8::1", None)])
    script = nft.calls[0]
    assert script.startswith(f"table inet {TABLE}\ndelete table inet {TABLE}\n")
    assert "type filter hook prerouting priority raw; policy accept;" in script
    assert "ip saddr @ban4 drop" in script and "ip6 saddr @ban6 drop" in script
    assert f"add element inet {TABLE} ban4 {{ {ATTACKER} timeout 121s }}" in script
    assert f"add element inet {TABLE} ban6 {{ 2001:db8::1 }}" in script


def test_a_ban_replaces_the_element_in_one_batch_and_unban_removes_it():
    nft = Recorder()
    fw = Firewall(nft)
    fw.ban(ATTACKER, 900)
    fw.ban(ATTACKER, None)
    fw.unban(ATTACKER)
    assert nft.calls == [
        f"add element inet {TABLE} ban4 {{ {ATTACKER} }}\ndelete element inet {TABLE} ban4 {{ {ATTACKER} }}\n"
        f"add element inet {TABLE} ban4 {{ {ATTACKER} timeout 900s }}\n",
        f"add element inet {TABLE} ban4 {{ {ATTACKER} }}\ndelete element inet {TABLE} ban4 {{ {ATTACKER} }}\n"
        f"add element inet {TABLE} ban4 {{ {ATTACKER} }}\n",
        f"add element inet {TABLE} ban4 {{ {ATTACKER} }}\ndelete element inet {TABLE} ban4 {{ {ATTACKER} }}\n",
    ]
    with pytest.raises(ValueError):
        fw.ban("1.2.3.4 }; flush ruleset; {", 10)
    assert len(nft.calls) == 3


def test_conntrack_deletes_the_sources_flows_by_family():
    ct = Recorder()
    Flows(ct).drop(ATTACKER)
    Flows(ct).drop("2001:db8::1")
    assert ct.calls == [["-D", "-f", "ipv4", "-s", ATTACKER], ["-D", "-f", "ipv6", "-s", "2001:db8::1"]]
    with pytest.raises(ValueError):
        Flows(ct).drop("-F")


# -- manager and API -------------------------------------------------------------------------

def wait_for(predicate, what, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def security_event(ami, name, address, account="1001"):
    ami.emit(Event=name, EventTV="2026-12-05T19:00:00.000+0000", Severity="Error", Service="PJSIP",
             AccountID=account, SessionID="x", LocalAddress="IPV4/UDP/10.0.0.2/5060",
             RemoteAddress=f"IPV4/UDP/{address}/5060")


def test_security_events_ban_in_nftables_and_conntrack_and_the_api_lists_and_lifts(admin):
    security = admin.box.security
    ami = admin.box.pbx.ami
    for _ in range(5):
        security_event(ami, "ChallengeSent", ATTACKER)  # every phone's first step: never counted
    for n in range(9):
        security_event(ami, "InvalidAccountID" if n % 2 else "ChallengeResponseFailed", ATTACKER, str(100 + n))
    assert admin.get("/security/bans").json["items"] == []
    security_event(ami, "InvalidPassword", ATTACKER)
    wait_for(lambda: security.conntrack_calls, "the ban's conntrack deletion")
    assert any(f"{ATTACKER} timeout 900s" in c for c in security.nft_calls)
    assert security.conntrack_calls == [["-D", "-f", "ipv4", "-s", ATTACKER]]
    items = admin.get("/security/bans").json["items"]
    assert [(i["address"], i["reason"], i["count"]) for i in items] == [(ATTACKER, "sip InvalidPassword", 1)]
    assert items[0]["since"].endswith("Z") and items[0]["until"] > items[0]["since"]
    wait_for(lambda: service.load_bans(), "the ban's record")
    assert [b.address for b in service.load_bans()] == [ATTACKER]

    assert admin.delete("/security/bans/not-an-ip").status == 422
    assert admin.delete("/security/bans/192.0.2.99").status == 404
    assert admin.delete(f"/security/bans/{ATTACKER}").status == 204
    assert security.nft_calls[-1].endswith(f"delete element inet {TABLE} ban4 {{ {ATTACKER} }}\n")
    assert admin.get("/security/bans").json["items"] == [] and service.load_bans() == []


def test_phones_registered_from_an_address_keep_it_from_being_banned_for_other_accounts(admin):
    ami = admin.box.pbx.ami
    for n in range(50):
        security_event(ami, "SuccessfulAuth", OFFICE, str(2000 + n))
    for n in range(40):
        security_event(ami, "InvalidAccountID", OFFICE, str(300 + n))
    assert admin.get("/security/bans").json["items"] == []


def test_settings_change_what_bans_and_bad_values_change_nothing(admin):
    assert admin.get("/security/settings").json == {"max_failures": 10, "window_seconds": 60,
                                                     "ban_minutes": [15, 1440, None], "allow": [], "email": []}
    for bad, field in (({"max_failures": 1}, "max_failures"), ({"window_seconds": "60"}, "window_seconds"),
                       ({"ban_minutes": [None, 15]}, "ban_minutes"), ({"ban_minutes": []}, "ban_minutes"),
                       ({"allow": ["10.0.0.0/33"]}, "allow"), ({"allow": ["a\nb"]}, "allow"),
                       ({"nope": 1}, "nope")):
        r = admin.put("/security/settings", bad)
        assert r.status == 422 and r.json["field"] == field, (bad, r)
    r = admin.put("/security/settings", {"max_failures": 3, "ban_minutes": [2, None],
                                         "allow": ["198.51.100.0/24", "203.0.113.20/32"]})
    assert r.json == {"max_failures": 3, "window_seconds": 60, "ban_minutes": [2, None],
                      "allow": ["198.51.100.0/24", "203.0.113.20"], "email": []}, r
    assert admin.get("/security/settings").json == r.json
    ami = admin.box.pbx.ami
    for _ in range(20):
        security_event(ami, "InvalidPassword", ATTACKER)  # allowed now
    other = "192.0.2.77"
    for _ in range(3):
        security_event(ami, "InvalidPassword", other)
    items = admin.get("/security/bans").json["items"]
    assert [i["address"] for i in items] == [other]
    assert items[0]["count"] == 1


def test_only_administrators_see_bans(web):
    assert web.get("/security/bans").status == 401


def test_refused_web_sign_ins_feed_the_engine_and_an_administrators_address_is_spared(web):
    security = web.box.security
    security.set_policy(Policy(max_failures=3))
    # The unit tests' client is on loopback, which is never banned: count as another address.
    seen = []
    real = security.failure
    security.failure = lambda address, account, reason, **kw: seen.append((address, account, reason))
    try:
        for _ in range(7):
            r = web.post("/auth/login", {"username": "mallory", "password": "wrong"})
            assert r.status in (401, 429), r
    finally:
        security.failure = real
    assert seen == [("127.0.0.1", "mallory", "web sign-in")] * 7
    web.sign_in("Unit-Test-Pass-99")
    assert web.get("/security/bans").status == 200  # an administrator's request spares the address
    assert security.engine._spared.get("127.0.0.1", 0) > time.time() + 3000
    for _ in range(5):
        security.failure("192.0.2.200", "admin", "web sign-in")
    assert [b.address for b in security.bans()] == ["192.0.2.200"]


def test_contacts_listed_after_a_restart_count_as_registered_before_they_are_qualified():
    from appliance.ami.protocol import Message
    from appliance.pbx.live import LiveState

    live = LiveState()
    # PJSIPShowContacts as Asterisk 22 answers it (no Aor header): contacts loaded from its
    # database after a restart, not yet qualified; and a trunk's configured contact.
    listing = [Message([("Event", "ContactList"), ("ObjectName", "8001;@dfeff13a77d77b3eea5aca6ea5f652b8"),
                        ("Endpoint", "8001"), ("Uri", "sip:8001@10.0.0.5:5060"), ("Status", "Unknown")]),
               Message([("Event", "ContactList"), ("ObjectName", "trunk-1@@9f0c1b"), ("Endpoint", "trunk-1"),
                        ("Uri", "sip:provider.example:5060"), ("Status", "Reachable")]),
               Message([("Event", "ContactListComplete"), ("ListItems", "2")])]
    live.resync(listing)
    assert live.registered() == {"8001"}
    assert live.registration("8001") == {"contact": "sip:8001@10.0.0.5:5060", "status": "Unknown"}
    assert live.trunk("trunk-1")["reachable"] is True


# -- e-mail on bans ----------------------------------------------------------------------------


def _ban(n: int, since: float) -> Ban:
    return Ban(f"203.0.113.{n}", "sip InvalidAccountID", since, since + 900, 1)


def test_a_few_bans_an_hour_are_mailed_one_by_one_and_the_rest_as_one_summary():
    from appliance.security.notify import BanMail

    mailer = BanMail(cap=3, hour=3600)
    t0 = 1_000_000.0
    sent = [mailer.banned(_ban(n, t0 + n), t0 + n) for n in range(1000)]  # a scan: a ban a second
    singles = [n for n, out in enumerate(sent) if out]
    assert singles == [0, 1, 2] and all(len(sent[n]) == 1 and not sent[n][0].summary for n in singles)
    assert mailer.due(t0 + 3599) == []
    summary, = mailer.due(t0 + 3600)
    assert summary.summary and len(summary.bans) == 997 and summary.bans[0].address == "203.0.113.3"
    assert mailer.due(t0 + 3700) == []  # said once
    # The next hour starts with single messages again.
    out = mailer.banned(_ban(7, t0 + 4000), t0 + 4000)
    assert len(out) == 1 and not out[0].summary
    # A quiet hour sends no summary; a held ban's summary comes first when the next ban arrives late.
    quiet = BanMail(cap=1)
    quiet.banned(_ban(1, t0), t0)
    assert quiet.due(t0 + 7200) == []
    busy = BanMail(cap=1)
    busy.banned(_ban(1, t0), t0)
    busy.banned(_ban(2, t0 + 10), t0 + 10)
    late = busy.banned(_ban(3, t0 + 5000), t0 + 5000)
    assert [(n.summary, [b.address for b in n.bans]) for n in late] == [(True, ["203.0.113.2"]),
                                                                       (False, ["203.0.113.3"])]


def test_ban_messages_have_keys_once_per_ban_and_times_in_the_box_zone():
    import datetime as dt
    from zoneinfo import ZoneInfo

    from appliance.mail import templates
    from appliance.security import notify

    t0 = dt.datetime(2026, 12, 6, 1, 0, tzinfo=dt.timezone.utc).timestamp()
    single = notify.Notice((Ban("203.0.113.9", "sip InvalidPassword", t0, None, 3),))
    assert notify.key(single) == f"security-ban:203.0.113.9:{int(t0)}"
    values = notify.values(single, "callbox", ZoneInfo("Asia/Shanghai"), "永久")
    assert values["since"] == "2026-12-06 09:00:00 CST" and values["until"] == "永久" and values["count"] == 3
    subject, text = templates.render("security_ban", "zh-CN", **values)
    assert subject == "callbox：已封禁 203.0.113.9（sip InvalidPassword）" and "第 3 次" in text
    subject, text = templates.render("security_ban", "en", **values)
    assert "203.0.113.9" in subject and "Reason: sip InvalidPassword" in text
    many = notify.Notice(tuple(_ban(n % 250, t0 + n) for n in range(60)), summary=True, start=t0, end=t0 + 3600)
    values = notify.values(many, "callbox", dt.timezone.utc, "permanent")
    assert values["n"] == 60 and values["lines"].count("\n") == notify.SUMMARY_LIST and values["lines"].endswith("(+10)")
    assert notify.key(many) == f"security-bans:{int(t0)}"
    subject, _ = templates.render("security_bans", "en", **values)
    assert subject == "callbox: 60 more addresses banned"


def test_a_ban_is_mailed_to_the_security_pages_addresses_once_when_mail_is_set_up(admin):
    from appliance.db import db
    from appliance.mail import outbox

    security = admin.box.security
    ami = admin.box.pbx.ami

    def queued():
        with db.connection_context():
            return [(json.loads(m.recipients), m.subject, m.body) for m in outbox.OutgoingMail.select()]

    for n in range(10):
        security_event(ami, "InvalidAccountID", "192.0.2.41", str(100 + n))
    wait_for(lambda: security.conntrack_calls, "the first ban")
    assert queued() == []  # no address set, no relay: nothing queued
    r = admin.put("/security/settings", {"email": ["sec@example.com", "bad address"]})
    assert r.status == 422 and r.json["field"] == "email", r.json
    assert admin.put("/security/settings", {"email": ["sec@example.com"]}).json["email"] == ["sec@example.com"]
    assert admin.put("/security/settings", {"max_failures": 10}).json["email"] == ["sec@example.com"]  # kept
    for n in range(10):
        security_event(ami, "InvalidAccountID", "192.0.2.42", str(100 + n))
    wait_for(lambda: len(security.conntrack_calls) == 2, "the second ban")
    assert queued() == []  # an address but no relay yet
    assert admin.put("/system/mail", {"host": "127.0.0.1", "port": 2525, "security": "none",
                                      "from_address": "box@example.com"}).status == 200
    for n in range(10):
        security_event(ami, "InvalidPassword", ATTACKER)
    wait_for(queued, "the ban's message")
    (to, subject, body), = queued()
    assert to == ["sec@example.com"] and ATTACKER in subject and "sip InvalidPassword" in body


def test_a_refused_binding_counts_unless_from_the_bindings_own_address_and_asks_a_qualify_now_and_then():
    from appliance.security.binding import QUALIFY_GAP, Refusals, contact_host

    assert contact_host("sip:6001@192.0.2.7:5060;ob") == "192.0.2.7"
    assert contact_host("<sip:6001@192.0.2.7>") == "192.0.2.7"
    assert contact_host("sip:6001@[2001:db8::7]:5060;transport=TLS") == "2001:db8::7"
    assert contact_host("sip:6001@phone.example") is None and contact_host(None) is None
    refusals = Refusals()
    bound = "sip:6001@203.0.113.30:40123;ob"
    own = refusals.refused("6001", "203.0.113.30", bound, 100.0)
    assert (own.count, own.qualify) == (False, True)  # the phone on a new port: no strike, qualify at once
    other = refusals.refused("6001", ATTACKER, bound, 101.0)
    assert (other.count, other.qualify) == (True, False)  # a strike; the qualify asked 1 s ago still runs
    assert refusals.refused("6002", ATTACKER, None, 101.0) == refusals.refused("6003", ATTACKER, None, 101.0)
    assert refusals.refused("6001", ATTACKER, bound, 100.0 + QUALIFY_GAP).qualify
    refusals.forget(200.0)
    assert refusals._asked == {}


def test_a_success_the_registrar_then_refused_buys_no_trust():
    engine = Engine(Policy(max_failures=3))
    engine.success(ATTACKER, "sip:6001", 0.0)
    engine.distrust(ATTACKER, "sip:6001")
    assert fail(engine, ATTACKER, 3, 1.0, account="sip:6002") != []  # its failures elsewhere count
    engine.distrust("192.0.2.99", "sip:6001")  # an address never seen: nothing to forget


def test_a_register_refused_the_bound_extension_counts_unless_it_comes_from_the_binding(admin):
    from appliance.security.binding import BINDING_IN_USE

    security, ami = admin.box.security, admin.box.pbx.ami
    desk = "203.0.113.30"
    # The live state's answer (the PBX's, outside this unit): 6001 is bound from the office.
    admin.box.pbx.registration = lambda number: ({"contact": f"sip:{number}@{desk}:40123;ob", "status": "Reachable"}
                                                 if number == "6001" else None)

    def refused(address):
        # Asterisk reports the password as right, then the registrar's refusal.
        ami.emit(Event="SuccessfulAuth", Service="PJSIP", AccountID="6001", RemoteAddress=f"IPV4/UDP/{address}/5060")
        ami.emit(Event="FailedACL", Service="PJSIP", AccountID="6001", ACLName=BINDING_IN_USE,
                 RemoteAddress=f"IPV4/UDP/{address}/5060")

    before, asked = security.counted, len(ami.actions("PJSIPQualify"))
    for _ in range(20):
        refused(desk)  # the desk phone back on a new port while its old binding still answers
    assert security.counted == before and admin.get("/security/bans").json["items"] == []
    # Asterisk is asked to qualify the binding at once, once for the burst.
    wait_for(lambda: len(ami.actions("PJSIPQualify")) == asked + 1, "the qualify")
    assert ami.actions("PJSIPQualify")[-1] == {"Endpoint": "6001"}
    for _ in range(10):
        refused(ATTACKER)  # the right password from elsewhere: never the binding, and banned at the 10th
    items = admin.get("/security/bans").json["items"]
    assert [(i["address"], i["reason"]) for i in items] == [(ATTACKER, "sip binding in use")]
    assert security.counted == before + 10
