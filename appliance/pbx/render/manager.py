"""manager.conf: the AMI, on loopback only, for the supervisor alone, carrying only the events
it reads (ami_events.py says which and why)."""

from __future__ import annotations

from ..ami_events import DISABLED, USED
from ..conf import ConfFile
from ..snapshot import Snapshot


def render(snap: Snapshot) -> dict[str, str]:
    s = snap.system
    conf = ConfFile("manager.conf: Asterisk Manager Interface")
    g = conf.section("general")
    g.set("enabled", True)
    g.set("webenabled", False)
    g.set("bindaddr", s.ami_host)
    g.set("port", s.ami_port)
    g.set("displayconnects", False)
    g.set("disabledevents", ",".join(sorted(DISABLED)))
    u = conf.section(s.ami_user)
    u.set("secret", s.ami_secret)
    u.set("deny", "0.0.0.0/0.0.0.0")
    u.set("permit", "127.0.0.1/255.255.255.255")
    u.set("read", "all")
    u.set("write", "all")
    u.set("writetimeout", "5000")
    for name in sorted(USED):
        u.set(f"eventfilter(name({name}))", "")
    return {"manager.conf": conf.render()}
