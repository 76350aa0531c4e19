"""manager.conf: the AMI, on loopback only, for the supervisor alone."""

from __future__ import annotations

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
    u = conf.section(s.ami_user)
    u.set("secret", s.ami_secret)
    u.set("deny", "0.0.0.0/0.0.0.0")
    u.set("permit", "127.0.0.1/255.255.255.255")
    u.set("read", "all")
    u.set("write", "all")
    u.set("writetimeout", "5000")
    return {"manager.conf": conf.render()}
