"""What every endpoint of an extension carries, the desk phone's and the browser's alike: its
keypad, its language, its pickup groups, the marks the dial plan reads, and its auth section."""

from __future__ import annotations

import hashlib
import hmac

from ..conf import ConfFile, Section
from ..snapshot import ExtensionView

VM_CONTEXT = "default"  # voicemail.conf's context of every mailbox


def mailbox(number: str) -> str:
    """A mailbox as Asterisk names it (for MWI, and between sites)."""
    return f"{number}@{VM_CONTEXT}"


def extension_common(conf: ConfFile, e: Section, name: str, ext: ExtensionView, language: str,
                     transfer_context: str, password: str) -> None:
    e.set("dtmf_mode", "rfc4733")
    e.set("language", language)
    # Marks the box's own phones in the dial plan (a trunk's caller may not transfer), and
    # where ## and *2 and a phone's REFER dial the transfer target.
    if ext.pickup_groups:  # rung, it may be picked up in its groups; its *8 picks up in them
        e.set("named_call_group", ext.pickup_groups)
        e.set("named_pickup_group", ext.pickup_groups)
    e.set("set_var", "CALLBOX_PHONE=1")
    e.set("set_var", f"TRANSFER_CONTEXT={transfer_context}")
    auth(conf, name, name, password)


def auth(conf: ConfFile, name: str, username: str, password: str) -> None:
    """A user name and password section (extensions, their guards, trunks and sites alike)."""
    a = conf.section(name)
    a.set("type", "auth")
    a.set("auth_type", "userpass")
    a.set("username", username)
    a.set("password", password)


def derived_password(secret: str, purpose: str) -> str:
    """A SIP password derived one-way from an extension's secret for `purpose`: no desk phone
    has it, and a new secret changes it."""
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).hexdigest()[:32]
