"""The ban engine's decisions, pure: no clock of its own, no I/O.

Failures (SIP authentication, web sign-in, provisioning) are counted per source address
in a sliding window; `max_failures` of them within `window_seconds` ban the address.
Each further ban of the same address within ESCALATION_MEMORY of its last one takes the
next duration of `ban_minutes` (None: permanent; past the list's end its last entry).

Never banned: loopback, the allow list, and addresses the caller marks as spared (the
administrator's own, while signed in). An address from which an account authenticated
(SuccessfulAuth) is trusted for that account: failures there for *other* accounts do not
count, so a guessing phone behind an office's NAT never bans the office's working phones.
Trust lapses TRUST_SECONDS after the account's last success there (phones re-register
well within it), so one cracked account does not buy an attacker lasting immunity.

We write our own instead of driving fail2ban: fail2ban reads log files after the fact
(late bans under floods) and cannot know which accounts an address has registered.
"""

from __future__ import annotations

import ipaddress
from collections import deque
from dataclasses import dataclass, field

TRUST_SECONDS = 2 * 3600.0
ESCALATION_MEMORY = 7 * 86400.0  # a week without a ban forgets the earlier ones
ALWAYS_SPARED = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


@dataclass(frozen=True)
class Policy:
    max_failures: int = 10
    window_seconds: int = 60
    #: Durations of the first, second, ... ban in minutes; None is permanent.
    ban_minutes: tuple = (15, 1440, None)
    #: Addresses and networks never banned, as text ("192.0.2.7", "10.0.0.0/8").
    allow: tuple = ()

    def networks(self) -> tuple:
        return tuple(ipaddress.ip_network(a, strict=False) for a in self.allow)

    def duration(self, level: int) -> float | None:
        """Seconds of the `level`-th ban (0 = first); None when permanent."""
        minutes = self.ban_minutes[min(level, len(self.ban_minutes) - 1)]
        return None if minutes is None else minutes * 60.0


@dataclass
class Ban:
    address: str
    reason: str
    since: float
    until: float | None  # None: permanent
    count: int  # the how-many-th ban of this address this is (escalation level + 1)

    def active(self, now: float) -> bool:
        return self.until is None or now < self.until


@dataclass
class _Source:
    failures: deque = field(default_factory=deque)  # times
    trusted: dict = field(default_factory=dict)  # account -> time of its last success here


def normal_address(text: str) -> str | None:
    """The address in canonical form, or None when `text` is not an IP address."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except (ValueError, AttributeError):
        return None


class Engine:
    def __init__(self, policy: Policy, history: list[Ban] = ()):
        self.policy = policy
        self._allow = policy.networks()
        self.bans: dict[str, Ban] = {b.address: b for b in history}
        self._sources: dict[str, _Source] = {}
        self._spared: dict[str, float] = {}  # address -> until

    def set_policy(self, policy: Policy) -> None:
        self.policy = policy
        self._allow = policy.networks()

    def spare(self, address: str, until: float) -> None:
        """Never ban `address` before `until` (an administrator is signed in from it)."""
        address = normal_address(address)
        if address:
            self._spared[address] = max(until, self._spared.get(address, 0.0))

    def allowed(self, address: str, now: float) -> bool:
        ip = ipaddress.ip_address(address)
        if any(ip in net for net in ALWAYS_SPARED + self._allow):
            return True
        return self._spared.get(address, 0.0) > now

    def banned(self, address: str, now: float) -> Ban | None:
        ban = self.bans.get(address)
        return ban if ban is not None and ban.active(now) else None

    def success(self, address: str, account: str, now: float) -> None:
        address = normal_address(address)
        if address is None:
            return
        source = self._sources.setdefault(address, _Source())
        source.trusted[account] = now

    def distrust(self, address: str, account: str) -> None:
        """The success just reported for `account` at `address` buys no trust (the REGISTER it
        authenticated was refused: someone else holds the extension's binding)."""
        source = self._sources.get(normal_address(address) or "")
        if source is not None:
            source.trusted.pop(account, None)

    def _trusted_for_others(self, source: _Source, account: str, now: float) -> bool:
        live = {a: t for a, t in source.trusted.items() if now - t < TRUST_SECONDS}
        source.trusted = live
        return bool(live) and account not in live

    def failure(self, address: str, account: str, reason: str, now: float) -> Ban | None:
        """Count one failure; the new Ban when this one crosses the threshold, else None."""
        address = normal_address(address)
        if address is None or self.allowed(address, now) or self.banned(address, now):
            return None
        source = self._sources.setdefault(address, _Source())
        if self._trusted_for_others(source, account, now):
            return None
        window = source.failures
        window.append(now)
        while window and now - window[0] >= self.policy.window_seconds:
            window.popleft()
        if len(window) < self.policy.max_failures:
            return None
        window.clear()
        return self._ban(address, reason, now)

    def _ban(self, address: str, reason: str, now: float) -> Ban:
        previous = self.bans.get(address)
        level = 0
        if previous is not None and previous.until is not None and now - previous.until < ESCALATION_MEMORY:
            level = previous.count
        seconds = self.policy.duration(level)
        ban = Ban(address, reason, now, None if seconds is None else now + seconds, level + 1)
        self.bans[address] = ban
        return ban

    def unban(self, address: str) -> Ban | None:
        """Lift a ban and forget the address's history (an administrator vouched for it)."""
        address = normal_address(address)
        self._sources.pop(address, None)
        return self.bans.pop(address, None) if address else None

    def active(self, now: float) -> list[Ban]:
        return sorted((b for b in self.bans.values() if b.active(now)), key=lambda b: b.since, reverse=True)

    def forget(self, now: float) -> list[str]:
        """Drop what no decision needs any more (ended bans past ESCALATION_MEMORY, idle
        counters); the addresses whose ban records went."""
        gone = [a for a, b in self.bans.items() if b.until is not None and now - b.until >= ESCALATION_MEMORY]
        for a in gone:
            del self.bans[a]
        for a, s in list(self._sources.items()):
            while s.failures and now - s.failures[0] >= self.policy.window_seconds:
                s.failures.popleft()
            s.trusted = {acc: t for acc, t in s.trusted.items() if now - t < TRUST_SECONDS}
            if not s.failures and not s.trusted:
                del self._sources[a]
        self._spared = {a: t for a, t in self._spared.items() if t > now}
        return gone
