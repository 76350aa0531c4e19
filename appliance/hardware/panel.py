"""The front panel: shows the lines it is given, rewriting only the rows that changed.

Called when something it shows may have changed (after each sensor poll, when span alarms
change); the same lines again write nothing, so the display is not refreshed in a loop. A
display that stops answering is logged once and tried again (initialised afresh: it may have
lost power) at the next call; it never stops the hardware manager.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from typing import Callable

from ..log import kv
from .board import Panel
from .i2c import Opener
from .panel_hd44780 import Hd44780

log = logging.getLogger(__name__)


class FrontPanel:
    def __init__(self, spec: Panel, opener: Opener, sleep: Callable[[float], None] = time.sleep):
        self.spec = spec
        self.opener = opener
        self.sleep = sleep
        self.wanted: list[str] = []
        self.shown: list[str] | None = None   # what the display holds now; None: not initialised
        self.error: str | None = None
        self._lock = threading.Lock()

    def show(self, lines: list[str]) -> bool:
        """Puts `lines` on the display; True when it holds them."""
        with self._lock:
            self.wanted = list(lines)
            if lines == self.shown:
                return True
            try:
                bus = self.opener(self.spec.bus)
                try:
                    lcd = Hd44780(bus, self.spec.address, self.spec.columns, self.spec.rows, self.sleep)
                    if self.shown is None:
                        lcd.init()
                        self.shown = [""] * self.spec.rows
                    for row in range(self.spec.rows):
                        text = lines[row] if row < len(lines) else ""
                        if text != self.shown[row]:
                            lcd.write_row(row, text)
                            self.shown[row] = text
                finally:
                    bus.close()
            except OSError as exc:
                if self.error is None:
                    log.error("front panel does not answer", extra=kv(bus=self.spec.bus,
                              address=f"0x{self.spec.address:02x}", error=str(exc)))
                self.error = str(exc)
                self.shown = None
                return False
            if self.error is not None:
                log.info("front panel answers again", extra=kv(bus=self.spec.bus))
                self.error = None
            return True

    def doc(self) -> dict:
        return {"declared": True, "driver": self.spec.driver, "bus": self.spec.bus,
                "address": f"0x{self.spec.address:02x}", "columns": self.spec.columns, "rows": self.spec.rows,
                "lines": self.wanted, "error": self.error}


def lan_addresses() -> list[str]:
    """IPv4 addresses of the box's links that are up and have a MAC (Ethernet ports and their
    VLANs, not loopback nor a WireGuard tunnel), by link name: the first is the one to show."""
    import psutil

    stats = psutil.net_if_stats()
    found = []
    for name, addrs in sorted(psutil.net_if_addrs().items()):
        if not (stats.get(name) and stats[name].isup) or not any(a.family == psutil.AF_LINK for a in addrs):
            continue
        for a in addrs:
            if a.family == socket.AF_INET:
                ip = ipaddress.ip_address(a.address)
                if not (ip.is_loopback or ip.is_link_local):
                    found.append(a.address)
    return found
