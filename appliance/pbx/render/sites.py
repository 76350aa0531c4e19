"""The inter-site trunks (pjsip.conf) and how calls cross between sites (extensions.conf).

Each end renders its own side from its own database (appliance/sites/peering.py). A trunk to a
site is identified by the site's tunnel address and still authenticates (both ends share the
site's username and secret); it is qualified every few seconds, so a dead tunnel is noticed
within 10 s and calls to the site's area leave through this box's own routes instead.

Other sites' extensions are dialled by their range where it overlaps no other site's, and always
with the site's prefix (3*8001, appliance/sites/dialing.py): headquarters drops the prefix as it
sends the call to that site; a branch sends it as dialled, so that headquarters knows the site.
A caller from a site dialled by prefix only is shown at headquarters' phones, and at the branches
headquarters passes the call to, with that prefix: a call back reaches the caller.

Calls from a site enter callbox-from-sites: they reach this box's extensions, another site by
its range or prefix (headquarters forwards between branches), or this box's own breakout patterns, which
leave through its first outbound route within the caller's permission class as the caller's
box checked it (the X-Callbox-Class header; a call without one has no class and is refused).
Never the outbound routes for anything else.
"""

from __future__ import annotations

import hashlib

from ..conf import ConfFile
from ..snapshot import Snapshot
from .phones import VM_CONTEXT, auth, mailbox

FROM_SITES = "callbox-from-sites"
SITES_CONTEXT = "callbox-sites"  # the other sites' numbers, and the hints on their extensions
CLASS_HEADER = "X-Callbox-Class"
QUALIFY_EVERY = 3  # seconds; with the timeout below a dead tunnel is seen within 5 s
QUALIFY_TIMEOUT = 2
CODECS = "ulaw,alaw,g722"
PUBLISH_EXPIRES = 300  # seconds: a site back after a restart has the other's states again within this
HEADQUARTERS = 1
# Asterisk publishes to another box only the device states that began on it: branch 3's PJSIP/3001
# reaches headquarters and goes no further. Headquarters sets a device of its own to the state of
# its hint on 3001 (appliance/sites/relay.py), and that state goes out to every branch.
RELAYED_PREFIX = "Custom:SITE"
# Mailbox states a site takes from another: digits in the one context of the box's mailboxes
# (spelt out: a bracket would open a section in pjsip.conf).
MAILBOX_FILTER = f"^(0|1|2|3|4|5|6|7|8|9)+@{VM_CONTEXT}$"
# A hint's state (ExtensionStatus StatusText) as the device state that gives the same hint state.
RELAYED_STATES = {"Idle": "NOT_INUSE", "InUse": "INUSE", "Busy": "BUSY", "Unavailable": "UNAVAILABLE",
                  "Ringing": "RINGING", "InUse&Ringing": "RINGINUSE", "Hold": "ONHOLD", "InUse&Hold": "ONHOLD"}


def relayed_device(number: str) -> str:
    """Headquarters' device that carries the state of a branch's extension to the other branches."""
    return f"{RELAYED_PREFIX}{number}"


def endpoint(number: int) -> str:
    return f"site{number}"


def is_site_trunk(name: str) -> bool:
    return name.startswith("site") and name[4:].isdigit()


def trunks(conf: ConfFile, snap: Snapshot) -> None:
    for t in snap.sites.trunks:
        name = endpoint(t.number)
        auth(conf, name, t.username, t.secret)
        r = conf.section(name)
        r.set("type", "aor")
        # Before the contact: Asterisk qualifies a static contact only if told so first.
        r.set("qualify_frequency", QUALIFY_EVERY)
        r.set("qualify_timeout", QUALIFY_TIMEOUT)
        r.set("contact", f"sip:{t.address}:{snap.system.sip_port}")
        e = conf.section(name)
        e.set("type", "endpoint")
        e.set("transport", "transport-udp")
        e.set("context", FROM_SITES)
        e.set("disallow", "all")
        e.set("allow", CODECS)
        e.set("aors", name)
        e.set("auth", name)  # identified by address, and still asked for the site's secret
        e.set("outbound_auth", name)
        e.set("direct_media", False)
        e.set("dtmf_mode", "rfc4733")
        e.set("trust_id_inbound", True)
        e.set("send_pai", True)
        e.set("language", snap.settings.language)
        i = conf.section(name)
        i.set("type", "identify")
        i.set("endpoint", name)
        i.set("match", t.address)
        _device_states(conf, snap, t, name)
    _mailbox_lamps(conf, snap)


def publication(t, of: str = "states") -> str:
    """The outbound publication of this box's `of` (device states, or mailboxes) to a site, named
    for this enrolment of it (its trunk secret, which every enrolment makes anew). Asterisk keeps an
    outbound publication's state across reloads while its address, event and auth names stay the
    same, and keeps it for good when the last one leaves pjsip.conf (no new state replaces it): a
    revoked site's publication that was challenged after its auth had gone waits for ever on that
    request. Under the same name, the next enrolment of a site with the same number and tunnel
    address would take over that stuck state and publish nothing; under a new name it starts afresh,
    and the stale one goes."""
    return f"{endpoint(t.number)}-{of}-{hashlib.sha256(t.secret.encode()).hexdigest()[:8]}"


