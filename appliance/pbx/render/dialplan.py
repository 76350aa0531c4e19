"""extensions.conf: the dial plan.

Contexts, from the caller's side:
- callbox-phones: what a desk phone may dial (extensions, ring groups, IVRs
  with a number, feature codes, outbound routes);
- callbox-from-trunks: calls from providers, which only reach inbound
  routes (never outbound routes: no toll fraud through the box);
- the rest are building blocks reached by Goto/Gosub.

User values never reach the dial plan as text: extension, group and route
numbers are digits or bracket-free patterns by validation, and IVRs and
trunks are named by their ids.
"""

from __future__ import annotations

import hashlib
import re

from ..conf import ConfFile
from ..snapshot import Snapshot
from ...blacklist.service import forms_of
from . import fax, paging, selfservice, sites, surveys, webrtc
from .confbridge import HOST_MENU, USER_MENU, bridge_profile, user_profile
from .core import PARK_CONTEXT
from .phones import VM_CONTEXT
from .pjsip import PHONE_CONTEXT, TLS_ONLY_CONTEXT, TRUNK_CONTEXT

RECORD_PROMPT_CODE = "*77"
# FreePBX's *90/*91 are call forward busy; supervision sits on *222-*224 (Issabel's habit for spy).
SPY_CODES = {"*222": ("listen", "q"), "*223": ("whisper", "qw"), "*224": ("barge", "qB")}
# Codes a phone dials to change its own extension's settings: code -> (setting, action).
# The supervisor makes the change (appliance/switchboard/codes.py), as the extension's page would.
SETTING_CODES = {
    "*76": ("dnd", "toggle"), "*78": ("dnd", "on"), "*79": ("dnd", "off"),
    "*72": ("all", "set"), "*73": ("all", "off"),
    "*90": ("busy", "set"), "*91": ("busy", "off"),
    "*52": ("no_answer", "set"), "*53": ("no_answer", "off"),
    "*21": ("follow_me", "toggle"),
}
DND_HINT = "*76"  # BLF: *76<extension> shows the extension's do-not-disturb
TIME_OVERRIDE_CODE = "*28"  # *28N: time condition N forced the other way, or back to its schedule
TIME_OVERRIDE_DEVICE = "Custom:TC"
BLACKLIST_CODES = {"*30": "add", "*31": "remove", "*32": "last"}
PATH_EVENT = "CALLBOX_PATH"
QUEUE_EXIT_EVENT = "CALLBOX_QUEUE_EXIT"  # the queue let the caller go (timed out, full, empty)
MAX_FORWARDS = 5  # forwards one call may follow (a loop the checks missed ends here)
FOLLOW_CONFIRM = "callbox-follow-confirm"
FOLLOW_CONFIRM_WAIT = 5  # seconds an outside leg has to press 1 after each of the two prompts
ON_BEHALF = "callbox-on-behalf"  # every outside call the box places for someone goes through it
# Where the supervisor sends a call it places for someone (Originate Local/N@..., or a live call
# redirected there), with CALLBOX_FOR_CLASS (the owner's class) and CALLBOX_FOR (who) set.
DIAL_FOR_CONTEXT = "callbox-dial-for"
# Click-to-call: the supervisor rings a desk phone (Originate PJSIP/N) and sends it here once answered.
CLICK_TO_CALL_CONTEXT = "callbox-click-to-call"
THREEWAY_CONTEXT = "callbox-threeway"  # a ticket's three-way call (tickets/threeway.py)
ADMIN_CLASS = "international"  # built in, never changed: what administrators' own destinations may dial
REFUSED_PROMPT = "cannot-complete-as-dialed"  # Asterisk's core sounds: "this call cannot be completed as dialed"
REFUSED_EVENT = "CallboxOutsideRefused"
CALLER_CONTEXT = "callbox-caller"  # Gosub: the calling phone's extension (empty for anyone else)
LINE_OWNER = "callbox-line-owner"  # Gosub(...(technology,line)): that line's extension
ANALOG_LINES = "callbox-analog-lines"  # DAHDI channel of an FXS port -> its extension
FEATURE_CODES = {
    "#8": "your own voicemail",
    "*97": "your own voicemail",
    "*98": "any mailbox (asks for the number)",
    f"{RECORD_PROMPT_CODE}N": "record prompt N from your phone (administrators and supervisors)",
    "*76": "do not disturb on or off (*78 on, *79 off)",
    "*72N": "forward all calls to N (*72 alone asks for the number; *73 cancels)",
    "*90N": "forward calls to N when busy (*91 cancels)",
    "*52N": "forward calls to N when not answered (*53 cancels)",
    "*21": "follow-me on or off (the numbers are set on the extension's page)",
    "*8": "pick up a call ringing a phone of your pickup group",
    "**N": "pick up the call ringing extension N",
    "70": "park the call (transfer it here; the slot is said), 71-78 take a parked call back",
    "*28N": "time condition N: force the other destination, or back to its schedule (supervisors)",
    "*30N": "put caller number N on the blacklist (*30 alone asks for it; *31N takes it off)",
    "*32": "put the last outside caller of your phone on the blacklist",
    "*80N": "intercom: extension N's phone answers by itself (where N allows intercom)",
    "*0NN": "speed dial NN: dials its number as if you had dialled it",
    "a page group's number": "page: every member's phone answers by itself and hears you",
    "*45": "agent: log in to your queues, or out",
    "*46": "agent: pause, or take calls again",
    "*46N": "agent: pause with reason N",
    "*222N": "supervisor: listen to agent N's call (4, 5, 6 switch to listen, whisper, barge)",
    "*223N": "supervisor: whisper to agent N",
    "*224N": "supervisor: barge into agent N's call",
    "##": "during a call: blind transfer (dial the number); in a queue call, the phone's transfer key",
    "*2": "during a call: attended transfer (talk first; hang up to complete); not in a queue call",
    "*1": "during a call: record it (where recording on demand is on)",
}


def path_step(kind: str, target: str) -> str:
    """A channel event telling the call records where the call went (appliance/reports/calls.py)."""
    return f"CELGenUserEvent({PATH_EVENT},{kind} {target})"


def compare(expression: str) -> str:
    """1 or 0 for a MATH comparison: MATH says TRUE or FALSE, and GotoIf takes any word as true."""
    return f'${{REGEX("^TRUE$" ${{MATH({expression})}})}}'


def goto(dest: tuple) -> str:
    """The dial plan step that sends a call to a destination (kind, target)."""
    kind, target = dest
    if kind == "extension":
        return f"Goto(callbox-extensions,{target},1)"
    if kind == "voicemail":
        return f"Goto(callbox-voicemail,{target},1)"
    if kind == "ring_group":
        return f"Goto(callbox-ringgroups,{target},1)"
    if kind == "ivr":
        return f"Goto(callbox-ivr-{int(target)},s,1)"
    if kind == "queue":
        return f"Goto(callbox-queues,{target},1)"
    if kind == "time_condition":
        return f"Goto(callbox-tc-{int(target)},s,1)"
    if kind == "conference":
        return f"Goto(callbox-conferences,{target},1)"
    if kind == "external":
        # A destination an administrator chose: dialled for them, through an outbound route.
        return f"Gosub({ON_BEHALF},s,1({ADMIN_CLASS},{target},destination))"
    if kind == "fax":
        return f"Goto({fax.RECEIVER},s,1)"
    return "Hangup()"


