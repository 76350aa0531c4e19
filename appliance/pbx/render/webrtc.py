"""Phones in browsers: Asterisk's web server (http.conf) carrying SIP over WebSocket, and the
WebRTC endpoint an extension gets when its user turns on "phone in this browser".

The browser phone is a second endpoint, `<number>-web`, with its own AOR and a password derived
from the extension's SIP secret (so the desk phone's secret never reaches a browser, and a new
SIP password retires the browser's too). Calls to the extension ring both (`devices`); a queue
rings an agent with a browser phone through a Local channel that dials both, and reads the
agent's state from the extension's hint, so a browser alone keeps the agent available.
"""

from __future__ import annotations

from ..conf import ConfFile
from ..snapshot import ExtensionView, Snapshot
from .phones import derived_password, extension_common

SUFFIX = "-web"
WS_PATH = "/ws"
# Opus first: browsers speak it natively; G.711 for calls from trunks and desk phones without
# transcoding where the other side has only that.
CODECS = "opus,ulaw,alaw"
#: The dial plan context a queue's Local member runs (see queues.interface).
AGENT_CONTEXT = "callbox-agent-devices"
HINT_CONTEXT = "callbox-extensions"  # where each extension's hint lives (dialplan._extensions)


def endpoint(number: str) -> str:
    return number + SUFFIX


def password(secret: str) -> str:
    """The browser phone's SIP password: derived from the extension's secret, one-way."""
    return derived_password(secret, "callbox browser phone")


def devices(number: str, browser: bool) -> str:
    """What Dial() rings for an extension: the desk phone, and the browser where it has one."""
    desk = f"PJSIP/{number}"
    return f"{desk}&PJSIP/{endpoint(number)}" if browser else desk


def browser_numbers(snap: Snapshot) -> set[str]:
    return {e.number for e in snap.extensions if e.browser_phone}


def render(snap: Snapshot) -> dict[str, str]:
    s = snap.system
    http = ConfFile("http.conf: Asterisk's web server, for SIP over WebSocket only")
    g = http.section("general")
    g.set("enabled", True)
    g.set("bindaddr", s.webrtc_host)
    g.set("bindport", s.webrtc_port)
    g.set("servername", "Callbox")
    # Nothing but the WebSocket: no files, no status page.
    g.set("enablestatic", False)
    g.set("enable_status", False)
    g.set("sessionlimit", "1000")
    if s.webrtc_tls_port and s.tls_cert:
        # wss for pages served over HTTPS, with the certificate the web UI serves.
        g.set("tlsenable", True)
        g.set("tlsbindaddr", f"[{s.webrtc_host}]:{s.webrtc_tls_port}" if ":" in s.webrtc_host
              else f"{s.webrtc_host}:{s.webrtc_tls_port}")
        g.set("tlscertfile", s.tls_cert)
        g.set("tlsprivatekey", s.tls_key)
    return {"http.conf": http.render()}


def transport(transports: ConfFile, snap: Snapshot) -> None:
    protocols = ("ws", "wss") if snap.system.webrtc_tls_port and snap.system.tls_cert else ("ws",)
    for proto in protocols:
        t = transports.section(f"transport-{proto}")
        t.set("type", "transport")
        t.set("protocol", proto)
        t.set("bind", "0.0.0.0")  # ignored for WebSocket: the connection comes through http.conf's server


def browser_endpoint(conf: ConfFile, ext: ExtensionView, snap: Snapshot, phone_context: str) -> None:
    name = endpoint(ext.number)
    e = conf.section(name)
    e.set("type", "endpoint")
    e.set("context", phone_context)
    e.set("disallow", "all")
    e.set("allow", CODECS)
    e.set("auth", name)
    e.set("aors", name)
    # The extension's own identity: callers and reports see the extension, not the device.
    e.set("callerid", f'"{ext.name}" <{ext.number}>')
    # DTLS-SRTP with a certificate Asterisk makes, ICE, AVPF, rtcp-mux, bundle.
    e.set("webrtc", True)
    if snap.system.tls_cert:
        # The box's certificate (browsers check its fingerprint in the SDP, not a CA).
        e.set("dtls_cert_file", snap.system.tls_cert)
        e.set("dtls_private_key", snap.system.tls_key)
    else:
        e.set("dtls_auto_generate_cert", True)
    e.set("direct_media", False)
    extension_common(conf, e, name, ext, snap.language("extension", ext.number), phone_context, password(ext.secret))
    r = conf.section(name)
    r.set("type", "aor")
    # One browser at a time: a second tab (or a reload) takes over from the first.
    r.set("max_contacts", "1")
    r.set("remove_existing", True)
    r.set("qualify_frequency", "30")


def agent_devices(body: ConfFile, snap: Snapshot) -> None:
    """The Local channel a queue rings for an agent with a browser phone: both devices at once.
    The queue's own ring time bounds it (Dial has no timeout of its own here)."""
    if not browser_numbers(snap):
        return
    ctx = body.section(AGENT_CONTEXT)
    for number in sorted(browser_numbers(snap)):
        ctx.exten(f"{number},1,Dial({devices(number, True)})")
        ctx.same("n,Hangup()")