def _device_states(conf: ConfFile, snap: Snapshot, t, name: str) -> None:
    """Busy lamps across sites (res_pjsip_publish_asterisk): each end PUBLISHes its phones' device
    states to the other, which takes them from this trunk only, authenticated, and only for
    PJSIP devices (a branch also takes headquarters' relayed states of the other branches'
    extensions). The resource published to is the other end's name for this box. Voicemail lamps
    the same way: each end publishes its mailboxes' message counts (app_voicemail raises them as
    messages are left, heard or deleted) and takes the other's."""
    _outbound_publish(conf, snap, t, publication(t), "asterisk-devicestate")
    _outbound_publish(conf, snap, t, publication(t, "mailboxes"), "asterisk-mwi")
    i = conf.section(name)
    i.set("type", "inbound-publication")
    i.set("endpoint", name)
    i.set("event_asterisk-devicestate", name)
    i.set("event_asterisk-mwi", name)
    a = conf.section(name)
    a.set("type", "asterisk-publication")
    a.set("devicestate_publish", publication(t))
    a.set("device_state", True)
    a.set("device_state_filter", "^PJSIP/" if snap.sites.own == HEADQUARTERS else f"^(PJSIP/|{RELAYED_PREFIX})")
    a.set("mailboxstate_publish", publication(t, "mailboxes"))
    a.set("mailbox_state", True)
    a.set("mailbox_state_filter", MAILBOX_FILTER)


def _outbound_publish(conf: ConfFile, snap: Snapshot, t, name: str, event: str) -> None:
    p = conf.section(name)
    p.set("type", "outbound-publish")
    p.set("server_uri", f"sip:site{snap.sites.own}@{t.address}:{snap.system.sip_port}")
    p.set("event", event)
    p.set("outbound_auth", endpoint(t.number))
    p.set("transport", "transport-udp")
    p.set("expiration", PUBLISH_EXPIRES)


def _mailbox_lamps(conf: ConfFile, snap: Snapshot) -> None:
    """A phone SUBSCRIBEs to message-summary for a colleague's number at another site (as for one
    here: render/pjsip.py), and Asterisk answers from the mailbox state published for it: an AOR of
    that number which nothing registers to (max_contacts stays 0). The site publishes its own
    mailboxes to the other end of its trunk; a branch's mailboxes reach the other branches as
    headquarters' supervisor passes them on (appliance/sites/mailboxes.py), for the same extensions
    as busy lamps (not those of branches dialled by prefix only)."""
    own = {e.number for e in snap.extensions}
    for extension, _number in snap.sites.watched:
        if extension not in own:
            r = conf.section(extension)
            r.set("type", "aor")
            r.set("mailboxes", mailbox(extension))


