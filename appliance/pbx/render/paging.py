"""Dial plan for intercom (*80N), page groups and speed dials (*0NN).

Sections only: dialplan.render() calls these with its body and includes the contexts that
phones dial into callbox-phones.

Auto-answer headers go on the called phone's own channel, from a Dial/Page pre-dial handler
(b()): set on the caller's channel they would never reach the INVITE.
"""

from __future__ import annotations

from ..conf import ConfFile
from ..snapshot import Snapshot

INTERCOM_CODE = "*80"  # *80N: FreePBX's intercom prefix
SPEED_DIAL_CODE = "*0"  # *0NN
INTERCOM_CONTEXT = "callbox-intercom"
PAGING_CONTEXT = "callbox-paging"
SPEED_DIAL_CONTEXT = "callbox-speed-dials"
AUTOANSWER = "callbox-autoanswer"
# ';' may not appear in a config value (the writer refuses it: it starts a comment), so the
# dial plan makes it at run time.
SEMICOLON = "${URIDECODE(%3B)}"
# What desk phones take as "answer by yourself", in the order phones look for them: Call-Info
# answer-after (RFC 5373 era, Broadworks: Yealink, Grandstream, Snom, Fanvil, Mitel), then the
# Alert-Info forms (Yealink and Aastra take the first; Polycom its "Auto Answer" class; FreePBX's
# default "Ring Answer"; Digium and Sangoma "ring-answer").
AUTOANSWER_HEADERS = (
    ("Call-Info", f"<sip:callbox>{SEMICOLON}answer-after=0"),
    ("Alert-Info", f"<http://www.notused.com>{SEMICOLON}info=alert-autoanswer{SEMICOLON}delay=0"),
    ("Alert-Info", "info=Auto Answer"),
    ("Alert-Info", "Ring Answer"),
    ("Alert-Info", "ring-answer"),
)


def autoanswer(body: ConfFile) -> None:
    """Pre-dial handler (runs on the called phone's channel): the auto-answer headers."""
    ctx = body.section(AUTOANSWER)
    ctx.exten("s,1,NoOp(auto-answer)")
    for name, value in AUTOANSWER_HEADERS:
        ctx.same(f"n,Set(PJSIP_HEADER(add,{name})={value})")
    # ARG1 = 1: a one-way page; nothing the phone sends is passed on, whatever a conference
    # menu would let it do.
    ctx.same("n,ExecIf(${ARG1}?Set(MUTEAUDIO(in)=on))")
    ctx.same("n,Return()")


def takes_intercom(ext) -> bool:
    """Whether calls may make this phone answer by itself: its owner allows intercom and takes
    calls at the desk (do-not-disturb and forward-all send intercom calls the usual way)."""
    return ext.intercom and not ext.dnd and not ext.forward_all


def intercom(body: ConfFile, snap: Snapshot) -> None:
    codes = body.section(INTERCOM_CONTEXT)
    for ext in snap.extensions:
        code = f"{INTERCOM_CODE}{ext.number}"
        if takes_intercom(ext):
            codes.exten(f"{code},1,Gosub(callbox-intercom-call,s,1({ext.number}))")
            codes.same("n,Hangup()")
        else:  # refused or away: rung as a plain call to the extension, no auto-answer
            codes.exten(f"{code},1,Goto(callbox-extensions,{ext.number},1)")
    call = body.section("callbox-intercom-call")
    # A: the called phone hears a beep as it opens (the caller knows to speak).
    call.exten(f"s,1,Dial(PJSIP/${{ARG1}},${{CALLBOX_RING_TIMEOUT}},b({AUTOANSWER}^s^1(0))A(beep))")
    call.same("n,Return()")


def page_groups(body: ConfFile, snap: Snapshot) -> None:
    ctx = body.section(PAGING_CONTEXT)
    takes = {e.number for e in snap.extensions if takes_intercom(e)}
    for g in snap.paging_groups:
        members = [m for m in g.members if m in takes]
        if not members:
            ctx.exten(f"{g.number},1,NoOp(page group {g.number}: no member takes pages now)")
            ctx.same("n,Answer()")
            ctx.same("n,Playtones(congestion)")
            ctx.same("n,Wait(3)")
            ctx.same("n,Hangup()")
            continue
        targets = "&".join(f"PJSIP/{m}" for m in members)
        # Page(): a conference the pager leads (members leave when the pager hangs up), where
        # members join muted unless duplex (d); i: a phone's 302 forward is not followed;
        # s: a phone already in a call is left alone.
        options = ("d" if g.duplex else "") + f"isb({AUTOANSWER}^s^1({0 if g.duplex else 1}))"
        ctx.exten(f"{g.number},1,Page({targets},{options},${{CALLBOX_RING_TIMEOUT}})")
        ctx.same("n,Hangup()")


def speed_dials(body: ConfFile, snap: Snapshot) -> None:
    codes = body.section(SPEED_DIAL_CONTEXT)
    for code, number in snap.speed_dials:
        codes.exten(f"{SPEED_DIAL_CODE}{code},1,Set(CALLBOX_SPEED_DIAL={number})")
        codes.same("n,Goto(callbox-speed-dial,s,1)")
    # As if the phone had dialled the number: the context of the phone's own endpoint, so every
    # check on its own dialling applies. A channel that is no phone has no such context: refused.
    dial = body.section("callbox-speed-dial")
    dial.exten("s,1,Set(CALLBOX_CTX=${PJSIP_ENDPOINT(${CHANNEL(endpoint)},context)})")
    dial.same("n,ExecIf(${ISNULL(${CALLBOX_CTX})}?Hangup())")
    dial.same("n,Goto(${CALLBOX_CTX},${CALLBOX_SPEED_DIAL},1)")
