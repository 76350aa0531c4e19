"""Renderers against golden files, and the writer's refusal of hostile values.

The golden snapshot holds names a user may legitimately type (other scripts,
apostrophes, commas, parentheses): the golden files show exactly where each
lands and that nothing beyond its own value reaches any file.
Regenerate after an intended change with: UPDATE_GOLDEN=1 pytest tests/unit/test_render.py
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from appliance.box_settings import BoxSettings
from appliance.pbx.conf import UnsafeValue
from appliance.pbx.render import render_all
from appliance.pbx.render.dialplan import dialplan_marker, dialplan_marker_of
from appliance.pbx.snapshot import (
    ConferenceView,
    ExtensionView,
    InboundView,
    IvrView,
    MailboxView,
    OutboundView,
    PagingGroupView,
    QueueView,
    SurveyQuestionView,
    SurveyView,
    RingGroupView,
    Snapshot,
    TimeConditionView,
    TrunkView,
)
from tests.unit.conftest import SYSTEM

GOLDEN = Path(__file__).parent / "golden"

SNAPSHOT = Snapshot(
    revision=7,
    pending=(),
    settings=BoxSettings(sip_external_address="203.0.113.7", sip_local_networks=("192.168.1.0/24", "10.0.0.0/8"),
                         tls_certificate="sha256:" + "ab" * 32),
    extensions=(
        ExtensionView("8001", "Front desk", "Xk3vQ9aLm2Rt7Wp5Zy8B", True, follow_me=("8002", "013800138000")),
        ExtensionView("8002", "张伟", "Pq7Rs2Tu9Vw4Xy6Za1Bc", True, pickup_groups="front,sales", intercom=False,
                      follow_me=("8003", "013900139000", "8001"), follow_ring="together", follow_confirm=False,
                      permission_class="national", browser_phone=True),
        ExtensionView("8003", "O'Brien, Pat (Sales) & Co.", "Aa1Bb2Cc3Dd4Ee5Ff6Gg", True, dnd=True,
                      forward_busy="8001", forward_no_answer="013800138000", permission_class="internal",
                      transport="tls", srtp="required"),
        ExtensionView("8004", "Zoë Ünal", "Hh7Ii8Jj9Kk0Ll1Mm2Nn", False, forward_all="8002", transport="tcp",
                      srtp="optional"),
    ),
    mailboxes=(
        MailboxView("8001", "Front desk", "482913", None),
        MailboxView("8002", "张伟", "730154", "zhang.wei@example.com"),
        MailboxView("8003", "O'Brien, Pat (Sales) & Co.", "915372", None),
    ),
    system=dataclasses.replace(SYSTEM, tls_cert="/data/tls/box.crt", tls_key="/data/tls/box.key"),
    trunks=(
        TrunkView(1, "sip.example.net", 5060, "udp", "acct1001", "Pr0v!der#pw", True, None, "+8675512345678", 30),
        TrunkView(2, "192.0.2.10", 5080, "tcp", None, None, False, "pbx.example.org", None, None),
    ),
    ring_groups=(
        RingGroupView("600", "ringall", 20, ("8001", "8002"), ("voicemail", "8001")),
        RingGroupView("601", "inorder", 15, ("8002", "8001", "8003"), ("ivr", "1")),
    ),
    ivrs=(
        IvrView(1, "700", "prompt-3", 5, 3, True,
                (("1", "ivr", "2"), ("2", "extension", "8001"), ("0", "ring_group", "600"), ("9", "hangup", None)),
                ("extension", "8001"), ("hangup", None)),
        IvrView(2, None, None, 4, 2, False, (("1", "ivr", "1"), ("2", "extension", "8002"), ("3", "conference", "8501")),
                ("ivr", "1"), ("ivr", "1")),
        # Self-service: a ticket's status by its number, an order's by a web service, a complaint.
        IvrView(3, "701", None, 5, 2, False, (), ("ivr", "1"), ("hangup", None), (
            {"kind": "digits", "prompt": 4, "prompt_file": "prompt-4", "min_digits": 10, "max_digits": 11,
             "timeout": 6},
            {"kind": "say", "say_as": "digits", "value": "entered"},
            {"kind": "ticket_status"},
            {"kind": "http_lookup", "url": "http://shop.example.com/order", "timeout_ms": 2000,
             "choices": [{"name": "shipped", "prompt": 5}], "fallback": {"kind": "queue", "target": "500"}},
            {"kind": "say", "say_as": "number", "value": "points"},
            {"kind": "say", "say_as": "date", "value": "due"},
            {"kind": "say", "say_as": "digits", "value": "caller"},
            {"kind": "complaint", "max_seconds": 90, "silence_seconds": 4},
        )),
    ),
    inbound=(
        InboundView(1, "075512345678", None, ("ivr", "1")),
        InboundView(2, "075512345679", "_0755X.", ("ring_group", "600")),
        InboundView(3, None, None, ("extension", "8001")),
        InboundView(4, "_X.", None, ("hangup", None)),
        InboundView(5, "075512345670", None, ("conference", "8500")),
        InboundView(6, "075512345671", None, ("external", "013800138000")),
        InboundView(7, "075512345672", None, ("fax", None)),
        InboundView(8, "075512345673", None, ("ivr", "2"), fax_detect=True),
    ),
    outbound=(
        OutboundView(1, (("_0X.", 0, "", "national"), ("_9X.", 1, "", "local"), ("120", 0, "", "local")), (1, 2)),
        OutboundView(2, (("_00X.", 2, "+", "international"),), (2, 3)),
    ),
    supervisors=("8001",),
    queues=(
        QueueView("500", "rrmemory", 8, "default", True, 45, False, True, 300, 20, ("voicemail", "8001"), 10, 15,
                  True, True, "always", True, 20, (("8001", 0, False), ("8002", 5, False), ("8003", 0, True))),
        QueueView("501", "linear", 0, "jazz", False, 60, True, False, 0, 0, ("queue", "500"), 0, 20,
                  False, False, "on_demand", False, 30, (("8002", 0, False),), callback_class="sales",
                  survey_after=3),
    ),
    surveys=(
        # Queue 501 asks survey 3 after its calls; the box's own prompt, then a recorded one, then
        # a prompt of the library not recorded yet (nothing is played: the keys are still read).
        SurveyView(3, None, (SurveyQuestionView("survey", True, "12345", 6),
                             SurveyQuestionView("/data/prompts/prompt-4", False, "12", 8),
                             SurveyQuestionView(None, False, "0123456789", 5))),
        SurveyView(4, "zh", (SurveyQuestionView("survey-yes-no", True, "12", 10),)),
    ),
    music_classes=(("jazz", ("/data/moh/jazz/track-1", "/data/moh/jazz/track-2")), ("empty", ())),
    recording={"8002": "always", "8003": "on_demand"},
    blacklist=("8613800138000",),
    speed_dials=(("01", "8002"), ("10", "013800138000")),
    # 8002 refuses intercom and 8003 is on do-not-disturb: only 8001 is paged; 652 has nobody left.
    paging_groups=(PagingGroupView("650", False, ("8001", "8002", "8003")), PagingGroupView("651", True, ("8001",)),
                   PagingGroupView("652", False, ("8003",))),
    conferences=(
        ConferenceView("8500", None, None, 10, False),
        ConferenceView("8501", "482915", "739164", 64, True),
        ConferenceView("8502", None, "739164", 20, False),
    ),
    permission_classes=(("internal", ()), ("international", ("local", "national", "international")),
                        ("local", ("local",)), ("national", ("local", "national")), ("sales", ("local", "international"))),
    time_conditions=(
        TimeConditionView(1, 1, ((("mon", "tue", "wed", "thu", "fri"), "09:00", "18:00"), (("sat",), "10:00", "24:00")),
                          (("2026-10-01", True), ("2027-02-06", False), ("2026-12-25", True)),
                          ("queue", "500"), ("voicemail", "8001"), None),
        TimeConditionView(2, 7, ((("sun",), "00:00", "12:30"),), (), ("time_condition", "1"), ("hangup", None),
                          "unmatched"),
    ),
)


def test_files_match_golden():
    files = render_all(SNAPSHOT)
    if os.environ.get("UPDATE_GOLDEN"):
        for old in GOLDEN.glob("*.conf"):
            old.unlink()
        for name, text in files.items():
            (GOLDEN / name).write_text(text, encoding="utf-8")
    expected = {p.name: p.read_text(encoding="utf-8") for p in GOLDEN.glob("*.conf")}
    assert sorted(files) == sorted(expected)
    for name, text in files.items():
        assert text == expected[name], f"{name} differs from its golden file"


def test_rendering_is_pure():
    assert render_all(SNAPSHOT) == render_all(SNAPSHOT)


def test_user_names_stay_inside_their_values():
    files = render_all(SNAPSHOT)
    pjsip = files["pjsip.conf"]
    assert 'callerid = "张伟" <8002>' in pjsip
    assert "callerid = \"O'Brien, Pat (Sales) & Co.\" <8003>" in pjsip
    # voicemail.conf separates fields with commas: the name's comma is dropped.
    assert "8003 => 915372,O'Brien  Pat (Sales) & Co." in files["voicemail.conf"]
    # Names never reach the dial plan; only digits do.
    assert "Brien" not in files["extensions.conf"] and "张伟" not in files["extensions.conf"]


def test_extension_without_mailbox_has_no_voicemail():
    files = render_all(SNAPSHOT)
    assert "exten => 8004,1,Gosub(callbox-dial-extension,s,1(8004,0,never,0,8002,,,international))" in files["extensions.conf"]
    assert "8004 =>" not in files["voicemail.conf"]
    section = files["pjsip.conf"].split("[8004]")[1]
    assert "mailboxes" not in section


def test_dialplan_marker_is_the_hash_of_the_body():
    text = render_all(SNAPSHOT)["extensions.conf"]
    body = text[text.index("[callbox-phones]"):]
    assert dialplan_marker_of(text) == dialplan_marker(body)
    changed = dataclasses.replace(SNAPSHOT, extensions=SNAPSHOT.extensions[:1])
    assert dialplan_marker_of(render_all(changed)["extensions.conf"]) != dialplan_marker_of(text)


@pytest.mark.parametrize("name", [
    "Eve\n[evil]\ntype=endpoint",
    "Eve\r\ncontext=internal-admin",
    "Eve ; comment",
    "Eve]",
    "Eve\x00",
    "Eve\u2028next",
])
def test_writer_refuses_hostile_names_that_bypass_validation(name):
    hostile = dataclasses.replace(
        SNAPSHOT, extensions=(ExtensionView("8001", name, "Xk3vQ9aLm2Rt7Wp5Zy8B", False),), mailboxes=())
    with pytest.raises(UnsafeValue):
        render_all(hostile)


@pytest.mark.parametrize("number", ["80[01]", "8001;x", "8001\n[x]", "80 01", "80=1"])
def test_writer_refuses_hostile_section_names(number):
    hostile = dataclasses.replace(
        SNAPSHOT, extensions=(ExtensionView(number, "Eve", "Xk3vQ9aLm2Rt7Wp5Zy8B", False),), mailboxes=())
    with pytest.raises(UnsafeValue):
        render_all(hostile)


def test_writer_refuses_comma_in_a_pin():
    hostile = dataclasses.replace(SNAPSHOT, mailboxes=(MailboxView("8001", "Eve", "1234,x", None),))
    with pytest.raises(UnsafeValue):
        render_all(hostile)


def test_ami_is_loopback_only():
    manager = render_all(SNAPSHOT)["manager.conf"]
    assert "bindaddr = 127.0.0.1" in manager
    assert "deny = 0.0.0.0/0.0.0.0" in manager and "permit = 127.0.0.1/255.255.255.255" in manager


def test_modules_keep_the_voicemail_race_and_shell_out():
    modules = render_all(SNAPSHOT)["modules.conf"]
    for module in ("app_voicemail_odbc.so", "app_voicemail_imap.so", "func_shell.so", "app_system.so"):
        assert f"noload => {module}" in modules
    assert modules.index("[modules]") < modules.index("noload")


def _e1_32() -> Snapshot:
    """The largest box: four TE820s (32 E1 spans, echo cancellers on board) and an A8B.
    Spans 1-8: PRI to the carrier (CPE side, clock from spans 1 and 2); 9-12: PRI network side
    to an old PBX (national, overlap dialling); 13-30: MFC/R2 China; 31-32 unused. Ports: FXS
    phones for 8001-8004, FXO local lines, one FXO port idle."""
    from appliance.pbx.snapshot import DahdiPortView, DahdiSpanView

    spans = []
    for n in range(1, 33):
        first = (n - 1) * 31 + 1
        if n <= 8:
            spans.append(DahdiSpanView(n, n, first, "pri_cpe", "ccs", "hdb3", True, n if n <= 2 else 0, trunk=3,
                                       hw_echocan=True))
        elif n <= 12:
            spans.append(DahdiSpanView(n, n, first, "pri_net", "ccs", "hdb3", False, 0, switchtype="national",
                                       overlap=True, trunk=4))
        elif n <= 30:
            spans.append(DahdiSpanView(n, n, first, "mfcr2", "cas", "hdb3", n % 2 == 0, 0, r2_max_ani=12,
                                       r2_max_dnis=5, r2_double_answer=n == 13, trunk=5))
        else:
            spans.append(DahdiSpanView(n, n, first, "unused", "ccs", "hdb3", True, 0))
    ports = tuple(DahdiPortView(p, 992 + p, "fxs", extension=f"800{p}") for p in range(1, 5)) + tuple(
        DahdiPortView(p, 992 + p, "fxo", trunk=6 if p < 8 else None) for p in range(5, 9))
    dahdi_trunks = tuple(TrunkView(t, "", 5060, "udp", None, None, False, None, None, None, "dahdi") for t in (3, 4, 5, 6))
    return dataclasses.replace(
        SNAPSHOT, system=dataclasses.replace(SYSTEM, dahdi=True), trunks=SNAPSHOT.trunks + dahdi_trunks,
        outbound=(OutboundView(1, (("_0X.", 0, "", "national"),), (3, 5, 1)),
                  OutboundView(2, (("_6XXX", 0, "", "local"),), (4,))),
        dahdi_spans=tuple(spans), dahdi_ports=ports)


E1_32_GOLDEN = ("chan_dahdi.conf", "dahdi-system.conf", "extensions.conf")


def test_a_32_span_box_with_pri_r2_and_analog_matches_golden():
    files = render_all(_e1_32())
    folder = GOLDEN / "e1-32"
    if os.environ.get("UPDATE_GOLDEN"):
        folder.mkdir(exist_ok=True)
        for name in E1_32_GOLDEN:
            (folder / name).write_text(files[name], encoding="utf-8")
    for name in E1_32_GOLDEN:
        assert files[name] == (folder / name).read_text(encoding="utf-8"), f"e1-32/{name} differs from its golden file"
    # The trunks are dialled by channel group; with DAHDI present chan_dahdi may load.
    assert "n,Gosub(callbox-trunk-dial,s,1(g3,${CALLBOX_DIAL},,0,dahdi))" in files["extensions.conf"]
    assert "n,Gosub(callbox-trunk-dial,s,1(trunk-1,${CALLBOX_DIAL},+8675512345678,30))" in files["extensions.conf"]
    assert "chan_dahdi.so" not in files["modules.conf"] and "[g3]" not in files["pjsip.conf"]
    # 8001 is an analog phone on port 1 (channel 993): dialled and watched on its DAHDI channel.
    dialplan = files["extensions.conf"]
    assert "exten => 8001,hint,DAHDI/993" in dialplan and "exten => 8002,hint,DAHDI/994" in dialplan
    assert "Gosub(callbox-dial-extension,s,1(8001,1,never,0,,,,international,DAHDI/993))" in dialplan
    assert "same => n,Dial(${IF(${LEN(${ARG9})}?${ARG9}:PJSIP/${ARG1})}," in dialplan


def _software_loop(on: bool = True) -> Snapshot:
    """The box's looped software spans and ports (box setting software_spans): the E1 pair as a
    PRI, port 1 (FXS) the analog phone 8001, its line port 5 (FXO) a trunk's, port 2 FXS unused."""
    from appliance.pbx.snapshot import DahdiPortView, DahdiSpanView

    spans = (DahdiSpanView(1, 1, 1, "pri_net", "ccs", "hdb3", True, 0, trunk=3, software=True),
             DahdiSpanView(2, 2, 32, "pri_cpe", "ccs", "hdb3", True, 0, trunk=4, software=True))
    ports = (DahdiPortView(1, 63, "fxs", extension="8001", software=True),
             DahdiPortView(2, 64, "fxs", software=True),
             DahdiPortView(5, 67, "fxo", trunk=6, software=True))
    dahdi_trunks = tuple(TrunkView(t, "", 5060, "udp", None, None, False, None, None, None, "dahdi") for t in (3, 4, 6))
    return dataclasses.replace(
        SNAPSHOT, system=dataclasses.replace(SYSTEM, dahdi=True), trunks=SNAPSHOT.trunks + dahdi_trunks,
        settings=dataclasses.replace(SNAPSHOT.settings, software_spans=on), dahdi_spans=spans, dahdi_ports=ports)