def dialplan(body: ConfFile, snap: Snapshot, first_route: int | None) -> None:
    """`first_route`: the outbound route with a trunk that local breakout leaves by (None: none)."""
    sites = snap.sites
    if not sites.trunks:
        return
    # Included in callbox-phones before the outbound routes: a site's range is never an outside call.
    ranges = body.section(SITES_CONTEXT)
    for pattern, number in sites.ranges:
        ranges.exten(f"{pattern},1,Gosub(callbox-site-dial,s,1({number},${{EXTEN}}))")
        ranges.same("n,Hangup()")
    for pattern, number, strip in sites.prefixed:
        ranges.exten(f"{pattern},1,Gosub(callbox-site-dial,s,1({number},${{EXTEN{f':{strip}' if strip else ''}}}))")
        ranges.same("n,Hangup()")
    # The other sites' extensions by number, with a hint on the state that site publishes for them;
    # a branch reaches the other branches' through headquarters, and their states as it relays them.
    literal = {pattern for pattern, _ in sites.ranges if not pattern.startswith("_")}
    direct = {t.number for t in sites.trunks}
    for extension, number in sites.watched:
        via = number if number in direct else HEADQUARTERS
        if extension not in literal:
            ranges.exten(f"{extension},1,Gosub(callbox-site-dial,s,1({via},${{EXTEN}}))")
            ranges.same("n,Hangup()")
        device = f"PJSIP/{extension}" if number in direct else relayed_device(extension)
        ranges.exten(f"{extension},hint,{device}")

    # ARG1: the site; ARG2: the number. Never back to the site the call came from (a loop).
    d = body.section("callbox-site-dial")
    d.exten('s,1,GotoIf(${REGEX("^site${ARG1}$" ${CHANNEL(endpoint)})}?loop)')
    d.same("n,Dial(PJSIP/${ARG2}@site${ARG1},${CALLBOX_RING_TIMEOUT})")
    d.same('n,GotoIf(${REGEX("^(CHANUNAVAIL|CONGESTION)$" ${DIALSTATUS})}?:done)')
    d.same("n(loop),Playback(all-circuits-busy-now)")
    d.same("n(done),Return()")

    f = body.section(FROM_SITES)
    f.exten("_X!,1,Set(CALLBOX_FROM_SITE=${CHANNEL(endpoint)})")
    # Calls to a phone here or passed on to a site show the caller as they are dialled from here.
    f.same("n,GosubIf(${IF(${DIALPLAN_EXISTS(callbox-extensions,${EXTEN},1)}?1:"
           "${DIALPLAN_EXISTS(callbox-sites,${EXTEN},1)})}?callbox-site-caller,s,1)")
    f.same("n,GotoIf(${DIALPLAN_EXISTS(callbox-extensions,${EXTEN},1)}?callbox-extensions,${EXTEN},1)")
    f.same("n,GotoIf(${DIALPLAN_EXISTS(callbox-sites,${EXTEN},1)}?callbox-sites,${EXTEN},1)")
    # The caller's class, as its own box checked it; only characters a class name has ('-' first:
    # FILTER reads a dash between two characters as a range).
    f.same(f"n,Set(CALLBOX_PERMITTED=${{FILTER(-a-z0-9_,${{PJSIP_HEADER(read,{CLASS_HEADER})}})}})")
    f.same("n,Set(CALLBOX_DIAL=${EXTEN})")
    f.same("n,GotoIf(${DIALPLAN_EXISTS(callbox-site-local-breakout,${EXTEN},1)}?local)")
    # Another branch's area: headquarters passes the call on (the caller's box falls back when it fails).
    f.same("n,GotoIf(${DIALPLAN_EXISTS(callbox-site-breakouts,${EXTEN},1)}?:none)")
    f.same("n,Gosub(callbox-site-breakout,try,1)")
    f.same("n,Congestion(5)")
    f.same("n(none),Log(NOTICE,callbox: call from ${CALLBOX_FROM_SITE} to ${EXTEN} refused: not a number here)")
    f.same("n,Hangup(1)")  # unallocated number
    if first_route is not None and sites.local_breakout:
        f.same("n(local),Set(CALLBOX_CLASS=${CALLBOX_PERMITTED})")
        f.same("n,Set(CALLBOX_BY=${CALLBOX_FROM_SITE})")
        # A number of this site's own area is a local call here.
        f.same("n,Gosub(callbox-permit,s,1(local,${EXTEN}))")
        f.same(f"n,Goto(callbox-route-{first_route},s,1)")
    else:
        f.same("n(local),Congestion(5)")
    # The caller as this box's phones dial it back: with its site's prefix where that site is
    # dialled by prefix only (CHANNEL(endpoint) is site<number>; only digits are looked up).
    c = body.section("callbox-site-caller")
    c.exten("s,1,Set(LOCAL(prefixed)=${CALLBOX_FROM_SITE:4}*${FILTER(0-9,${CALLERID(num)})})")
    c.same("n,ExecIf(${DIALPLAN_EXISTS(callbox-site-callers,${LOCAL(prefixed)},1)}?"
           "Set(CALLERID(num)=${LOCAL(prefixed)}))")
    c.same("n,Return()")
    callers = body.section("callbox-site-callers")
    for pattern in sites.callers:
        callers.exten(f"{pattern},1,NoOp(a caller at a site dialled by prefix only)")

    own = body.section("callbox-site-local-breakout")
    for pattern in sites.local_breakout:
        own.exten(f"{pattern},1,NoOp(this site's area)")

    # Gosub'd by every outbound route: a number in another site's area leaves through that site
    # while its trunk answers its qualify; otherwise (or when the site cannot take it) it returns
    # and the route's own trunks take it. Calls that came from a site are not sent on again.
    out = body.section("callbox-site-breakouts")
    for pattern, number in sites.breakouts:
        out.exten(f"{pattern},1,Return({number})")
    b = body.section("callbox-site-breakout")
    b.exten("s,1,GotoIf(${LEN(${CALLBOX_FROM_SITE})}?done)")
    b.same("n,Goto(try,1)")
    b.same("n(done),Return()")
    b.exten("try,1,GotoIf(${DIALPLAN_EXISTS(callbox-site-breakouts,${CALLBOX_DIAL},1)}?:done)")
    b.same("n,Gosub(callbox-site-breakouts,${CALLBOX_DIAL},1)")
    b.same("n,Set(LOCAL(site)=site${GOSUB_RETVAL})")
    b.same('n,GotoIf(${REGEX("^${LOCAL(site)}$" ${CHANNEL(endpoint)})}?done)')
    b.same('n,GotoIf(${REGEX("^(UNAVAILABLE|INVALID)$" ${DEVICE_STATE(PJSIP/${LOCAL(site)})})}?done)')
    b.same("n,Dial(PJSIP/${CALLBOX_DIAL}@${LOCAL(site)},,b(callbox-site-class^s^1(${CALLBOX_PERMITTED}))"
           "${CALLBOX_TRUNKOPTS})")
    b.same('n,GotoIf(${REGEX("^(CHANUNAVAIL|CONGESTION)$" ${DIALSTATUS})}?done)')
    b.same("n,Hangup()")
    b.same("n(done),Return()")
    c = body.section("callbox-site-class")
    c.exten(f"s,1,Set(PJSIP_HEADER(add,{CLASS_HEADER})=${{ARG1}})")
    c.same("n,Return()")