def render(snap: Snapshot) -> dict[str, str]:
    body = ConfFile("")
    phones = body.section(PHONE_CONTEXT)
    for included in ("callbox-features", "callbox-time-codes", "callbox-blacklist-codes", paging.INTERCOM_CONTEXT,
                     paging.SPEED_DIAL_CONTEXT, paging.PAGING_CONTEXT, "callbox-extensions", "callbox-hints",
                     PARK_CONTEXT, "callbox-ringgroups", "callbox-ivr-numbers", "callbox-queues", "callbox-conferences",
                     *(("callbox-sites",) if snap.sites.trunks else ()), "callbox-outbound"):
        phones.set("include", included, arrow=True)

    _tls_only(body)
    _features(body, snap)
    _extensions(body, snap)
    _ring_groups(body, snap)
    _ivrs(body, snap)
    _queues(body, snap)
    webrtc.agent_devices(body, snap)
    _time_conditions(body, snap)
    _blacklist(body, snap)
    paging.autoanswer(body)
    paging.intercom(body, snap)
    paging.page_groups(body, snap)
    paging.speed_dials(body, snap)
    _conferences(body, snap)
    surveys.render(body, snap)
    fax.receiver(body, snap)
    _inbound(body, snap)
    _outbound(body, snap)
    _permissions(body, snap)
    sites.dialplan(body, snap, _first_route(snap))

    text = body.body()
    # A fingerprint of the dial plan, read back over AMI after a reload to
    # prove Asterisk loaded this very text.
    marker = dialplan_marker(text)
    head = ConfFile("extensions.conf: dial plan")
    g = head.section("general")
    g.set("static", True)
    g.set("writeprotect", True)
    g.set("clearglobalvars", True)
    g.set("autofallthrough", True)
    gl = head.section("globals")
    gl.set("CALLBOX_DIALPLAN", marker)
    gl.set("CALLBOX_RING_TIMEOUT", snap.settings.ring_timeout)
    return {"extensions.conf": head.render() + "\n" + text}


def _tls_only(body: ConfFile) -> None:
    """Calls from an extension set to TLS: one that did not come over TLS (its password
    guessed and used over UDP, say) is refused; the rest go on as any phone's."""
    t = body.section(TLS_ONLY_CONTEXT)
    for pattern in ("_X!", "_*!", "_#!", "_+!"):
        t.exten(f"{pattern},1,GotoIf(${{CHANNEL(pjsip,secure)}}?ok)")
        t.same("n,Log(NOTICE,callbox: a call from ${CHANNEL(endpoint)} not over TLS was refused)")
        t.same("n,Hangup(21)")
        t.same(f"n(ok),Goto({PHONE_CONTEXT},${{EXTEN}},1)")


def _features(body: ConfFile, snap: Snapshot) -> None:
    f = body.section("callbox-features")
    for code in ("#8", "*97"):
        f.exten(f"{code},1,Goto(callbox-vm-own,s,1)")
    f.exten("*98,1,Answer()")
    f.same(f"n,VoiceMailMain(@{VM_CONTEXT})")
    f.same("n,Hangup()")
    # X! rather than X.: prompt 1 has a one-digit code.
    f.exten(f"_{RECORD_PROMPT_CODE}X!,1,Goto(callbox-record-prompt,${{EXTEN:{len(RECORD_PROMPT_CODE)}}},1)")

    own = body.section("callbox-vm-own")
    # The phone's own line (the endpoint it authenticated as, an analog phone's port), not a caller
    # id it could fake.
    own.exten(f"s,1,Gosub({CALLER_CONTEXT},s,1)")
    own.same("n,Answer()")
    own.same(f"n,VoiceMailMain(${{GOSUB_RETVAL}}@{VM_CONTEXT})")
    own.same("n,Hangup()")

    vm = body.section("callbox-voicemail")
    vm.exten(f"_X.,1,{path_step('voicemail', '${EXTEN}')}")
    vm.same("n,Answer()")
    vm.same(f"n,VoiceMail(${{EXTEN}}@{VM_CONTEXT},u)")
    vm.same("n,Hangup()")

    agi = f"agi://{snap.system.agi}"
    f.exten(f"*45,1,Goto(callbox-agent,login,1)")
    f.exten(f"*46,1,Goto(callbox-agent,pause,1)")
    f.exten(f"_*46X,1,Goto(callbox-agent,pause,1)")
    for code in SPY_CODES:
        f.exten(f"_{code}X.,1,Goto(callbox-spy,${{EXTEN}},1)")
    _setting_codes(body, f, agi)
    # Pickup: *8 a phone ringing in one of the caller's pickup groups; **N extension N ringing
    # ("-" ends the channel name prefix: PJSIP/8001- is not PJSIP/80011-).
    f.exten("*8,1,Pickup()")
    f.same("n,Hangup()")
    f.exten("_**X.,1,PickupChan(PJSIP/${EXTEN:2}-,p)")
    f.same("n,Hangup()")

    agent = body.section("callbox-agent")
    # The supervisor decides (queues, reasons) and tells the dial plan what to say.
    agent.exten(f"login,1,Answer()")
    agent.same(f"n,AGI({agi}/agent-login)")
    agent.same("n,Playback(${CALLBOX_SAY})")
    agent.same("n,Hangup()")
    agent.exten(f"pause,1,Answer()")
    agent.same(f"n,AGI({agi}/agent-pause?code=${{EXTEN:3}})")
    agent.same("n,Playback(${CALLBOX_SAY})")
    agent.same("n,Hangup()")

    spy = body.section("callbox-spy")
    for code, (_mode, options) in SPY_CODES.items():
        # "-" ends the channel name prefix: PJSIP/8001- is not PJSIP/80011-.
        spy.exten(f"_{code}X.,1,Gosub(callbox-supervisor-only,s,1)")
        spy.same("n,Answer()")
        spy.same(f"n,ChanSpy(PJSIP/${{EXTEN:{len(code)}}}-,{options}dE)")
        spy.same("n,Hangup()")

    _supervisor_check(body, snap)
    rec = body.section("callbox-record-prompt")
    rec.exten("_X!,1,Gosub(callbox-supervisor-only,s,1)")
    rec.same("n,Set(CALLBOX_PROMPT=${EXTEN})")
    rec.same(f"n,Set(CALLBOX_RECORDING={snap.system.spool_dir}/callbox-prompts/${{EXTEN}}-${{UNIQUEID}})")
    rec.same("n,Answer()")
    rec.same("n,Wait(0.5)")
    # Speak after the beep, # to finish; kept if the caller just hangs up.
    rec.same("n,Record(${CALLBOX_RECORDING}.wav,5,300,k)")
    rec.same("n,Playback(auth-thankyou)")
    rec.same("n,Hangup()")
    rec.exten("h,1,ExecIf(${LEN(${CALLBOX_RECORDING})}?UserEvent(CallboxPromptRecorded,"
              "Prompt: ${CALLBOX_PROMPT},File: ${CALLBOX_RECORDING}.wav))")


def _setting_codes(body: ConfFile, features, agi: str) -> None:
    _keypad_codes(body, features, "callbox-setting", {code: f"{setting}-{action}" for code, (setting, action)
                                                     in SETTING_CODES.items()},
                  f"{agi}/setting", "call-forwarding&beep")