def test_the_looped_software_ports_match_golden():
    """Four dynamic spans: the E1 pair, then the ports' pair of 4 channels each (63-66 the FXS
    side, 67-70 the FXO side); robbed-bit FXS and FXO channels with no echo canceller (a loop has
    no hybrid); the FXO port on the loop answers when its number is dialled and takes the caller
    ID the box's own FXS port sends. With the setting off, none of it is left."""
    files = render_all(_software_loop())
    folder = GOLDEN / "software-loop"
    if os.environ.get("UPDATE_GOLDEN"):
        folder.mkdir(exist_ok=True)
        for name in ("chan_dahdi.conf", "dahdi-system.conf"):
            (folder / name).write_text(files[name], encoding="utf-8")
    for name in ("chan_dahdi.conf", "dahdi-system.conf"):
        assert files[name] == (folder / name).read_text(encoding="utf-8"), f"software-loop/{name} differs"
    system = files["dahdi-system.conf"]
    assert ("dynamic=loc,1:0,31,0\ndynamic=loc,1:1,31,0\ndynamic=loc,2:0,4,0\ndynamic=loc,2:1,4,0\n") in system
    assert "fxoks=63\n" in system and "fxoks=64\n" in system and "fxsks=67\n" in system
    assert "echocanceller" not in system
    chan = files["chan_dahdi.conf"]
    fxo = chan[chan.index("signalling = fxs_ks"):chan.index("channel => 67")]
    assert "answeronpolarityswitch = no" in fxo and "cidstart = ring" in fxo and "cidsignalling = bell" in fxo
    assert "channel => 63\n" in chan and "channel => 64" not in chan  # port 2 serves nobody
    off = render_all(_software_loop(on=False))
    assert "dynamic" not in off["dahdi-system.conf"] and "fxoks" not in off["dahdi-system.conf"]
    assert "fxsks" not in off["dahdi-system.conf"] and "channel =>" not in off["chan_dahdi.conf"]


