"""extensions.conf: internal dialling, voicemail on no answer or busy, feature codes.

User values never reach the dialplan: extension numbers are digits by
validation, and names go only to caller id in pjsip.conf.
"""

from __future__ import annotations

import hashlib
import re

from ..conf import ConfFile
from ..snapshot import Snapshot
from .pjsip import PHONE_CONTEXT

VM_CONTEXT = "default"
FEATURE_CODES = {
    "#8": "your own voicemail",
    "*97": "your own voicemail",
    "*98": "any mailbox (asks for the number)",
}


def render(snap: Snapshot) -> dict[str, str]:
    body = ConfFile("")
    phones = body.section(PHONE_CONTEXT)
    phones.set("include", "callbox-features", arrow=True)
    phones.set("include", "callbox-extensions", arrow=True)

    f = body.section("callbox-features")
    for code in ("#8", "*97"):
        f.exten(f"{code},1,Goto(callbox-vm-own,s,1)")
    f.exten("*98,1,Answer()")
    f.same(f"n,VoiceMailMain(@{VM_CONTEXT})")
    f.same("n,Hangup()")

    own = body.section("callbox-vm-own")
    # The endpoint the phone authenticated as, not a caller id it could fake.
    own.exten("s,1,Answer()")
    own.same(f"n,VoiceMailMain(${{CHANNEL(endpoint)}}@{VM_CONTEXT})")
    own.same("n,Hangup()")

    exts = body.section("callbox-extensions")
    for ext in snap.extensions:
        exts.exten(f"{ext.number},1,Gosub(callbox-dial-extension,s,1({ext.number},{int(ext.has_mailbox)}))")
        exts.same("n,Hangup()")

    # ARG1: the extension; ARG2: 1 when it has a mailbox.
    dial = body.section("callbox-dial-extension")
    dial.exten("s,1,Dial(PJSIP/${ARG1},${CALLBOX_RING_TIMEOUT})")
    dial.same("n,GotoIf(${ARG2}?${DIALSTATUS},1)")
    dial.same("n,Return()")
    dial.exten(f"BUSY,1,VoiceMail(${{ARG1}}@{VM_CONTEXT},b)")
    dial.same("n,Return()")
    for status in ("NOANSWER", "CHANUNAVAIL", "CONGESTION"):
        dial.exten(f"{status},1,VoiceMail(${{ARG1}}@{VM_CONTEXT},u)")
        dial.same("n,Return()")
    for status in ("ANSWER", "CANCEL", "DONTCALL", "TORTURE", "INVALIDARGS"):
        dial.exten(f"{status},1,Return()")

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


def dialplan_marker(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def dialplan_marker_of(rendered: str) -> str | None:
    found = re.search(r"^CALLBOX_DIALPLAN = (\S+)$", rendered, re.M)
    return found.group(1) if found else None