def _keypad_codes(body: ConfFile, codes, ctx_name: str, changes: dict[str, str], script: str, prompt: str) -> None:
    """Codes a phone dials to change something: code -> change. A change ending in -set, add or
    remove takes a number (dialled after the code, or asked for after `prompt`); the supervisor
    makes the change over FastAGI (`script`), for the phone's own endpoint (caller ids can be forged)."""
    def takes_number(change: str) -> bool:
        return change.endswith("-set") or change in ("add", "remove")

    for code, change in changes.items():
        codes.exten(f"{code},1,Goto({ctx_name},{change},1)")
        if takes_number(change):
            codes.exten(f"_{code}X.,1,Set(CALLBOX_TO=${{EXTEN:{len(code)}}})")
            codes.same(f"n,Goto({ctx_name},{change},1)")
    ctx = body.section(ctx_name)
    for change in dict.fromkeys(changes.values()):
        ctx.exten(f"{change},1,Answer()")
        ctx.same("n,Wait(0.3)")
        if takes_number(change):
            ctx.same(f"n,ExecIf(${{ISNULL(${{CALLBOX_TO}})}}?Read(CALLBOX_TO,{prompt},20,,1,8))")
        ctx.same(f"n,AGI({script}?change={change})")
        ctx.same("n,Wait(0.3)")
        ctx.same("n,Hangup()")


def _supervisor_check(body: ConfFile, snap: Snapshot) -> None:
    """Gosub target: returns for supervisors' phones, refuses everyone else with a tone."""
    s = body.section("callbox-supervisor-only")
    if snap.supervisors:
        allowed = "|".join(snap.supervisors)
        s.exten(f'''s,1,GotoIf(${{REGEX("^({allowed})$" ${{CHANNEL(endpoint)}})}}?ok)''')
    else:
        s.exten("s,1,NoOp(no supervisor extensions)")
    s.same("n,Answer()")
    s.same("n,Playtones(congestion)")
    s.same("n,Wait(3)")
    s.same("n,Hangup()")
    s.same("n(ok),Return()")


def _extensions(body: ConfFile, snap: Snapshot) -> None:
    exts = body.section("callbox-extensions")
    dnd_hints = body.section("callbox-hints")
    _follow_me(body, snap)
    # An extension on an FXS port is an analog phone: its DAHDI channel instead of a PJSIP endpoint.
    analog = {p.extension: f"DAHDI/{p.channel}" for p in snap.dahdi_ports if p.kind == "fxs" and p.extension}
    # An extension with a phone in its user's browser rings it with the desk phone.
    analog.update({e.number: webrtc.devices(e.number, True) for e in snap.extensions
                   if e.browser_phone and e.number not in analog})
    for ext in snap.extensions:
        recording = snap.recording.get(ext.number, "never")
        args = (ext.number, int(ext.has_mailbox), recording, int(ext.dnd), ext.forward_all or "",
                ext.forward_busy or "", ext.forward_no_answer or "", ext.permission_class,
                *((analog[ext.number],) if ext.number in analog else ()))
        exts.exten(f"{ext.number},1,Gosub(callbox-dial-extension,s,1({','.join(map(str, args))}))")
        exts.same("n,Hangup()")
        exts.exten(f"{ext.number},hint,{analog.get(ext.number, f'PJSIP/{ext.number}')}")
        dnd_hints.exten(f"{DND_HINT}{ext.number},hint,Custom:DND{ext.number}")

    # ARG1: the extension; ARG2: 1 when it has a mailbox; ARG3: its recording policy; ARG4: 1 for
    # do-not-disturb; ARG5-7: forward all, when busy, when not answered (empty: none); ARG8: its
    # permission class, which a forward or a follow-me leg to an outside number obeys; ARG9: the
    # device of an analog phone (DAHDI/<channel>) or a desk phone's and browser phone's devices
    # (PJSIP/<n>&PJSIP/<n>-web), empty for a SIP phone alone. Follow-me,
    # where the extension has a callbox-follow-<ext>, rings its numbers before the no-answer handling.
    dial = body.section("callbox-dial-extension")
    # *32 blacklists the last caller from outside (a caller without CALLBOX_PHONE set).
    dial.exten(f"s,1,{path_step('extension', '${ARG1}')}")
    dial.same("n,ExecIf(${ISNULL(${CALLBOX_PHONE})}?Set(DB(CALLBOX_LAST/${ARG1})=${CALLERID(num)}))")
    dial.same("n,Set(CALLBOX_FWD=${ARG5})")
    dial.same("n,GotoIf(${LEN(${CALLBOX_FWD})}?forward,1)")
    dial.same("n,GotoIf(${ARG4}?BUSY,1)")
    # t: the called phone may transfer (## and *2); T: the caller too, when it is a phone of the
    # box (never a trunk's caller: they would dial out through the box).
    dial.same("n,Set(CALLBOX_DIALOPTS=t${IF(${REGEX(\"^1$\" ${CALLBOX_PHONE})}?T:)})")
    dial.same(f"n,ExecIf(${{REGEX(\"^always$\" ${{ARG3}})}}?AGI(agi://{snap.system.agi}/record?to=${{ARG1}}))")
    dial.same("n,ExecIf(${REGEX(\"^on_demand$\" ${ARG3})}?Set(CALLBOX_DIALOPTS=${CALLBOX_DIALOPTS}xX))")
    dial.same(f"n,ExecIf(${{REGEX(\"^on_demand$\" ${{ARG3}})}}?AGI(agi://{snap.system.agi}/record?to=${{ARG1}}&demand=1))")
    dial.same("n,Dial(${IF(${LEN(${ARG9})}?${ARG9}:PJSIP/${ARG1})},${CALLBOX_RING_TIMEOUT},${CALLBOX_DIALOPTS})")
    dial.same("n,Goto(${DIALSTATUS},1)")
    for status, fwd, greeting in (("BUSY", "ARG6", "b"), ("NOANSWER", "ARG7", "u"), ("CHANUNAVAIL", "ARG7", "u"),
                                  ("CONGESTION", "ARG7", "u")):
        if status == "BUSY":  # busy at the desk (or do-not-disturb): follow-me stays out of it
            dial.exten(f"{status},1,Set(CALLBOX_FWD=${{{fwd}}})")
        else:
            dial.exten(f"{status},1,GotoIf(${{DIALPLAN_EXISTS(callbox-follow-${{ARG1}},s,1)}}?follow,1)")
            dial.same(f"n(unanswered),Set(CALLBOX_FWD=${{{fwd}}})")
        dial.same("n,GotoIf(${LEN(${CALLBOX_FWD})}?forward,1)")
        dial.same("n,GotoIf(${ARG2}?voicemail)")
        dial.same("n,Return()")
        dial.same(f"n(voicemail),{path_step('voicemail', '${ARG1}')}")
        dial.same(f"n,VoiceMail(${{ARG1}}@{VM_CONTEXT},{greeting})")
        dial.same("n,Return()")
    for status in ("ANSWER", "CANCEL", "DONTCALL", "TORTURE", "INVALIDARGS"):
        dial.exten(f"{status},1,Return()")
    dial.exten("follow,1,Gosub(callbox-follow-${ARG1},s,1)")
    dial.same('n,GotoIf(${REGEX("^ANSWER$" ${DIALSTATUS})}?ANSWER,1)')
    dial.same("n,Goto(NOANSWER,unanswered)")
    # The forward leaves this subroutine for good: the call is the target's now, placed for the
    # forwarding extension (an earlier transfer no longer speaks for it).
    dial.exten("forward,1,Set(CALLBOX_CLASS=${ARG8})")
    dial.same("n,Set(CALLBOX_BY=${ARG1})")
    dial.same("n,Set(BLINDTRANSFER=)")
    dial.same("n,Set(TRANSFERERNAME=)")
    dial.same("n,StackPop()")
    dial.same("n,Goto(callbox-forward,${CALLBOX_FWD},1)")

    fwd = body.section("callbox-forward")
    fwd.exten("_X.,1,Set(CALLBOX_FORWARDS=${MATH(0${CALLBOX_FORWARDS}+1,int)})")
    fwd.same(f"n,GotoIf({compare('${CALLBOX_FORWARDS}>' + str(MAX_FORWARDS))}?loop)")
    fwd.same("n,Goto(callbox-phones,${EXTEN},1)")
    fwd.same("n(loop),Answer()")
    fwd.same("n,Playtones(congestion)")
    fwd.same("n,Wait(5)")
    fwd.same("n,Hangup()")


