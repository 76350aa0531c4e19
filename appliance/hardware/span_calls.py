"""Calls on a span that goes into alarm or away (a card pulled, its cable cut) are ended by the box.

A card's driver going (a card pulled) tells every open channel of its spans it is removed, and
chan_dahdi then frees the channels of a PRI span so removed, whether a call is on them or not:
Asterisk 22 crashes when the call's other leg next reads the freed channel, and the phones on the
other end hear silence, never a BYE. A span in any other alarm carries no audio either. So:
- at chan_dahdi's first word of it (the "Not Open" alarm of a channel whose span DAHDI is taking
  away, raised as its driver lets go, a second or so before chan_dahdi frees the span), the call
  on that channel is hung up at once (RemovedChannels);
- as soon as a span that was clear is seen in alarm (DAHDI's own, or NOTOPEN while its driver
  lets go of it, or missing), every Asterisk channel on that span's DAHDI channels is hung up
  and waited for (end_calls); only then does anything else touch the span (its return
  reconfigures DAHDI and restarts chan_dahdi).
The callers' phones get a BYE and the call records close as for any other hang-up. What this
cannot beat: chan_dahdi at times frees a removed PRI span's channels within a tenth of a second of
DAHDI's word, before its own alarm event is out (seen under emulation); Asterisk then goes down
with the call, and the supervisor restarts it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable, Protocol

from ..log import kv

log = logging.getLogger(__name__)

# Q.850 "network out of order": what an E1 line lost is to the calls on it.
CAUSE = 38


# chan_dahdi's text for DAHDI's NOTOPEN alarm (its AMI event Alarm): the channel's span is going.
REMOVED = "Not Open"


class CallControl(Protocol):
    def dahdi_call_channels(self, channel: int | None = None) -> dict[int, str]:
        """Each DAHDI channel that carries a call (or only `channel`), and the Asterisk channel on it."""

    def hangup(self, channel: str, cause: int) -> None: ...


def lost(before: dict[int, list[str]], after: dict[int, list[str]]) -> list[int]:
    """The spans that were clear and are in alarm (or gone) now. A span not seen before (the box
    starting, spans not made yet) was not clear: it carries no call to end."""
    return sorted(n for n, alarms in after.items() if alarms and before.get(n) == [])


def channels(spans: list[dict], numbers: list[int], width: Callable[[list[str]], int]) -> set[int]:
    """The DAHDI channels of the spans numbered `numbers` (spans as the scan found them)."""
    out: set[int] = set()
    for span in spans:
        if span["span"] in numbers:
            out.update(range(span["first_channel"], span["first_channel"] + width(span["kinds"])))
    return out


def end_calls(control: CallControl, on: set[int], timeout: float = 10.0,
              clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> list[str]:
    """Hangs up the calls on the DAHDI channels `on` and waits until chan_dahdi has none there;
    returns the Asterisk channels it hung up. Raises TimeoutError if some are still up."""
    ended = _calls_on(control, on)
    _hang_up(control, ended)  # one refused has gone by itself meanwhile: what the wait below checks
    deadline = clock() + timeout
    while ended:
        left = _calls_on(control, on)
        if not left:
            break
        if clock() >= deadline:
            raise TimeoutError(f"calls still up on the lost spans: {', '.join(left)}")
        sleep(0.2)
    return ended


def _calls_on(control: CallControl, on: set[int], only: int | None = None) -> list[str]:
    """The Asterisk channels of the calls on the DAHDI channels `on` (asking chan_dahdi of `only`)."""
    return sorted({name for n, name in control.dahdi_call_channels(only).items() if n in on})


def _hang_up(control: CallControl, names: list[str]) -> list[str]:
    """Hangs up each of `names`; returns those Asterisk took (it refuses one already gone)."""
    done = []
    for name in names:
        try:
            control.hangup(name, CAUSE)
            done.append(name)
        except Exception as exc:  # noqa: BLE001 - the callers say what a refusal means
            log.info("hardware: hang-up refused", extra=kv(channel=name, reason=str(exc)))
    return done


def removed_channel(event: dict) -> int | None:
    """The DAHDI channel an AMI Alarm event says is going with its span, if it says so."""
    channel = event.get("DAHDIChannel") or ""
    return int(channel) if event.get("Alarm") == REMOVED and channel.isdigit() else None


class RemovedChannels:
    """Hangs up the call on each DAHDI channel chan_dahdi says is going, as soon as it says so,
    from a thread of its own (the AMI reader that hears it must not wait on AMI). A span going
    raises the alarm on each of its channels: those heard meanwhile are looked up at once."""

    def __init__(self, control: CallControl):
        self.control = control
        self._heard: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def heard(self, channel: int) -> None:
        self._heard.put(channel)
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="span-calls", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            self.end({self._heard.get()} | self._drain())

    def _drain(self) -> set[int]:
        out = set()
        while True:
            try:
                out.add(self._heard.get_nowait())
            except queue.Empty:
                return out

    def end(self, channels: set[int]) -> list[str]:
        """Hangs up the calls on `channels` (no wait: end_calls waits, on the span's loss)."""
        only = next(iter(channels)) if len(channels) == 1 else None
        try:
            calls = _calls_on(self.control, channels, only)
        except Exception as exc:  # noqa: BLE001 - the span's loss, seen next, ends them and waits
            log.info("hardware: calls on removed channels not looked up", extra=kv(reason=str(exc)))
            return []
        ended = _hang_up(self.control, calls)  # one refused: left to the span's loss
        if ended:
            log.warning("hardware: calls on removed channels hung up", extra=kv(channels=ended))
        return ended