def test_an_fxo_port_on_a_real_line_still_answers_on_polarity_reversal():
    chan = render_all(_e1_32())["chan_dahdi.conf"]
    fxo = chan[chan.index("signalling = fxs_ks"):chan.index("channel => 997")]
    assert "answeronpolarityswitch = yes" in fxo and "cidstart = polarity" in fxo


def test_an_fxs_port_after_an_fxo_port_takes_none_of_its_line_options():
    """chan_dahdi carries options on from block to block: an analog phone's port rendered after a
    line's must not detect busy tones nor send DTMF caller ID because the line's block said so."""
    from appliance.pbx.snapshot import DahdiPortView

    snap = _software_loop()
    snap = dataclasses.replace(snap, dahdi_ports=(DahdiPortView(5, 67, "fxo", trunk=6, software=False),
                                                  DahdiPortView(1, 63, "fxs", extension="8001", software=True)))
    chan = render_all(snap)["chan_dahdi.conf"]
    fxs = chan[chan.index("signalling = fxo_ks"):chan.index("channel => 63")]
    for option in ("busydetect = no", "cidsignalling = bell", "cidstart = ring", "answeronpolarityswitch = no",
                   "hanguponpolarityswitch = no"):
        assert option in fxs, option
    assert chan.index("busydetect = yes") < chan.index("channel => 67") < chan.index("signalling = fxo_ks")