def _follow_me(body: ConfFile, snap: Snapshot) -> None:
    """callbox-follow-<ext>: Gosub target run once the desk phone was not answered; rings the
    follow-me numbers in turn or together, each leg a Local channel (its own ring time, and an
    outside leg's "press 1" is heard before the caller is offered that leg). Only extensions whose
    follow-me rings someone have one."""
    exts = {e.number: e for e in snap.extensions}
    confirm_used = False
    for ext in snap.extensions:
        # Like ring groups, a phone on do-not-disturb is left out.
        legs = [n for n in ext.follow_me if n not in exts or not exts[n].dnd]
        if not legs:
            continue
        ctx_name = f"callbox-follow-{ext.number}"
        ctx = body.section(ctx_name)
        ctx.exten(f"s,1,NoOp(follow-me of {ext.number}: {ext.follow_ring})")
        dials = [f"Local/{i}@{ctx_name}" for i in range(1, len(legs) + 1)]
        if ext.follow_ring == "together":
            ctx.same(f"n,Dial({'&'.join(dials)})")
        else:
            for leg in dials:
                ctx.same(f"n,Dial({leg})")
                ctx.same('n,GotoIf(${REGEX("^ANSWER$" ${DIALSTATUS})}?done)')
        ctx.same("n(done),Return()")
        for i, number in enumerate(legs, 1):
            if number in exts:  # the desk phone alone: never its voicemail, forwards or follow-me
                ctx.exten(f"{i},1,Dial(PJSIP/{number},${{CALLBOX_RING_TIMEOUT}})")
            else:
                # Placed for the extension (a Local channel has no endpoint of its own to ask):
                # through an outbound route, within the extension's permission class.
                ctx.exten(f"{i},1,Set(_CALLBOX_FOR_CLASS={ext.permission_class})")
                ctx.same(f"n,Set(_CALLBOX_FOR={ext.number})")
                if ext.follow_confirm:
                    # The half of this leg that the caller's Dial holds (;1 for this ;2): gone once
                    # the call is taken elsewhere or the caller hangs up (see callbox-follow-confirm).
                    ctx.same("n,Set(_CALLBOX_LEG=${CHANNEL:0:-1}1)")
                confirm = f",U({FOLLOW_CONFIRM})" if ext.follow_confirm else ""
                confirm_used = confirm_used or ext.follow_confirm
                ctx.same(f"n,Dial(Local/{number}@{DIAL_FOR_CONTEXT},${{CALLBOX_RING_TIMEOUT}}{confirm})")
            ctx.same("n,Hangup()")
    if confirm_used:
        # Run on an outside leg once it answers: only a 1 takes the call; anything else (a mobile's
        # voicemail greeting, 2, ten seconds of nothing) hangs the leg up and the caller goes on.
        # Dial runs this without watching its own caller, so the wait is in one-second steps, each
        # asking whether the leg is still wanted: another number took the call, or the caller hung up.
        c = body.section(FOLLOW_CONFIRM)
        c.exten("s,1,Set(CALLBOX_WAITED=0)")
        c.same("n(ask),Read(CALLBOX_ACCEPT,followme/no-recording&followme/options,1,,1,1)")
        c.same("n(heard),GotoIf(${LEN(${CALLBOX_ACCEPT})}?pressed)")
        c.same("n,GotoIf(${CHANNEL_EXISTS(${CALLBOX_LEG})}?:refuse)")
        c.same("n,Set(CALLBOX_WAITED=${INC(CALLBOX_WAITED)})")
        c.same(f"n,GotoIf({compare('${CALLBOX_WAITED}>=' + str(2 * FOLLOW_CONFIRM_WAIT))}?refuse)")
        c.same(f'n,GotoIf(${{REGEX("^{FOLLOW_CONFIRM_WAIT}$" ${{CALLBOX_WAITED}})}}?ask)')  # once more
        c.same("n,Read(CALLBOX_ACCEPT,,1,,1,1)")
        c.same("n,Goto(heard)")
        c.same('n(pressed),GotoIf(${REGEX("^1$" ${CALLBOX_ACCEPT})}?accept)')
        c.same("n(refuse),Set(GOSUB_RESULT=CONTINUE)")
        c.same("n,Return()")
        c.same("n(accept),Return()")


def _ring_groups(body: ConfFile, snap: Snapshot) -> None:
    rg = body.section("callbox-ringgroups")
    # A member on do-not-disturb is left out; a group with no one left goes straight on.
    resting = {e.number for e in snap.extensions if e.dnd}
    browsers = webrtc.browser_numbers(snap)
    for g in snap.ring_groups:
        members = [m for m in g.members if m not in resting]
        rg.exten(f"{g.number},1,{path_step('ring_group', g.number)}")
        if not members:
            rg.same(f"n,NoOp(ring group {g.number}: every member on do-not-disturb)")
        elif g.strategy == "ringall":
            targets = "&".join(webrtc.devices(m, m in browsers) for m in members)
            rg.same(f"n,Dial({targets},{g.ring_seconds})")
        else:
            for m in members:
                rg.same(f"n,Dial({webrtc.devices(m, m in browsers)},{g.ring_seconds})")
                rg.same('n,ExecIf(${REGEX("^ANSWER$" ${DIALSTATUS})}?Hangup())')
        rg.same(f"n,{goto(g.no_answer)}")


def _ivrs(body: ConfFile, snap: Snapshot) -> None:
    numbers = body.section("callbox-ivr-numbers")
    for ivr in snap.ivrs:
        if ivr.number:
            numbers.exten(f"{ivr.number},1,Goto(callbox-ivr-{ivr.id},s,1)")
    for ivr in snap.ivrs:
        menu = body.section(f"callbox-ivr-{ivr.id}")
        if ivr.direct_dial:
            # Callers may also dial an extension's number while the menu plays.
            menu.set("include", "callbox-extensions", arrow=True)
        prompt = f"{snap.system.prompts_dir}/{ivr.prompt}" if ivr.prompt else "silence/1"
        menu.exten(f"s,1,{path_step('ivr', str(ivr.id))}")
        menu.same("n,Answer()")
        if ivr.id in snap.languages.get("ivr", {}):
            menu.same(f"n,Set(CHANNEL(language)={snap.language('ivr', ivr.id)})")
        menu.same(f"n,Set(CALLBOX_TRIES={ivr.max_tries})")
        selfservice.steps(menu, ivr, snap, goto)
        menu.same("n(menu),Set(TIMEOUT(digit)=3)")
        menu.same(f"n,Background({prompt})")
        menu.same(f"n,WaitExten({ivr.timeout})")
        for digit, kind, target in ivr.options:
            menu.exten(f"{digit},1,{goto((kind, target))}")
        for exten, dest, sound in (("i", ivr.on_invalid, "option-is-invalid"), ("t", ivr.on_timeout, None)):
            # DEC counts the tries down; GotoIf takes any non-zero as true.
            menu.exten(f"{exten},1,Set(CALLBOX_TRIES=${{DEC(CALLBOX_TRIES)}})")
            menu.same(f"n,GotoIf(${{CALLBOX_TRIES}}?again)")
            menu.same(f"n,{goto(dest)}")
            menu.same(f"n(again),{'Playback(' + sound + ')' if sound else 'NoOp(no key pressed)'}")
            menu.same("n,Goto(s,menu)")
        selfservice.step_extensions(menu, ivr, snap, goto)


