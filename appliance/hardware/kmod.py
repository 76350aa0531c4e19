"""Thin adapter over modprobe: load a card's DAHDI driver."""

from __future__ import annotations

import shutil
import subprocess


def load(driver: str) -> str | None:
    """Loads the module; returns why not, or None when it is loaded."""
    modprobe = shutil.which("modprobe") or "/sbin/modprobe"
    try:
        done = subprocess.run([modprobe, "-q", "--", driver], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"modprobe {driver}: {exc}"
    if done.returncode:
        return f"modprobe {driver}: {(done.stderr or '').strip() or 'module not found'}"
    return None
