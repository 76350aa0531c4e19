"""Which bans are mailed to the administrators, and when: pure, no clock of its own, no I/O.

Each ban is mailed once (the manager queues it with a key made of the address and the
ban's start, so a restart never mails it again). A scan from thousands of addresses must
not bury the mailbox: within an hour from the first message, at most CAP_PER_HOUR bans are
mailed one by one; the rest are held and mailed as one summary when that hour is over.
So a mailbox gets at most CAP_PER_HOUR + 1 messages an hour, however many addresses attack.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .engine import Ban

CAP_PER_HOUR = 5
HOUR = 3600.0


@dataclass(frozen=True)
class Notice:
    """One message: a single ban, or the summary of the bans held back in an hour."""

    bans: tuple
    summary: bool = False
    start: float = 0.0  # for a summary: the hour it covers (its key)
    end: float = 0.0


@dataclass
class BanMail:
    cap: int = CAP_PER_HOUR
    hour: float = HOUR
    _start: float | None = None  # when the current hour began (its first message)
    _sent: int = 0
    _held: list = field(default_factory=list)

    def banned(self, ban: Ban, now: float) -> list[Notice]:
        """The messages to send now that `ban` happened (the last hour's summary first, if due)."""
        out = self.due(now)
        if self._start is None:
            self._start, self._sent = now, 0
        if self._sent < self.cap:
            self._sent += 1
            out.append(Notice((ban,)))
        else:
            self._held.append(ban)
        return out

    def due(self, now: float) -> list[Notice]:
        """The summary of the held bans once their hour is over (the sweeper asks every minute)."""
        if self._start is None or now - self._start < self.hour:
            return []
        held, start = self._held, self._start
        self._start, self._sent, self._held = None, 0, []
        return [Notice(tuple(held), summary=True, start=start, end=start + self.hour)] if held else []


#: A summary names this many addresses; the rest are counted.
SUMMARY_LIST = 50


def key(notice: Notice) -> str:
    """The outbox key that makes each message go once, even across a restart."""
    if notice.summary:
        return f"security-bans:{int(notice.start)}"
    ban = notice.bans[0]
    return f"security-ban:{ban.address}:{int(ban.since)}"


def values(notice: Notice, box: str, zone, permanent: str) -> dict:
    """The template's values: times in the box's time zone (`zone`), `permanent` in its language."""
    import datetime as dt

    def when(t: float | None) -> str:
        if t is None:
            return permanent
        return dt.datetime.fromtimestamp(t, zone).strftime("%Y-%m-%d %H:%M:%S %Z")

    if not notice.summary:
        ban = notice.bans[0]
        return {"box": box, "address": ban.address, "reason": ban.reason, "since": when(ban.since),
                "until": when(ban.until), "count": ban.count}
    shown = notice.bans[:SUMMARY_LIST]
    lines = "\n".join(f"{b.address}  {b.reason}  {when(b.since)} - {when(b.until)}" for b in shown)
    more = len(notice.bans) - len(shown)
    return {"box": box, "n": len(notice.bans), "start": when(notice.start), "end": when(notice.end),
            "lines": lines + (f"\n(+{more})" if more else "")}