def _queues(body: ConfFile, snap: Snapshot) -> None:
    agi = f"agi://{snap.system.agi}"
    numbers = body.section("callbox-queues")
    for q in snap.queues:
        numbers.exten(f"{q.number},1,Goto(callbox-queue-{q.number},s,1)")
    for q in snap.queues:
        ctx = body.section(f"callbox-queue-{q.number}")
        # c: the caller goes on after the agent hangs up (survey); x: *1 records on demand.
        # No t (## and *2 for the agent): DTMF feature hooks keep Asterisk from bridging the two
        # legs natively (bridge_native_rtp refuses a channel with DTMF hooks and RFC 4733 DTMF),
        # so every packet of every queue call would go through the core as a frame: 1.4 x
        # Asterisk's CPU at 960 channels (BENCHMARKS.md, call capacity). Agents transfer with
        # their phone's transfer key (a REFER), which needs no hook.
        options = "c" + ("x" if q.recording == "on_demand" else "")
        connect = f"{agi}/queue-connect?queue={q.number}"
        ctx.exten(f"s,1,{path_step('queue', q.number)}")
        ctx.same("n,Answer()")
        if q.number in snap.languages.get("queue", {}):
            ctx.same(f"n,Set(CHANNEL(language)={snap.language('queue', q.number)})")
        ctx.same(f"n,AGI({agi}/queue-enter?queue={q.number})")
        if q.memory_seconds:
            ctx.same("n,GotoIf(${CALLBOX_MEMORY}?memory:queue)")
            ctx.same("n(memory),Set(QUEUE_MIN_PENALTY=${CALLBOX_MEMORY})")
            ctx.same("n,Set(QUEUE_MAX_PENALTY=${CALLBOX_MEMORY})")
            ctx.same(f"n,Queue({q.number}-memory,{options}n,,,{q.memory_seconds},{connect})")
            ctx.same("n,Set(QUEUE_MIN_PENALTY=)")
            ctx.same("n,Set(QUEUE_MAX_PENALTY=)")
            ctx.same('n,GotoIf(${REGEX("^TIMEOUT$" ${QUEUESTATUS})}?queue)')
            ctx.same("n,Goto(q-${QUEUESTATUS},1)")
        ctx.same(f"n(queue),Queue({q.number},{options},,,{q.max_wait or ''},{connect},,,,${{CALLBOX_POSITION}})")
        ctx.same("n,Goto(q-${QUEUESTATUS},1)")
        if q.survey:
            ctx.exten("q-CONTINUE,1,Read(CALLBOX_RATING,"
                      f"{snap.system.sounds_dir}/${{CHANNEL(language)}}/survey,1,,1,6)")
            ctx.same('n,GotoIf(${REGEX("^(1|2|3|4|5)$" ${CALLBOX_RATING})}?rated)')
            ctx.same("n,Hangup()")
            ctx.same(f"n(rated),QueueLog({q.number},${{UNIQUEID}},${{MEMBERNAME}},SURVEY,${{CALLBOX_RATING}})")
            ctx.same(f"n,Playback({snap.system.sounds_dir}/${{CHANNEL(language)}}/survey-thanks)")
            ctx.same("n,Hangup()")
        elif q.survey_after is not None and any(s.id == q.survey_after for s in snap.surveys):
            # The caller's channel: its unique id is the queue call's, which the answers are kept by.
            ctx.exten(f"q-CONTINUE,1,Goto({surveys.context(q.survey_after)},s,1)")
        else:
            ctx.exten("q-CONTINUE,1,Hangup()")
        for status in ("FULL", "JOINEMPTY", "JOINUNAVAIL"):
            # The caller never entered: note why, for the history.
            ctx.exten(f"q-{status},1,QueueLog({q.number},${{UNIQUEID}},NONE,OVERFLOW,{status})")
            ctx.same(f"n,CELGenUserEvent({QUEUE_EXIT_EVENT},{status})")
            ctx.same(f"n,{goto(q.overflow)}")
        for status in ("TIMEOUT", "LEAVEEMPTY", "LEAVEUNAVAIL"):
            # The call records tell a caller the queue let go from one who gave up.
            ctx.exten(f"q-{status},1,CELGenUserEvent({QUEUE_EXIT_EVENT},{status})")
            ctx.same(f"n,{goto(q.overflow)}")
        ctx.exten("_q-.,1,Hangup()")
        if q.callback:
            keys = body.section(f"callbox-queue-keys-{q.number}")
            keys.exten(f"1,1,AGI({agi}/callback-request?queue={q.number})")
            keys.same('n,GotoIf(${REGEX("^refused$" ${CALLBOX_CALLBACK})}?refused)')
            keys.same(f"n,Playback({snap.system.sounds_dir}/${{CHANNEL(language)}}/callback-confirm)")
            keys.same("n,Hangup()")
            # Not a number the queue may call back: said so, and back to the queue where they were.
            keys.same(f"n(refused),Playback({snap.system.sounds_dir}/${{CHANNEL(language)}}/callback-refused)")
            keys.same(f"n,Goto(callbox-queue-{q.number},s,queue)")
    cb = body.section("callbox-callback")
    # A callback: a Local channel whose waiting half takes the caller's place in the
    # queue (at the caller's old position); when an agent answers it, the other half
    # calls the caller back. The supervisor originates it with __CALLBOX_CALLBACK_* set.
    cb.exten("wait,1,QueueLog(${CALLBOX_CALLBACK_QUEUE},${UNIQUEID},NONE,CALLBACK,${CALLBOX_CALLBACK_OF})")
    cb.same("n,Set(CALLERID(num)=${CALLBOX_CALLBACK_NUMBER})")
    cb.same(f"n,Queue(${{CALLBOX_CALLBACK_QUEUE}},c,,,,{agi}/queue-connect?queue=${{CALLBOX_CALLBACK_QUEUE}},,,,"
            "${CALLBOX_CALLBACK_POSITION})")
    cb.same("n,Hangup()")
    # The number called back is the caller's presented one, which a trunk's caller can forge: it
    # is dialled on behalf of the queue, within the queue's callback class.
    cb.exten("call,1,Goto(callbox-callback-call,${CALLBOX_CALLBACK_QUEUE},1)")
    calls = body.section("callbox-callback-call")
    for q in snap.queues:
        calls.exten(f"{q.number},1,Gosub({ON_BEHALF},s,1({q.callback_class},${{CALLBOX_CALLBACK_NUMBER}},"
                    f"queue-{q.number}))")


def _minute_before(clock: str) -> str:
    """Rules end before their "to" minute; GotoIfTime ranges include their last minute."""
    hours, minutes = map(int, clock.split(":"))
    total = hours * 60 + minutes - 1
    return f"{total // 60:02d}:{total % 60:02d}"