def _context(dialplan: str, name: str) -> str:
    start = dialplan.index(f"[{name}]\n")
    end = dialplan.find("\n[", start + 1)
    return dialplan[start:end if end != -1 else None]


def test_an_analog_phones_outside_calls_are_checked_as_its_ports_extension():
    """An FXS port's calls enter callbox-phones on a DAHDI channel, which has no PJSIP endpoint: the
    permission check finds the extension from the channel number chan_dahdi reports (the port the
    installer gave the extension), so 8002 on port 2 (channel 994) is held to class national."""
    snap = _e1_32()
    snap = dataclasses.replace(snap, extensions=tuple(
        dataclasses.replace(e, permission_class="internal") if e.number == "8001" else e for e in snap.extensions))
    dialplan = render_all(snap)["extensions.conf"]
    lines = _context(dialplan, "callbox-analog-lines")
    # Only FXS ports with an extension are anybody's; the FXO lines (997-1000) are a trunk's.
    assert [line for line in lines.splitlines()[1:] if line] == [
        f"exten => {992 + p},1,Return(800{p})" for p in range(1, 5)]
    classes = _context(dialplan, "callbox-class-of")
    assert "exten => 8001,1,Return(internal)" in classes and "exten => 8002,1,Return(national)" in classes
    # Whoever dialled: chan_dahdi's own channel number, never CHANNEL(endpoint) (PJSIP's alone) nor a caller id.
    caller = _context(dialplan, "callbox-caller")
    assert "GotoIf(${REGEX(\"^DAHDI$\" ${CHANNEL(channeltype)})}?analog)" in caller
    assert "Gosub(callbox-line-owner,s,1(DAHDI,${CHANNEL(dahdi_channel)}))" in caller
    assert "CALLERID" not in caller and "CALLERID" not in _context(dialplan, "callbox-line-owner")
    permit = _context(dialplan, "callbox-permit")
    assert "n,Gosub(callbox-caller,s,1)\nsame => n,Set(CALLBOX_BY=${GOSUB_RETVAL})" in permit
    assert "CHANNEL(endpoint)" not in permit
    # #8 on an analog phone opens its own mailbox, found the same way.
    assert "VoiceMailMain(${GOSUB_RETVAL}@default)" in _context(dialplan, "callbox-vm-own")


