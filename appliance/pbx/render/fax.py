"""Fax: the receiver, fax tone detection on inbound routes, res_fax.conf.

The receiver answers, has Asterisk's ReceiveFax (res_fax with spandsp: G.711 audio fax)
write a TIFF named by the call, and from a hangup handler asks the supervisor (FastAGI
`fax`) to turn it into a PDF and record the fax: a hangup handler runs however the call
ends, so a fax cut short is recorded too.

Detection: a route with fax detection answers, plays ringing and listens for a calling fax
machine's tone (CNG) for FAX_DETECT_SECONDS; res_fax sends a call whose tone it hears to the
`fax` extension of the context the call is in, which is the route's own detector context.
"""

from __future__ import annotations

from ..conf import ConfFile
from ..snapshot import InboundView, Snapshot

RECEIVER = "callbox-fax"
DONE = "callbox-fax-done"
FAX_DETECT_SECONDS = 4  # CNG repeats every 3.5 s: a fax machine sounds it at least once in this time
# res_fax.conf: the speeds and error correction the receiver offers (spandsp's V.17 tops at 14400).
SETTINGS = {"maxrate": 14400, "minrate": 2400, "ecm": True, "statusevents": True}


def detector_context(route_id: int) -> str:
    return f"callbox-faxdetect-{int(route_id)}"


def receiver(body: ConfFile, snap: Snapshot) -> None:
    rx = body.section(RECEIVER)
    rx.exten("s,1,Answer()")
    rx.same(f"n,Set(CALLBOX_FAX_FILE={snap.system.fax_dir}/${{UNIQUEID}}.tif)")
    rx.same(f"n,Set(CHANNEL(hangup_handler_push)={DONE},s,1)")
    rx.same("n,ReceiveFax(${CALLBOX_FAX_FILE})")
    rx.same("n,Hangup()")
    done = body.section(DONE)
    done.exten(f"s,1,AGI(agi://{snap.system.agi}/fax)")
    done.same("n,Return()")


def detector(body: ConfFile, route: InboundView, then: str) -> None:
    """The route's detector context; `then` is the dial plan step to its destination."""
    ctx = body.section(detector_context(route.id))
    ctx.exten("s,1,Answer()")
    ctx.same(f"n,Set(FAXOPT(faxdetect)=cng,{FAX_DETECT_SECONDS})")
    ctx.same("n,Playtones(ring)")
    ctx.same(f"n,Wait({FAX_DETECT_SECONDS})")
    ctx.same("n,StopPlaytones()")
    ctx.same(f"n,{then}")
    ctx.exten("fax,1,Set(CALLBOX_FAX_DETECTED=1)")
    ctx.same(f"n,Goto({RECEIVER},s,1)")


def render(snap: Snapshot) -> dict[str, str]:
    conf = ConfFile("res_fax.conf: fax sessions (ReceiveFax)")
    general = conf.section("general")
    for key, value in SETTINGS.items():
        general.set(key, value)
    return {"res_fax.conf": conf.render()}
