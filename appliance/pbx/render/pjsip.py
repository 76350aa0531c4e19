"""pjsip.conf (endpoints) and pjsip_transports.conf (listening sockets).

Transports live in their own file because PJSIP cannot change a transport on
reload; the applier restarts Asterisk when that file changes and only reloads
res_pjsip for the rest.

An extension set to TLS is refused over UDP and TCP by Asterisk itself. Both plain transports
carry a `domain`, and PJSIP identifies a request's endpoint as `<user>@<that domain>` before it
falls back to `<user>`; a guard endpoint of that name stands for each TLS extension. Its password
is none the phone knows, so the extension's own password over UDP or TCP fails as a wrong one
would (ChallengeResponseFailed, which the ban engine counts); it has no AOR (no binding,
whatever was sent); its calls land in the context that refuses calls not over TLS. A From
domain of the sender's choosing cannot skip it: the fallback to `<user>` comes after the
transport's domain.

Limits, both from how PJSIP finds the transport's domain (by the listener's address and port):
UDP and TCP share one domain, since a UDP request also matches the TCP listener on the same
address and port (so a TCP extension is not refused over UDP: it is no secrecy setting, and
calls to it go over TCP all the same); and a TCP connection to an address of the box other than
the one its TCP listener names (a box on 0.0.0.0 with several networks) finds no domain. Such a
binding still meets the TLS-only context for its calls and is called over TLS only.
"""

from __future__ import annotations

from ..conf import ConfFile, check_value
from ..snapshot import Snapshot
from . import sites, webrtc
from .phones import auth, derived_password, extension_common, mailbox

PHONE_CONTEXT = "callbox-phones"
#: Where calls from an extension set to TLS enter: refused unless they came over TLS (dialplan.py).
TLS_ONLY_CONTEXT = "callbox-phones-tls"
#: TLS protocol versions pjproject may negotiate from (phones of the last decade speak 1.2).
TLS_METHOD = "tlsv1_2"
TRUNK_CONTEXT = "callbox-from-trunks"
CODECS = "ulaw,alaw,g722"
TRUNK_CODECS = "alaw,ulaw"
#: Asterisk's qualify waits this long for an answer; a contact that gives none is unavailable,
#: and a REGISTER that needs its place then takes it (remove_unavailable).
QUALIFY_TIMEOUT = "3.0"
#: The domain of the UDP and TCP transports (a name that is no host's: .invalid).
PLAIN_DOMAIN = "plain.callbox.invalid"


def guard(number: str) -> str:
    """The endpoint that answers for a TLS extension over UDP and TCP (module docstring)."""
    return f"{number}@{PLAIN_DOMAIN}"


def guards(snap: Snapshot) -> set[str]:
    """Every guard endpoint pjsip.conf has (the applier checks Asterisk loaded them)."""
    return {guard(e.number) for e in snap.extensions if e.transport == "tls"}


def render(snap: Snapshot) -> dict[str, str]:
    s = snap.system
    transports = ConfFile("pjsip_transports.conf: SIP listening sockets")
    bind = f"[{s.sip_host}]:{s.sip_port}" if ":" in s.sip_host else f"{s.sip_host}:{s.sip_port}"
    for proto in ("udp", "tcp"):
        t = transports.section(f"transport-{proto}")
        t.set("type", "transport")
        t.set("protocol", proto)
        t.set("bind", bind)
        t.set("domain", PLAIN_DOMAIN)  # for the guard endpoints (module docstring)
        _nat(t, snap)
    if s.tls_cert:
        t = transports.section("transport-tls")
        t.set("type", "transport")
        t.set("protocol", "tls")
        t.set("bind", bind.rpartition(":")[0] + f":{s.sip_port + 1}")
        t.set("cert_file", s.tls_cert)
        t.set("priv_key_file", s.tls_key)
        t.set("method", TLS_METHOD)
        _nat(t, snap)
    webrtc.transport(transports, snap)

    # An owner's new certificate changes this file, and its reload has Asterisk restart the TLS
    # listener on the new files (only a reload that finds the files changed does).
    cert = snap.settings.tls_certificate
    conf = ConfFile("pjsip.conf: phones" + (f" (TLS certificate {check_value(cert, 'tls_certificate')})"
                                            if cert else ""))
    g = conf.section("global")
    g.set("type", "global")
    g.set("user_agent", "Callbox")
    g.set("default_realm", "callbox")
    # A scanner probing for extensions sees the same answer for every name.
    g.set("unidentified_request_count", "5")
    g.set("unidentified_request_period", "5")
    conf.include("pjsip_transports.conf")

    seat_of = dict(snap.seats.addresses)
    for ext in snap.extensions:
        n = ext.number
        e = conf.section(n)
        e.set("type", "endpoint")
        e.set("context", TLS_ONLY_CONTEXT if ext.transport == "tls" else PHONE_CONTEXT)
        if snap.seats.network:
            # Through the tunnel, only an extension's own remote seat may register or call as it
            # (appliance/vpn/seats.py): Asterisk answers others 403 (FailedACL). The last matching
            # rule decides, so the seat's permit after the network's deny lets it in.
            e.set("deny", snap.seats.network)
            if n in seat_of:
                e.set("permit", f"{seat_of[n]}/32")
        if ext.transport != "udp":  # udp: as the phone registered (UDP unless it chose TCP)
            e.set("transport", f"transport-{ext.transport}")
        if ext.srtp != "off":
            # SDES keys in the SDP: secret only over TLS, which the page says.
            e.set("media_encryption", "sdes")
            e.set("media_encryption_optimistic", ext.srtp == "optional")
        e.set("disallow", "all")
        e.set("allow", CODECS)
        e.set("auth", n)
        e.set("aors", n)
        e.set("callerid", f'"{ext.name}" <{n}>')
        if ext.has_mailbox:
            e.set("mailboxes", mailbox(n))
        e.set("direct_media", False)
        e.set("rtp_symmetric", True)
        e.set("force_rport", True)
        e.set("rewrite_contact", True)
        extension_common(conf, e, n, ext, snap.language("extension", n), PHONE_CONTEXT, ext.secret)
        r = conf.section(n)
        r.set("type", "aor")
        # One binding, never replaced while it answers: a REGISTER from another address with the
        # right password (cracked elsewhere) once took the desk phone's calls. Asterisk refuses it
        # (403, a FailedACL the ban engine counts, appliance/security/binding.py); a binding that
        # stops answering qualify makes room, so a phone that moved or rebooted gets back in. The
        # browser phone has its own AOR.
        r.set("max_contacts", "1")
        r.set("remove_existing", False)
        r.set("remove_unavailable", True)
        r.set("qualify_frequency", "30")
        r.set("qualify_timeout", QUALIFY_TIMEOUT)
        if ext.has_mailbox:
            # A colleague's phone SUBSCRIBEs to message-summary for this number and its lamp shows
            # this mailbox (its own phone has it unsolicited, from the endpoint).
            r.set("mailboxes", mailbox(n))
        if ext.transport == "tls":
            _guard(conf, ext)
        if ext.browser_phone:
            webrtc.browser_endpoint(conf, ext, snap, PHONE_CONTEXT)
    for trunk in (t for t in snap.trunks if t.kind == "sip"):
        _trunk(conf, trunk, snap.language("trunk", trunk.id))
    sites.trunks(conf, snap)
    return {"pjsip_transports.conf": transports.render(), "pjsip.conf": conf.render()}