def test_a_transferring_channel_is_somebodys_only_by_its_technology_and_line():
    """A transfer names the transferring channel. DAHDI/993-1 is port 1's phone (8001); DAHDI/994-1
    must not be taken for extension 994, nor PJSIP/993-... for port 1: the technology decides which
    table the line is looked up in, and a DAHDI line outside the FXS table (a trunk's) is nobody's."""
    dialplan = render_all(_e1_32())["extensions.conf"]
    permit = _context(dialplan, "callbox-permit")
    assert "n,Gosub(callbox-line-owner,s,1(${CUT(CALLBOX_BY,/,1)},${CUT(CALLBOX_BY,/,2)}))" in permit
    owner = _context(dialplan, "callbox-line-owner")
    assert owner.splitlines()[1:] == [
        'exten => s,1,GotoIf(${REGEX("^PJSIP$" ${ARG1})}?sip)',
        'same => n,GotoIf(${REGEX("^DAHDI$" ${ARG1})}?:none)',
        "same => n,GotoIf(${DIALPLAN_EXISTS(callbox-analog-lines,${ARG2},1)}?:none)",
        "same => n,Gosub(callbox-analog-lines,${ARG2},1)",
        "same => n,Return(${GOSUB_RETVAL})",
        "same => n(sip),Return(${ARG2})",
        "same => n(none),Return()",
    ]
    # A box without analog ports has an empty table: a DAHDI trunk's channel is nobody's.
    plain = render_all(SNAPSHOT)["extensions.conf"]
    assert "exten =>" not in _context(plain, "callbox-analog-lines")