def _time_conditions(body: ConfFile, snap: Snapshot) -> None:
    tz = snap.settings.timezone
    features = body.section("callbox-time-codes")
    agi = f"agi://{snap.system.agi}"
    for tc in snap.time_conditions:
        code = f"{TIME_OVERRIDE_CODE}{tc.code}"
        features.exten(f"{code},1,Gosub(callbox-supervisor-only,s,1)")
        features.same("n,Answer()")
        features.same(f"n,AGI({agi}/time-override?code={tc.code})")
        features.same("n,Hangup()")
        features.exten(f"{code},hint,{TIME_OVERRIDE_DEVICE}{tc.code}")

        ctx = body.section(f"callbox-tc-{tc.id}")
        ctx.exten(f"s,1,NoOp(time condition {tc.id})")
        if tc.override:  # set by hand (*28N or the page): the schedule waits
            ctx.same(f"n,Goto({tc.override})")
        for dates, fmt in (([d.replace("-", "") for d, yearly in tc.holidays if not yearly], "%Y%m%d"),
                           ([d[5:].replace("-", "") for d, yearly in tc.holidays if yearly], "%m%d")):
            if dates:
                today = "${STRFTIME(${EPOCH}," + tz + "," + fmt + ")}"
                pattern = "|".join(sorted(set(dates)))
                ctx.same(f'n,GotoIf(${{REGEX("^({pattern})$" {today})}}?unmatched)')
        for days, start, end in tc.rules:
            for day in days:
                ctx.same(f"n,GotoIfTime({start}-{_minute_before(end)},{day},*,*,{tz}?matched)")
        ctx.same(f"n(unmatched),{goto(tc.unmatched)}")
        ctx.same(f"n(matched),{goto(tc.matched)}")


def _blacklist(body: ConfFile, snap: Snapshot) -> None:
    """Gosub target for calls from trunks: returns, unless the caller's number is blacklisted.
    Matched on the caller ID (s/<number>) in each form a trunk may send it."""
    ctx = body.section("callbox-blacklist")
    ctx.exten("s,1,Return()")
    settings = snap.settings
    for number in snap.blacklist:
        for form in forms_of(number, settings.country_code, settings.national_prefix):
            ctx.exten(f"s/{form},1,Goto(callbox-blacklisted,s,1)")
    refused = body.section("callbox-blacklisted")
    refused.exten("s,1,NoOp(blacklisted caller ${CALLERID(num)})")
    dest = settings.blacklist_destination
    if dest:
        # Out of the Gosub for good, counted on its trunk as an inbound route's call would be.
        refused.same("n,StackPop()")
        refused.same("n,Set(GROUP(callbox-trunks)=${CHANNEL(endpoint)})")
        refused.same(f"n,{goto((dest['kind'], dest['target']))}")
    else:
        refused.same("n,Busy(5)")
        refused.same("n,Hangup()")
    _keypad_codes(body, body.section("callbox-blacklist-codes"), "callbox-blacklist-code", BLACKLIST_CODES,
                  f"agi://{snap.system.agi}/blacklist", "beep")


PIN_TRIES = 3


def _conferences(body: ConfFile, snap: Snapshot) -> None:
    """Each room's number: the PIN asked (the host's PIN makes a host), then ConfBridge.
    callbox-conf-join takes a party the box invited straight in, as a participant."""
    numbers = body.section("callbox-conferences")
    joined = body.section("callbox-conf-join")
    for room in snap.conferences:
        numbers.exten(f"{room.number},1,Goto(callbox-conf-{room.number},s,1)")
        # The invited party is listed by its own number, not the room's the box called it from.
        joined.exten(f"{room.number},1,Set(CALLERID(all)=${{CALLBOX_INVITED}} <${{CALLBOX_INVITED}}>)")
        joined.same(f"n,Goto(callbox-conf-{room.number},user,1)")
        ctx = body.section(f"callbox-conf-{room.number}")
        ctx.exten("s,1,Answer()")
        ctx.same("n,Wait(0.5)")
        if room.pin or room.host_pin:
            ctx.same(f"n,Set(CALLBOX_TRIES={PIN_TRIES})")
            ctx.same("n(pin),Read(CALLBOX_PIN,conf-getpin,12,,1,8)")
            if room.host_pin:
                ctx.same(f'n,GotoIf(${{REGEX("^{room.host_pin}$" ${{CALLBOX_PIN}})}}?host,1)')
            if room.pin:
                ctx.same(f'n,GotoIf(${{REGEX("^{room.pin}$" ${{CALLBOX_PIN}})}}?user,1)')
            else:  # only hosts have a PIN: anyone else joins with none (# or no key)
                ctx.same("n,GotoIf(${ISNULL(${CALLBOX_PIN})}?user,1)")
            ctx.same("n,Set(CALLBOX_TRIES=${DEC(CALLBOX_TRIES)})")
            ctx.same("n,Playback(conf-invalidpin)")
            ctx.same("n,GotoIf(${CALLBOX_TRIES}?pin)")
            ctx.same("n,Hangup()")
        else:
            ctx.same("n,Goto(user,1)")
        for host in (False, True):
            who = "host" if host else "user"
            # ConfBridge holds participants to max_members and the lock; hosts are its admins,
            # held to neither, so the room's size is checked here for everyone.
            full = compare(f"${{CONFBRIDGE_INFO(parties,{room.number})}}>={room.max_parties}")
            ctx.exten(f"{who},1,GotoIf({full}?full,1)")
            ctx.same(f"n,ConfBridge({room.number},{bridge_profile(room)},{user_profile(room, host)},"
                     f"{HOST_MENU if host else USER_MENU})")
            ctx.same("n,Hangup()")
        ctx.exten("full,1,Playback(conf-locked)")
        ctx.same("n,Hangup()")


def _inbound(body: ConfFile, snap: Snapshot) -> None:
    ctx = body.section(TRUNK_CONTEXT)
    taken = set()
    for route in snap.inbound:
        dids = [route.did] if route.did else ["_X.", "_+X.", "s"]
        for did in dids:
            match = f"{did}/{route.cid}" if route.cid else did
            if match in taken:  # "any number" and an explicit _X. overlap: the older route keeps it
                continue
            taken.add(match)
            ctx.exten(f"{match},1,Gosub(callbox-blacklist,s,1)")
            ctx.same("n,Set(GROUP(callbox-trunks)=${CHANNEL(endpoint)})")
            if route.id in snap.languages.get("inbound", {}):
                ctx.same(f"n,Set(CHANNEL(language)={snap.language('inbound', route.id)})")
            if route.fax_detect and route.dest[0] != "fax":
                ctx.same(f"n,Goto({fax.detector_context(route.id)},s,1)")
            else:
                ctx.same(f"n,{goto(route.dest)}")
        if route.fax_detect and route.dest[0] != "fax":
            fax.detector(body, route, goto(route.dest))


