"""pjsip.conf (endpoints) and pjsip_transports.conf (listening sockets).

Transports live in their own file because PJSIP cannot change a transport on
reload; the applier restarts Asterisk when that file changes and only reloads
res_pjsip for the rest.
"""

from __future__ import annotations

from ..conf import ConfFile
from ..snapshot import Snapshot

PHONE_CONTEXT = "callbox-phones"
CODECS = "ulaw,alaw,g722"


def render(snap: Snapshot) -> dict[str, str]:
    s = snap.system
    transports = ConfFile("pjsip_transports.conf: SIP listening sockets")
    bind = f"[{s.sip_host}]:{s.sip_port}" if ":" in s.sip_host else f"{s.sip_host}:{s.sip_port}"
    for proto in ("udp", "tcp"):
        t = transports.section(f"transport-{proto}")
        t.set("type", "transport")
        t.set("protocol", proto)
        t.set("bind", bind)

    conf = ConfFile("pjsip.conf: phones")
    g = conf.section("global")
    g.set("type", "global")
    g.set("user_agent", "Callbox")
    g.set("default_realm", "callbox")
    # A scanner probing for extensions sees the same answer for every name.
    g.set("unidentified_request_count", "5")
    g.set("unidentified_request_period", "5")
    conf.include("pjsip_transports.conf")

    for ext in snap.extensions:
        n = ext.number
        e = conf.section(n)
        e.set("type", "endpoint")
        e.set("context", PHONE_CONTEXT)
        e.set("disallow", "all")
        e.set("allow", CODECS)
        e.set("auth", n)
        e.set("aors", n)
        e.set("callerid", f'"{ext.name}" <{n}>')
        if ext.has_mailbox:
            e.set("mailboxes", f"{n}@default")
        e.set("direct_media", False)
        e.set("rtp_symmetric", True)
        e.set("force_rport", True)
        e.set("rewrite_contact", True)
        e.set("dtmf_mode", "rfc4733")
        e.set("language", "en")
        a = conf.section(n)
        a.set("type", "auth")
        a.set("auth_type", "userpass")
        a.set("username", n)
        a.set("password", ext.secret)
        r = conf.section(n)
        r.set("type", "aor")
        r.set("max_contacts", "1")
        r.set("remove_existing", True)
        r.set("qualify_frequency", "30")
    return {"pjsip_transports.conf": transports.render(), "pjsip.conf": conf.render()}
