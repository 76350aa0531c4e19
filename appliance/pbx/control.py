"""The applier's view of a running Asterisk, over AMI. No decisions here."""

from __future__ import annotations

import re
from typing import Callable

from ..ami import AMIClient, AMIError
from ..errors import Conflict, Unavailable

_EID = re.compile(r"^\s*Entity ID:\s*([0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5})\s*$", re.M)


def entity_id(ami: AMIClient) -> str | None:
    """Asterisk's entity id (its eid, lower case): the key under which other boxes keep the states
    it publishes to them. None if Asterisk does not say (AMIError or OSError if it is away)."""
    found = _EID.search(ami.command("core show settings"))
    return found.group(1).lower() if found else None


def send(ami: AMIClient, name: str, pairs: list | None = None, **fields) -> dict:
    """An action someone asked for through the API: a clear error when Asterisk is away or says no.
    `pairs`: fields that repeat (Originate's Variable)."""
    if not ami.connected:
        raise Unavailable("telephony is restarting; try again in a moment")
    try:
        return ami.action(name, pairs, **fields)
    except AMIError as exc:
        raise Conflict(f"Asterisk refused: {exc.message}") from None


class AsteriskControl:
    def __init__(self, ami: AMIClient, restart: Callable[[str], None]):
        self.ami = ami
        self._restart = restart

    def reload(self, module: str) -> None:
        try:
            self.ami.action("Reload", Module=module, timeout=60)
        except AMIError as exc:
            raise AMIError(f"reload of {module} failed: {exc}") from exc

    def _list(self, action: str, event: str, key: str, empty: str, **fields) -> list:
        try:
            _, events = self.ami.action_list(action, timeout=60, **fields)
        except AMIError as exc:
            # Asterisk answers some empty lists with an error rather than no events.
            if empty in str(exc):
                return []
            raise
        return [ev for ev in events if ev.name == event]

    def endpoints(self) -> set[str]:
        return {ev.get("ObjectName") for ev in self._list("PJSIPShowEndpoints", "EndpointList", "ObjectName", "No endpoints found")}

    def mailboxes(self) -> set[str]:
        return {
            ev.get("VoiceMailbox")
            for ev in self._list("VoicemailUsersList", "VoicemailUserEntry", "VoiceMailbox", "no voicemail users")
            if ev.get("VMContext") == "default"
        }

    def queues(self) -> set[str]:
        return {ev.get("Queue") for ev in self._list("QueueSummary", "QueueSummary", "Queue", "No queues")}

    # -- chan_dahdi ----------------------------------------------------------------

    def dahdi_restart(self) -> None:
        """chan_dahdi closes and opens every DAHDI channel with its file as it is now (calls on
        them end); Asterisk itself runs on."""
        try:
            self.ami.action("DAHDIRestart", timeout=60)
        except AMIError as exc:
            raise AMIError(f"chan_dahdi restart failed: {exc}") from exc

    def dahdi_destroy(self, first: int, last: int) -> None:
        """chan_dahdi lets go of channels `first` to `last` (it frees each one whatever is on it:
        their calls must have ended)."""
        self._dahdi_command(f"dahdi destroy channels {first} {last}")

    def dahdi_create(self, first: int, last: int) -> None:
        """chan_dahdi opens channels `first` to `last` with what its file says of them now."""
        self._dahdi_command(f"dahdi create channels {first} {last}")

    def _dahdi_command(self, command: str) -> None:
        try:
            self.ami.command(command, timeout=60)
        except AMIError as exc:
            raise AMIError(f"{command} failed: {exc}") from exc

    def dahdi_channels(self) -> set[int]:
        return set(self.dahdi_calls())

    def dahdi_calls(self) -> dict[int, bool]:
        """Each DAHDI channel chan_dahdi runs, and whether a call is on it (it names an Asterisk channel)."""
        return {n: bool(ev.get("Channel") or ev.get("Uniqueid")) for n, ev in self._dahdi_channels().items()}

    def dahdi_call_channels(self, channel: int | None = None) -> dict[int, str]:
        """Each DAHDI channel that carries a call (or only `channel`), and the Asterisk channel on it."""
        return {n: ev.get("Channel") or ev.get("Uniqueid") for n, ev in self._dahdi_channels(channel).items()
                if ev.get("Channel") or ev.get("Uniqueid")}

    def _dahdi_channels(self, channel: int | None = None) -> dict:
        only = {"DAHDIChannel": str(channel)} if channel is not None else {}
        events = self._list("DAHDIShowChannels", "DAHDIShowChannels", "DAHDIChannel", "No channels", **only)
        return {int(ev.get("DAHDIChannel")): ev for ev in events
                if (ev.get("DAHDIChannel") or "").isdigit() and int(ev.get("DAHDIChannel")) > 0}

    def hangup(self, channel: str, cause: int) -> None:
        self.ami.action("Hangup", Channel=channel, Cause=str(cause))

    def pri_spans(self) -> set[int]:
        events = self._list("PRIShowSpans", "PRIShowSpans", "Span", "No PRI")
        return {int(ev.get("Span")) for ev in events if (ev.get("Span") or "").isdigit()}

    def dahdi_spans(self) -> set[int]:
        events = self._list("DAHDIShowStatus", "DAHDIShowStatus", "Span", "No spans")
        return {int(ev.get("Span")) for ev in events if (ev.get("Span") or "").isdigit()}

    def getvar(self, name: str) -> str | None:
        return self.ami.action("Getvar", Variable=name).get("Value")

    def restart(self, reason: str) -> None:
        self._restart(reason)

    def remove_message(self, mailbox: str, folder: str, msg_id: str) -> None:
        send(self.ami, "VoicemailRemove", Mailbox=mailbox, Context="default", Folder=folder, ID=msg_id)