def _outbound(body: ConfFile, snap: Snapshot) -> None:
    available = {t.id: t for t in snap.trunks}
    out = body.section("callbox-outbound")
    literal = set()
    for route in snap.outbound:
        for pattern, strip, prefix, reach in route.patterns:
            literal.add(pattern)
            out.exten(f"{pattern},1,Set(CALLBOX_DIAL={prefix}${{EXTEN:{strip}}})")
            out.same(f"n,Gosub(callbox-permit,s,1({reach},${{EXTEN}}))")
            out.same(f"n,Goto(callbox-route-{route.id},s,1)")
        r = body.section(f"callbox-route-{route.id}")
        r.exten(f"s,1,{path_step('external', '${CALLBOX_DIAL}')}")
        r.same("n,Gosub(callbox-record-out,s,1)")
        if snap.sites.trunks and snap.sites.breakouts:  # another site's area leaves through that site
            r.same("n,Gosub(callbox-site-breakout,s,1)")
        for trunk_id in route.trunks:
            t = available.get(trunk_id)
            if t is not None:  # a disabled trunk is skipped
                tech = ",dahdi" if t.kind == "dahdi" else ""
                r.same(f"n,Gosub(callbox-trunk-dial,s,1({t.endpoint},${{CALLBOX_DIAL}},"
                       f"{t.caller_id or ''},{t.max_channels or 0}{tech}))")
        r.same("n,Playback(all-circuits-busy-now)")
        r.same("n,Congestion(5)")
    # An emergency number dialled without the outside-line prefix still goes out, as it is,
    # through the first route that has a trunk.
    first = _first_route(snap)
    for number in snap.settings.emergency_numbers if first is not None else ():
        if number not in literal:
            out.exten(f"{number},1,Set(CALLBOX_DIAL={number})")
            out.same("n,Gosub(callbox-permit,s,1(local,${EXTEN}))")
            out.same(f"n,Goto(callbox-route-{first},s,1)")

    # An extension's recording policy covers the calls its own phone places outside as well as
    # the calls to it. Only the phone's own channel counts: a forward or a follow-me leg belongs
    # to the call that came in, recorded (or not) where it entered. A SIP phone is its endpoint,
    # an analog phone its FXS port (callbox-caller); a Local leg is nobody's.
    agi = snap.system.agi
    rec = body.section("callbox-record-out")
    rec.exten(f"s,1,Gosub({CALLER_CONTEXT},s,1)")
    rec.same("n,Set(LOCAL(line)=${GOSUB_RETVAL})")
    rec.same("n,GotoIf(${LEN(${LOCAL(line)})}?:done)")
    rec.same("n,GotoIf(${DIALPLAN_EXISTS(callbox-record-of,${LOCAL(line)},1)}?:done)")
    rec.same("n,Gosub(callbox-record-of,${LOCAL(line)},1)")
    rec.same("n,Set(LOCAL(policy)=${GOSUB_RETVAL})")
    rec.same(f'n,ExecIf(${{REGEX("^always$" ${{LOCAL(policy)}})}}?AGI(agi://{agi}/record?to=${{URIENCODE(${{CALLBOX_DIAL}})}}))')
    # On demand: *1 during the call starts the recording, which Dial's X lets the phone do.
    rec.same('n,ExecIf(${REGEX("^on_demand$" ${LOCAL(policy)})}?Set(CALLBOX_TRUNKOPTS=X))')
    rec.same(f'n,ExecIf(${{REGEX("^on_demand$" ${{LOCAL(policy)}})}}?'
             f'AGI(agi://{agi}/record?to=${{URIENCODE(${{CALLBOX_DIAL}})}}&demand=1))')
    rec.same("n(done),Return()")
    of = body.section("callbox-record-of")
    for number, policy in sorted(snap.recording.items()):
        of.exten(f"{number},1,Return({policy})")

    # ARG1: trunk endpoint; ARG2: number; ARG3: caller id to present (may be
    # empty); ARG4: the trunk's channel limit, 0 for none; ARG5: "dahdi" for an E1 or
    # analog trunk, whose ARG1 is its channel group (DAHDI hunts a free channel in it).
    # Returns when the trunk could not take the call, so the route tries the next one.
    d = body.section("callbox-trunk-dial")
    d.exten("s,1,GotoIf(${ARG4}?limit:dial)")
    d.same(f"n(limit),GotoIf({compare('${GROUP_COUNT(${ARG1}@callbox-trunks)}>=${ARG4}')}?next)")
    d.same("n(dial),Set(GROUP(callbox-trunks)=${ARG1})")
    d.same("n,ExecIf(${LEN(${ARG3})}?Set(CALLERID(num)=${ARG3}))")
    d.same('n,Dial(${IF(${REGEX("^dahdi$" ${ARG5})}?DAHDI/${ARG1}/${ARG2}:PJSIP/${ARG2}@${ARG1})},,${CALLBOX_TRUNKOPTS})')
    d.same('n,GotoIf(${REGEX("^(CHANUNAVAIL|CONGESTION)$" ${DIALSTATUS})}?next)')
    d.same("n,Hangup()")
    d.same("n(next),Return()")


def _first_route(snap: Snapshot) -> int | None:
    """The first outbound route with a trunk: numbers dialled as they are (emergency numbers, another
    site's calls to this site's area) leave by it."""
    available = {t.id for t in snap.trunks}
    return next((r.id for r in snap.outbound if any(t in available for t in r.trunks)), None)