def test_dahdi_system_conf_refuses_what_would_change_its_meaning():
    from appliance.pbx.conf import FlatFile

    for hostile in ("cn\nspan=9,1,0,ccs,hdb3", "cn # x", "cn;x", " cn"):
        with pytest.raises(UnsafeValue):
            FlatFile("t").set("loadzone", hostile).render()


def _sites(branch: bool) -> Snapshot:
    """Headquarters with branches 2 (2000-2149, breakout to 0755 numbers) and 3 (3000-3099, which
    overlaps another branch's range: dialled by prefix only); or branch 2, which reaches headquarters'
    6001-6002 and branch 3 (3*3000) through headquarters and breaks out to 0755 itself."""
    from appliance.pbx.snapshot import SitesView, SiteTrunkView

    if branch:
        sites = SitesView(trunks=(SiteTrunkView(1, "10.99.0.1", "site2", "Br4nchS3cretXyz0123"),), own=2,
                          ranges=(("6001", 1), ("6002", 1)), prefixed=(("_3*30XX", 1, 0),),
                          watched=(("6001", 1), ("6002", 1), ("3001", 3)),
                          breakouts=(("_0571XXXXXXXX", 1),),
                          local_breakout=("_0755XXXXXXXX", "_0756."), network="10.99.0.0/24")
    else:
        sites = SitesView(trunks=(SiteTrunkView(2, "10.99.0.2", "site2", "Br4nchS3cretXyz0123"),
                                  SiteTrunkView(3, "10.99.0.3", "site3", "Th1rdS3cretAbc98765")),
                          ranges=(("_20XX", 2), ("_210X", 2), ("_211X", 2), ("_212X", 2), ("_213X", 2), ("_214X", 2)),
                          prefixed=(("_2*20XX", 2, 2), ("_2*210X", 2, 2), ("_3*30XX", 3, 2)), callers=("_3*30XX",),
                          watched=(("2001", 2), ("2002", 2)),
                          breakouts=(("_0755XXXXXXXX", 2), ("_0756.", 2), ("_0571XXXXXXXX", 3)),
                          network="10.99.0.0/24")
    return dataclasses.replace(SNAPSHOT, sites=sites)


