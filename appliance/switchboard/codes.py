"""Feature codes that change settings: the caller's own extension (*76, *72N, *90N, *52N, *21 and
friends), the blacklist (*30N, *31N, *32) and, from a supervisor's phone, a time condition (*28N).

The dial plan asks over FastAGI; the change goes through the same service as the extension's
page (same checks, same journal), and the phone hears the outcome only once the PBX runs it.
"""

from __future__ import annotations

import logging

from ..blacklist import service as blacklist
from ..db.models import Extension
from ..errors import BoxError
from ..extensions import service as extensions
from ..log import kv
from ..pbx.snapshot import System
from ..timeconditions import service as timeconditions

log = logging.getLogger(__name__)

#: What the caller hears for each forward (Asterisk's core sounds).
FORWARD_SOUNDS = {"all": "call-fwd-unconditional", "busy": "call-fwd-on-busy", "no_answer": "call-fwd-no-ans"}
SETTINGS = ("dnd", "follow_me", *FORWARD_SOUNDS)
ACTIONS = ("toggle", "on", "off", "set")


def change_for(ext: Extension, setting: str, action: str, to: str) -> dict:
    """The extension PATCH a code stands for."""
    if setting == "dnd":
        return {"dnd": {"toggle": not ext.dnd, "on": True, "off": False}[action]}
    if setting == "follow_me":
        return {"follow_me": {"enabled": {"toggle": not ext.follow_me_enabled, "on": True, "off": False}[action]}}
    return {"forward": {setting: to if action == "set" else None}}


class SettingCodes:
    def __init__(self, wait_settled, sounds_dir: str = System.sounds_dir):
        self.wait_settled = wait_settled
        self.sounds = sounds_dir

    def _change(self, session, what: str, make, **about) -> bool:
        """Make a change (`make` returns its revision or None) and wait until the PBX runs it;
        a refusal is an error beep. True when it was made."""
        try:
            revision = make()
            if revision is not None:
                self.wait_settled(revision)
        except (BoxError, ValueError) as exc:
            log.info(f"{what} refused", extra=kv(**about, reason=getattr(exc, "message", str(exc))))
            session.stream("beeperr")
            return False
        log.info(what, extra=kv(**about))
        return True

    def setting(self, session) -> None:
        setting, _, action = session.params.get("change", "").rpartition("-")
        number = session.endpoint()
        ext = Extension.get_or_none(Extension.number == number)
        if ext is None or setting not in SETTINGS or action not in ACTIONS:
            session.stream("beeperr")
            return
        # Read from the channel, not the AGI URL: dialled digits never reach the request line.
        to = session.get("CALLBOX_TO") or ""
        if action == "set" and not to:  # nothing dialled after the beep: nothing to set
            session.stream("beeperr")
            return
        change = change_for(ext, setting, action, to)
        if not self._change(session, "feature code",
                            lambda: extensions.update(number, change, f"phone {number}", partial=True)[2],
                            extension=number, change=change):
            return
        if setting == "dnd":
            session.stream("do-not-disturb")
            session.stream("activated" if change["dnd"] else "de-activated")
        elif setting == "follow_me":
            session.stream(f"{self.sounds}/{session.language()}/follow-me-{'on' if change['follow_me']['enabled'] else 'off'}")
        elif change["forward"][setting]:
            session.stream(FORWARD_SOUNDS[setting])
            session.stream("is-set-to")
            session.say_digits(to)
        else:
            session.stream(FORWARD_SOUNDS[setting])
            session.stream("de-activated")

    def time_override(self, session) -> None:
        """*28N (the dial plan lets only supervisors' phones here)."""
        number = session.endpoint()
        code = session.params.get("code", "")
        if self._change(session, "time condition set by hand",
                        lambda: timeconditions.toggle_override(int(code), f"phone {number}")[1],
                        extension=number, code=code):
            forced = timeconditions.get_by_code(int(code)).override
            session.stream("activated" if forced else "de-activated")

    def blacklist(self, session) -> None:
        """*30N adds N, *31N takes N off, *32 adds the phone's last caller from outside."""
        number = session.endpoint()
        change = session.params.get("change", "")
        if not Extension.select().where(Extension.number == number).exists() or \
                change not in ("add", "remove", "last"):
            session.stream("beeperr")
            return
        if change == "last":
            caller = session.command(f"GET FULL VARIABLE ${{DB(CALLBOX_LAST/{number})}}").data or ""
        else:
            caller = session.get("CALLBOX_TO") or ""
        act = blacklist.remove_number if change == "remove" else blacklist.add_number
        if not self._change(session, "blacklist code", lambda: act(caller, f"phone {number}"),
                            extension=number, change=change, caller=caller):
            return
        session.say_digits(caller)
        session.stream("de-activated" if change == "remove" else "activated")