def _permissions(body: ConfFile, snap: Snapshot) -> None:
    """Outbound permission classes. A call to an outside number is checked where it enters an
    outbound route (callbox-permit), against the class of whoever the call is for:
    - the phone that transferred it (##, *2, a REFER): BLINDTRANSFER or TRANSFERERNAME name its channel;
    - else the one the box acts for (CALLBOX_CLASS: a forward, a callback, an administrator's
      destination; set only by this dial plan, never inherited);
    - else the phone that dialled, by its own line: the endpoint it authenticated as, or an analog
      phone's FXS port (never its caller id; the number an analog phone dials after a hook flash
      is a call of that port's too);
    Anyone else (a trunk's caller, a channel of the box's own) has no class and is refused."""
    emergency = "|".join(snap.settings.emergency_numbers)
    p = body.section("callbox-permit")
    # ARG1: the reach of the pattern the call matched; ARG2: the number as dialled.
    p.exten("s,1,Set(LOCAL(class)=)")
    p.same(f'n,GotoIf(${{REGEX("^({emergency})$" ${{CALLBOX_DIAL}})}}?emergency)')
    p.same(f'n,GotoIf(${{REGEX("^({emergency})$" ${{ARG2}})}}?emergency)')
    p.same("n,Set(LOCAL(transferrer)=${IF(${LEN(${BLINDTRANSFER})}?${BLINDTRANSFER}:${TRANSFERERNAME})})")
    p.same("n,GotoIf(${LEN(${LOCAL(transferrer)})}?transferred)")
    p.same("n,Set(LOCAL(class)=${CALLBOX_CLASS})")
    p.same("n,GotoIf(${LEN(${LOCAL(class)})}?check)")
    p.same(f"n,Gosub({CALLER_CONTEXT},s,1)")
    p.same("n,Set(CALLBOX_BY=${GOSUB_RETVAL})")
    p.same("n,Goto(owner)")
    # A channel name: <technology>/<line>-<sequence> (PJSIP/8001-0000002a, DAHDI/993-1).
    p.same("n(transferred),Set(CALLBOX_BY=${LOCAL(transferrer)})")
    p.same("n,Set(CALLBOX_BY=${CUT(CALLBOX_BY,-,1)})")
    p.same(f"n,Gosub({LINE_OWNER},s,1(${{CUT(CALLBOX_BY,/,1)}},${{CUT(CALLBOX_BY,/,2)}}))")
    p.same("n,Set(CALLBOX_BY=${GOSUB_RETVAL})")
    p.same("n(owner),GotoIf(${DIALPLAN_EXISTS(callbox-class-of,${CALLBOX_BY},1)}?:check)")
    p.same("n,Gosub(callbox-class-of,${CALLBOX_BY},1)")
    p.same("n,Set(LOCAL(class)=${GOSUB_RETVAL})")
    p.same("n(check),GotoIf(${DIALPLAN_EXISTS(callbox-class-${LOCAL(class)},${ARG1},1)}?allowed)")
    p.same("n,Gosub(callbox-refused,s,1(${CALLBOX_BY},${LOCAL(class)},${ARG1},${CALLBOX_DIAL}))")
    p.same("n(emergency),Log(NOTICE,emergency call to ${CALLBOX_DIAL})")
    # The class that allowed it: a call that leaves through another site carries it there.
    p.same("n(allowed),Set(CALLBOX_PERMITTED=${LOCAL(class)})")
    p.same("n,Return()")

    of = body.section("callbox-class-of")
    for ext in snap.extensions:
        of.exten(f"{ext.number},1,Return({ext.permission_class})")
    _lines(body, snap)
    for name, reach in snap.permission_classes:
        c = body.section(f"callbox-class-{name}")
        c.exten("none,1,NoOp(emergency numbers only)")
        for kind in reach:
            c.exten(f"{kind},1,NoOp({kind} numbers)")

    # Gosub(callbox-on-behalf,s,1(class,number,for)): a call the box places for someone (a queue's
    # callback, an administrator's destination, a supervisor's move), never on the word of a
    # caller id: to an extension, or to an outside number through an outbound route within the
    # class; refused otherwise. It does not return: the call is the number's now.
    ob = body.section(ON_BEHALF)
    ob.exten("s,1,Set(CALLBOX_CLASS=${ARG1})")
    ob.same("n,Set(CALLBOX_BY=${ARG3})")
    ob.same("n,Set(BLINDTRANSFER=)")
    ob.same("n,Set(TRANSFERERNAME=)")
    ob.same("n,Set(CALLBOX_TARGET=${ARG2})")
    ob.same('n,GotoIf(${REGEX("^(0|1|2|3|4|5|6|7|8|9)+$" ${CALLBOX_TARGET})}?:refused)')
    ob.same("n,GotoIf(${DIALPLAN_EXISTS(callbox-extensions,${CALLBOX_TARGET},1)}?internal)")
    ob.same("n,GotoIf(${DIALPLAN_EXISTS(callbox-outbound,${CALLBOX_TARGET},1)}?outside)")
    ob.same("n(refused),Gosub(callbox-refused,s,1(${ARG3},${ARG1},none,${CALLBOX_TARGET}))")
    ob.same("n(internal),StackPop()")
    ob.same("n,Goto(callbox-extensions,${CALLBOX_TARGET},1)")
    ob.same("n(outside),StackPop()")
    ob.same("n,Goto(callbox-outbound,${CALLBOX_TARGET},1)")

    # The supervisor's way in: a conference invite (Originate of Local/N@callbox-dial-for with
    # __CALLBOX_FOR_CLASS and __CALLBOX_FOR), a call moved outside (Setvar, then Redirect here);
    # click-to-call and follow-me legs come in the same way.
    body.section(DIAL_FOR_CONTEXT).exten(
        f"_X.,1,Gosub({ON_BEHALF},s,1(${{CALLBOX_FOR_CLASS}},${{EXTEN}},${{CALLBOX_FOR}}))")
    # Click-to-call: the desk phone answered; the call leaves as the phone's own would, under the
    # caller id the phone has (its endpoint's, never the one the ringing showed it).
    c2c = body.section(CLICK_TO_CALL_CONTEXT)
    c2c.exten("_X.,1,Set(CALLERID(all)=${PJSIP_ENDPOINT(${CHANNEL(endpoint)},callerid)})")
    c2c.same(f"n,Goto({DIAL_FOR_CONTEXT},${{EXTEN}},1)")

    # A ticket's three-way call: the caller (0<room>) and the agent and the department's phone
    # (<room>) meet in a room of their own, with no announcements. The call is the caller's: once
    # they hang up the others are let go; the agent or the department leaving ends nothing.
    three = body.section(THREEWAY_CONTEXT)
    three.exten("_0X.,1,Set(CONFBRIDGE(user,quiet)=yes)")
    three.same("n,Set(CONFBRIDGE(user,marked)=yes)")
    three.same("n,ConfBridge(threeway-${EXTEN:1})")
    three.same("n,Hangup()")
    three.exten("_NX.,1,Set(CONFBRIDGE(user,quiet)=yes)")
    three.same("n,Set(CONFBRIDGE(user,end_marked)=yes)")
    three.same("n,ConfBridge(threeway-${EXTEN})")
    three.same("n,Hangup()")

    # ARG1: for whom; ARG2: their class; ARG3: the reach asked for (none: no route dials it);
    # ARG4: the number. Said to the caller, told to the supervisor (AMI) and logged; never returns.
    r = body.section("callbox-refused")
    r.exten("s,1,Log(NOTICE,outside call to ${ARG4} refused: ${ARG3} for ${ARG1} of class ${ARG2})")
    r.same(f"n,UserEvent({REFUSED_EVENT},For: ${{ARG1}},Class: ${{ARG2}},Reach: ${{ARG3}},Number: ${{ARG4}})")
    # A leg the box placed itself and nobody answered yet (a conference invite) is not answered
    # just to be refused: answering it would put the invite in the room.
    r.same('n,GotoIf(${REGEX("^Up$" ${CHANNEL(state)})}?say)')
    r.same('n,GotoIf(${REGEX("^Local$" ${CHANNEL(channeltype)})}?end)')
    r.same("n,Answer()")
    r.same(f"n(say),Playback({REFUSED_PROMPT})")
    r.same("n(end),Hangup()")


def _lines(body: ConfFile, snap: Snapshot) -> None:
    """Which extension a phone's line is, from what Asterisk itself knows of the channel (never a
    caller id): a SIP phone's endpoint is its extension; an analog phone's DAHDI channel is the
    FXS port the extension was given. A trunk's channel (an E1 timeslot, an FXO line) and the box's
    own channels are nobody's."""
    caller = body.section(CALLER_CONTEXT)
    # The calling channel's own line. CHANNEL(endpoint) is PJSIP's alone; chan_dahdi gives the channel number.
    caller.exten('s,1,GotoIf(${REGEX("^DAHDI$" ${CHANNEL(channeltype)})}?analog)')
    caller.same('n,GotoIf(${REGEX("^PJSIP$" ${CHANNEL(channeltype)})}?:none)')
    caller.same("n,Return(${CHANNEL(endpoint)})")
    caller.same(f"n(analog),Gosub({LINE_OWNER},s,1(DAHDI,${{CHANNEL(dahdi_channel)}}))")
    caller.same("n,Return(${GOSUB_RETVAL})")
    caller.same("n(none),Return()")

    # ARG1: the technology; ARG2: the line (a PJSIP endpoint, a DAHDI channel number). A DAHDI
    # channel that is not an FXS port with an extension (a trunk's, or I1 of a PRI call's name) is nobody's.
    owner = body.section(LINE_OWNER)
    owner.exten('s,1,GotoIf(${REGEX("^PJSIP$" ${ARG1})}?sip)')
    owner.same('n,GotoIf(${REGEX("^DAHDI$" ${ARG1})}?:none)')
    owner.same(f"n,GotoIf(${{DIALPLAN_EXISTS({ANALOG_LINES},${{ARG2}},1)}}?:none)")
    owner.same(f"n,Gosub({ANALOG_LINES},${{ARG2}},1)")
    owner.same("n,Return(${GOSUB_RETVAL})")
    owner.same("n(sip),Return(${ARG2})")
    owner.same("n(none),Return()")
    analog = body.section(ANALOG_LINES)
    for port in snap.dahdi_ports:
        if port.kind == "fxs" and port.extension:
            analog.exten(f"{port.channel},1,Return({port.extension})")


def dialplan_marker(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def dialplan_marker_of(rendered: str) -> str | None:
    found = re.search(r"^CALLBOX_DIALPLAN = (\S+)$", rendered, re.M)
    return found.group(1) if found else None