@pytest.mark.parametrize("role", ["sites-hq", "sites-branch"])
def test_sites_trunks_and_dial_plan_match_golden(role):
    files = render_all(_sites(role == "sites-branch"))
    folder = GOLDEN / role
    if os.environ.get("UPDATE_GOLDEN"):
        folder.mkdir(exist_ok=True)
        for name in ("pjsip.conf", "extensions.conf", "pjsip_transports.conf"):
            (folder / name).write_text(files[name], encoding="utf-8")
    for name in ("pjsip.conf", "extensions.conf", "pjsip_transports.conf"):
        assert files[name] == (folder / name).read_text(encoding="utf-8"), f"{role}/{name} differs from its golden file"
    dialplan = files["extensions.conf"]
    # Ranges before the outbound routes; every route tries another site's area first.
    phones = dialplan.split("[callbox-phones]")[1].split("\n\n")[0]
    assert phones.index("callbox-sites") < phones.index("callbox-outbound")
    assert dialplan.count("n,Gosub(callbox-site-breakout,s,1)") == len(SNAPSHOT.outbound)
    # Calls from a site reach extensions, ranges and breakout only: never callbox-outbound.
    from_sites = dialplan.split("[callbox-from-sites]")[1].split("\n\n")[0]
    assert "callbox-outbound" not in from_sites and "include" not in from_sites
    pjsip = files["pjsip.conf"]
    assert "qualify_frequency = 3" in pjsip and "match = 10.99.0." in pjsip
    # Busy lamps: states published to the other end under its name for this box, taken from it only.
    own = "site2" if role == "sites-branch" else "site1"
    assert f"server_uri = sip:{own}@10.99.0." in pjsip
    watched = "6001" if role == "sites-branch" else "2001"
    assert f"exten => {watched},hint,PJSIP/{watched}" in dialplan
    assert dialplan.count(f"exten => {watched},1,") == 1
    if role == "sites-branch":
        # Another branch's extension: dialled through headquarters, its lamp as headquarters relays it.
        assert "device_state_filter = ^(PJSIP/|Custom:SITE)" in pjsip
        assert "exten => 3001,hint,Custom:SITE3001" in dialplan
        assert "exten => 3001,1,Gosub(callbox-site-dial,s,1(1,${EXTEN}))" in dialplan
    else:
        assert "device_state_filter = ^PJSIP/\n" in pjsip  # headquarters takes the branches' phones only
    # Voicemail lamps: mailbox states both ways over each trunk; a phone subscribes to a colleague's
    # number at another site (an AOR with that site's mailbox, nothing registered) as to one here,
    # another branch's too (headquarters' supervisor passes its states on).
    assert pjsip.count("event = asterisk-mwi") == pjsip.count("event = asterisk-devicestate") \
        == pjsip.count("mailbox_state = yes") == (1 if role == "sites-branch" else 2)
    assert "mailbox_state_filter = ^(0|1|2|3|4|5|6|7|8|9)+@default$" in pjsip
    assert f"[{watched}]\ntype = aor\nmailboxes = {watched}@default\n" in pjsip
    assert ("[3001]\ntype = aor\nmailboxes = 3001@default\n" in pjsip) == (role == "sites-branch")
    assert "[8001]\ntype = aor\n" in pjsip
    assert pjsip.split("[8001]\ntype = aor\n")[1].split("\n\n")[0].endswith("mailboxes = 8001@default")
    # Behind NAT, the tunnels stay local: the public address is never named to the other sites.
    assert "local_net = 10.99.0.0/24" in files["pjsip_transports.conf"]


def test_a_site_secret_cannot_change_pjsip_conf():
    from appliance.pbx.snapshot import SitesView, SiteTrunkView

    snap = dataclasses.replace(SNAPSHOT, sites=SitesView(trunks=(SiteTrunkView(2, "10.99.0.2", "site2", "x\n[evil]"),)))
    with pytest.raises(UnsafeValue):
        render_all(snap)


def test_queue_calls_carry_no_dtmf_transfer_hooks():
    """Asterisk bridges two RTP legs natively (packets relayed, no frames through the core) only
    when neither channel has DTMF feature hooks: Queue()'s t and T would add ## and *2 to every
    queue call and cost 1.4 x Asterisk's CPU at 960 channels (scripts/bench_capacity.py)."""
    plan = render_all(SNAPSHOT)["extensions.conf"]
    queues = [line.split("Queue(", 1)[1].split(",") for line in plan.splitlines() if "Queue(" in line]
    assert len(queues) >= 3, queues  # the queues' own, their memory twins, the callbacks'
    for args in queues:
        assert "c" in args[1] and not set(args[1]) & set("tT"), args
