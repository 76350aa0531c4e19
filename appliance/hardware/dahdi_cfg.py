"""Thin adapter over DAHDI's dahdi_cfg: hand the kernel the spans and channels of a system.conf.

No decisions here: which file, and which channels, are the applier's (appliance/pbx/dahdi.py).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


class DahdiCfgError(Exception):
    """dahdi_cfg refused the file or could not apply it."""


class DahdiCfg:
    def __init__(self, binary: str | None = None, timeout: float = 60.0):
        self.binary = binary or shutil.which("dahdi_cfg") or "/usr/sbin/dahdi_cfg"
        self.timeout = timeout

    def configure(self, path: Path, channels: str | None = None) -> None:
        """`dahdi_cfg -c path`; with `channels` ("1-31,33-63") only those channels and the spans'
        lines are set, and dynamic spans are neither destroyed nor made again (-C)."""
        command = [self.binary, "-c", str(path), *(["-C", channels] if channels else [])]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=self.timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DahdiCfgError(f"dahdi_cfg: {exc}") from None
        if done.returncode:
            said = " ".join((done.stderr or done.stdout or "").split())[-400:]
            raise DahdiCfgError(f"dahdi_cfg refused the DAHDI configuration: {said or f'exit {done.returncode}'}")
