"""Update decisions, as pure functions over what the system reports."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Slot names GRUB and RAUC use for the two system slots (RAUC's "bootname").
SLOTS = ("A", "B")


def other_slot(slot: str) -> str:
    return SLOTS[1] if slot == SLOTS[0] else SLOTS[0]


@dataclass(frozen=True)
class BootOutcome:
    """What to do once the running system is healthy."""

    #: "updated": the trial slot came up; "rolled_back": a trial slot failed and
    #: the box is back on the previous one; "normal": an ordinary boot.
    kind: str
    mark_good: bool = True
    mark_other_bad: bool = False
    clear_trial: bool = False


def after_healthy_boot(booted: str, trial: str | None) -> BootOutcome:
    """The running slot `booted` is healthy; `trial` is the slot an update left on
    trial (GRUB environment CALLBOX_TRIAL), if any."""
    if not trial:
        return BootOutcome("normal")
    if trial == booted:
        return BootOutcome("updated", clear_trial=True)
    # The new system never became healthy: GRUB gave up on it and booted this one.
    return BootOutcome("rolled_back", mark_other_bad=True, clear_trial=True)


class BundleRefused(Exception):
    """The uploaded file cannot be installed on this box; the message says why, for people."""


def check_bundle_info(info: dict, compatible: str) -> dict:
    """The bundle `rauc info` described fits this box: same compatible string."""
    theirs = info.get("compatible")
    if theirs != compatible:
        raise BundleRefused(f"this update is for {theirs or 'an unknown product'!r}, not for this box "
                            f"({compatible!r}); nothing was changed")
    return {"compatible": theirs, "version": info.get("version") or "unknown"}


def explain_rauc_error(text: str) -> str:
    """A clear sentence for what rauc said when it refused a bundle."""
    t = text.lower()
    if re.search(r"signature|certificate|verif(y|ication) failed|cms", t) and "size" not in t:
        return ("the update's signature is not valid: it was not signed with this box's update key "
                "(or the file was changed after signing); nothing was changed")
    if re.search(r"too small|truncat|unexpected end|offset|size|superblock|squashfs|failed to read|short read", t):
        return "the file is not a complete update bundle (damaged or cut short); nothing was changed"
    if re.search(r"compatible", t):
        return "this update is not for this box; nothing was changed"
    detail = text.strip().splitlines()[-1] if text.strip() else "unknown error"
    return f"the file is not an update bundle this box can install ({detail[:200]}); nothing was changed"


_PERCENT = re.compile(r"^\s*(\d{1,3})%")


def progress_of(line: str) -> int | None:
    """The percentage in a line of `rauc install` output (`` 40% Copying image``), if any."""
    m = _PERCENT.match(line)
    return min(100, int(m.group(1))) if m else None


def parse_release(text: str) -> dict:
    """/etc/callbox-release: KEY=VALUE lines."""
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            out[key.strip()] = value.strip().strip('"')
    return out


def booted_slot(cmdline: str) -> str | None:
    m = re.search(r"(?:^|\s)rauc\.slot=(\S+)", cmdline)
    return m.group(1) if m else None
