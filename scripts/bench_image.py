#!/usr/bin/env python3
"""The disk image's figures for make bench: power-on to the first SIP registration, sizes.

Boots a fresh copy of the dev disk image in qemu, with KVM where it works and
with software emulation (TCG), and times from qemu's start to the first
successful registration of a pjsua2 phone through the forwarded SIP port (the
box's first boot: data file system, keys, setup, one extension). Also the
disk image's and the update bundle's sizes. `markdown()` is what bench.py
adds to BENCHMARKS.md; run alone, this prints it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from tests.api import Api  # noqa: E402
from vm import Vm, kvm_works  # noqa: E402

PASSWORD = "Bench-Admin-Pass-77"


def build() -> tuple[dict, float]:
    """A disk image built anew on the cached base (a version of its own makes it new)."""
    started = time.monotonic()
    version = time.strftime("0.0.0+bench.%Y%m%d%H%M%S")
    out = subprocess.run([sys.executable, str(REPO / "scripts" / "disk.py"), "build", "--version", version],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1]), time.monotonic() - started


def power_on_to_registration(disk: str, accel: str, timeout: float = 600) -> dict:
    from tests.phones import SipStack
    from tests.system.phones import NatPhone

    work = Path(tempfile.mkdtemp(prefix="bench-vm-"))
    vm = Vm(Path(disk), work, accel=accel)
    stack = None
    try:
        started = time.monotonic()
        vm.start()
        deadline = started + timeout
        api = Api(vm.url)
        while True:
            try:
                if api.get("/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or not vm.running:
                raise RuntimeError(f"no web answer; console:\n{vm.tail()}")
            time.sleep(0.2)
        web = time.monotonic() - started
        api.sign_in(PASSWORD)
        while True:
            r = api.post("/extensions", {"number": "8001", "name": "Bench"}, timeout=60)
            if r.status == 201:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"extension not created: {r}")
            time.sleep(0.5)
        stack = SipStack("127.0.0.1", work)
        phone = NatPhone(stack, "8001", r.json["secret"], vm.sip)
        stack.phones.append(phone)
        phone.register(wait=False)
        while True:
            stack.wait(lambda: phone.reg_code is not None, max(1, deadline - time.monotonic()), "a registration")
            if phone.reg_code == 200:
                break
            phone.reregister()
        return {"accel": accel, "web": web, "registered": time.monotonic() - started, "cpus": vm.cpus}
    finally:
        if stack is not None:
            stack.close()
        vm.kill()
        shutil.rmtree(work, ignore_errors=True)


def markdown() -> str:
    built, seconds = build()
    disk = Path(built["disk"])
    bundle = Path(built["bundle"])
    squash = Path(built["dir"]) / "rootfs.squashfs"
    runs = []
    kvm = kvm_works(Path(built["dir"]) / "vmlinuz")
    for accel in ("kvm", "tcg"):
        if accel == "kvm" and not kvm:
            runs.append(None)
            continue
        runs.append(power_on_to_registration(built["disk"], accel))

    def mib(n: int) -> str:
        return f"{n / 2**20:.0f} MiB"

    rows = []
    for accel, run in zip(("KVM", "software emulation (TCG)"), runs):
        if run is None:
            rows.append(f"| Power-on (qemu start) to the first SIP registration, {accel} | not measured: "
                        "/dev/kvm is there but qemu cannot run a kernel with it on this machine "
                        "(the probe in scripts/vm.py) | | | |")
        else:
            rows.append(f"| Power-on (qemu start) to the first SIP registration, {accel}, {run['cpus']} vCPU, first boot | "
                        f"{run['registered']:.1f} s (web UI answering: {run['web']:.1f} s) | | | |")
    table = "\n".join(rows)
    return f"""
## Disk image

Method: `scripts/disk.py build` (dev disk image from Debian packages, cached base), then a
fresh copy-on-write copy of it booted in qemu with 1.5 GiB (scripts/vm.py: 2 vCPUs under KVM, 1 under
software emulation, where 2 now and then hung a reboot); the clock starts
when qemu starts. The box's first boot makes its data file system, SSH host keys, TLS
certificate and secrets; then the bench sets the admin password, creates one extension and
registers a pjsua2 phone through the forwarded SIP port on 127.0.0.1.

| What | Figure | Reference (same run) | Ratio | Target |
|---|---|---|---|---|
{table}
| Disk image (boot, system A, system B, data) | {mib(disk.stat().st_size)} as a file, {mib(disk.stat().st_blocks * 512)} allocated (sparse) | | | |
| Update bundle (signed, verity) | {mib(bundle.stat().st_size)} | the system image inside it: {mib(squash.stat().st_size)} | {bundle.stat().st_size / squash.stat().st_size:.2f} x | |
| Disk image build on the cached Debian base (what `make disk` does after a code change: overlay, squashfs, GRUB, genimage, signed bundle) | {seconds:.0f} s | | | |
"""


if __name__ == "__main__":
    if os.geteuid() != 0:
        sys.exit("bench_image.py: run as root")
    print(markdown())
