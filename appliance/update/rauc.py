"""The system side of updates: RAUC, the GRUB environment, the slots' file systems.

The only module here that runs commands. The manager takes any object with
these methods, so unit tests hand it a fake that records calls.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Callable

from . import logic

log = logging.getLogger(__name__)

SYSTEM_CONF = Path("/etc/rauc/system.conf")
RELEASE = Path("/etc/callbox-release")
DISK_CONF = Path("/usr/lib/callbox/disk.conf")


class InstallFailed(Exception):
    pass


def _disk_conf() -> dict:
    try:
        return logic.parse_release(DISK_CONF.read_text())
    except OSError:
        return {}


class RaucSystem:
    """A real box: RAUC's command line, grub-editenv, mount."""

    def __init__(self, grubenv: Path | None = None):
        conf = _disk_conf()
        self.grubenv = grubenv or Path(conf.get("GRUBENV", "/mnt/boot/grub/grubenv"))
        self.devices = {"A": conf.get("SYSTEM_A_DEV"), "B": conf.get("SYSTEM_B_DEV")}

    @staticmethod
    def present() -> bool:
        return SYSTEM_CONF.exists() and RELEASE.exists()

    def booted(self) -> str | None:
        return logic.booted_slot(Path("/proc/cmdline").read_text())

    def release(self) -> dict:
        return logic.parse_release(RELEASE.read_text())

    def compatible(self) -> str:
        for line in SYSTEM_CONF.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "compatible":
                return value.strip()
        return "unknown"

    # -- the GRUB environment --------------------------------------------------------

    def _env(self) -> dict:
        out = subprocess.run(["grub-editenv", str(self.grubenv), "list"], capture_output=True, text=True,
                             check=True).stdout
        return logic.parse_release(out)

    def trial(self) -> str | None:
        return self._env().get("CALLBOX_TRIAL") or None

    def set_trial(self, slot: str | None) -> None:
        args = ["set", f"CALLBOX_TRIAL={slot}"] if slot else ["unset", "CALLBOX_TRIAL"]
        subprocess.run(["grub-editenv", str(self.grubenv), *args], check=True, capture_output=True)

    def boot_env(self) -> dict:
        return self._env()

    # -- RAUC ---------------------------------------------------------------------------

    def _rauc(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(["rauc", *args], capture_output=True, text=True, timeout=timeout)

    def mark_good(self) -> None:
        r = self._rauc("status", "mark-good", "booted")
        if r.returncode != 0:
            raise RuntimeError(f"rauc mark-good failed: {(r.stderr or r.stdout).strip()}")

    def mark_bad(self, slot: str) -> None:
        target = "other" if slot != self.booted() else "booted"
        r = self._rauc("status", "mark-bad", target)
        if r.returncode != 0:
            raise RuntimeError(f"rauc mark-bad failed: {(r.stderr or r.stdout).strip()}")

    def slot_states(self) -> dict:
        """{bootname: {"boot_status": good|bad, "bundle_version": ...}} from rauc status."""
        r = self._rauc("status", "--detailed", "--output-format=json")
        if r.returncode != 0:
            return {}
        out = {}
        for entry in json.loads(r.stdout).get("slots", []):
            for info in entry.values():
                name = info.get("bootname")
                if name:
                    bundle = (info.get("slot_status") or {}).get("bundle") or {}
                    out[name] = {"boot_status": info.get("boot_status"), "bundle_version": bundle.get("version")}
        return out

    def info(self, bundle: Path) -> dict:
        """The bundle's manifest, once its signature checks out against the keyring."""
        r = self._rauc("info", "--output-format=json", str(bundle))
        if r.returncode != 0:
            raise logic.BundleRefused(logic.explain_rauc_error(r.stderr or r.stdout))
        try:
            return json.loads(r.stdout)
        except ValueError:
            raise logic.BundleRefused(logic.explain_rauc_error(r.stdout)) from None

    def install(self, bundle: Path, progress: Callable[[int, str], None]) -> None:
        proc = subprocess.Popen(["rauc", "install", str(bundle)], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        lines = []
        for line in proc.stdout:
            lines.append(line.rstrip())
            pct = logic.progress_of(line)
            if pct is not None:
                progress(pct, line.strip().split("%", 1)[1].strip())
        if proc.wait() != 0:
            text = "\n".join(lines[-20:])
            log.error("rauc install failed: %s", text)
            raise InstallFailed(logic.explain_rauc_error(text))

    # -- the slots' contents ------------------------------------------------------------

    def slot_release(self, slot: str) -> dict | None:
        """The release file of the system in `slot`, read from its (read-only) file system."""
        device = self.devices.get(slot)
        if not device or not Path(device).exists():
            return None
        with tempfile.TemporaryDirectory(prefix=f"slot-{slot}-", dir="/run") as mnt:
            r = subprocess.run(["mount", "-o", "ro", "-t", "squashfs", device, mnt], capture_output=True)
            if r.returncode != 0:
                return None  # empty or not a system yet
            try:
                return logic.parse_release((Path(mnt) / "etc" / "callbox-release").read_text())
            except OSError:
                return None
            finally:
                subprocess.run(["umount", mnt], capture_output=True)

    def announce(self, text: str) -> None:
        """A line on the box's console: the serial port (/dev/console) and the screen (tty0)."""
        for device in ("/dev/console", "/dev/tty0"):
            try:
                fd = os.open(device, os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK)
            except OSError:
                continue
            try:
                os.write(fd, f"callbox: {text}\r\n".encode())
            except OSError:
                pass
            finally:
                os.close(fd)