def _guard(conf: ConfFile, ext) -> None:
    """The endpoint that answers for the TLS extension `ext` over UDP and TCP (module docstring)."""
    name = guard(ext.number)
    e = conf.section(name)
    e.set("type", "endpoint")
    e.set("context", TLS_ONLY_CONTEXT)
    e.set("disallow", "all")
    e.set("allow", CODECS)
    e.set("auth", name)
    auth(conf, name, ext.number, derived_password(ext.secret, "callbox refused over udp and tcp"))


def _nat(t, snap: Snapshot) -> None:
    """A phone behind a home router works without NAT tricks of its own: the box names its
    public address in SIP and SDP to addresses outside its own networks. The other sites and the
    remote seats' phones are reached through the tunnel, never through the public address."""
    import ipaddress

    settings = snap.settings
    if settings.sip_external_address:
        t.set("external_media_address", settings.sip_external_address)
        t.set("external_signaling_address", settings.sip_external_address)
        # The tunnels' network: the other sites, and the remote seats' phones (seats.py).
        tunnels = snap.sites.network if snap.sites.trunks else snap.seats.network if snap.seats.addresses else None
        if tunnels:
            t.set("local_net", tunnels)
    for net in settings.sip_local_networks:
        t.set("local_net", str(ipaddress.ip_network(net, strict=False)))


def _trunk(conf: ConfFile, t, language: str) -> None:
    name = t.endpoint
    host = f"[{t.host}]" if ":" in t.host else t.host
    uri = f"sip:{host}:{t.port}"
    transport = f"transport-{t.transport}"
    if t.username:
        auth(conf, name, t.username, t.secret or "")
    r = conf.section(name)
    r.set("type", "aor")
    # Before the contact: Asterisk qualifies a static contact only if told so first.
    r.set("qualify_frequency", "60")
    r.set("contact", uri)
    e = conf.section(name)
    e.set("type", "endpoint")
    e.set("transport", transport)
    e.set("context", TRUNK_CONTEXT)
    e.set("disallow", "all")
    e.set("allow", TRUNK_CODECS)
    e.set("aors", name)
    if t.username:
        e.set("outbound_auth", name)
        e.set("from_user", t.username)
    e.set("from_domain", t.from_domain or t.host)
    e.set("direct_media", False)
    e.set("rtp_symmetric", True)
    e.set("force_rport", True)
    e.set("rewrite_contact", True)
    e.set("dtmf_mode", "rfc4733")
    e.set("trust_id_inbound", True)
    e.set("language", language)
    i = conf.section(name)
    i.set("type", "identify")
    i.set("endpoint", name)
    i.set("match", t.host)
    if t.register:
        g = conf.section(name)
        g.set("type", "registration")
        g.set("transport", transport)
        g.set("outbound_auth", name)
        g.set("server_uri", uri)
        g.set("client_uri", f"sip:{t.username}@{host}:{t.port}")
        g.set("contact_user", t.username)
        g.set("retry_interval", "60")
        g.set("forbidden_retry_interval", "600")
        g.set("max_retries", "10000")
        g.set("expiration", "3600")
        g.set("line", True)
        g.set("endpoint", name)
