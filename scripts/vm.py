#!/usr/bin/env python3
"""Run the dev disk image in qemu, with the web and SIP ports forwarded to loopback.

    scripts/vm.py boot [--fresh] [--tcg]    build the disk if needed, boot it, stay attached
    scripts/vm.py kvm                       say whether qemu gets working KVM here

`boot` keeps the box's disk in $CALLBOX_STATE/../vm/disk.img (so its data
survives a restart; --fresh starts over from the built image) and forwards
BOX_HTTP (default 127.0.0.1:8080) to the box's web port 80 and BOX_SIP
(127.0.0.1:5060) to its SIP port 5060, over qemu's user-mode network: nothing
listens beyond loopback. Ctrl-C powers the box off.

KVM: /dev/kvm can exist and answer and still fail to run a guest (nested
virtualization without the features a kernel needs ends in "KVM internal
error"). So before relying on it, a probe boots the image's kernel under KVM
for a moment and looks for its first line on the serial port; without that,
qemu runs with software emulation (TCG).

The `Vm` class is what tests/system and the benchmark drive.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STATE = Path(os.environ.get("CALLBOX_STATE", "/var/lib/callbox-dev/boxes")).parent / "vm"
QEMU = "qemu-system-x86_64"


class VmError(Exception):
    pass


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_KVM: dict[str, bool] = {}


def kvm_works(kernel: Path, timeout: float = 15.0) -> bool:
    """qemu runs this kernel under KVM (it prints its banner), checked once per process."""
    key = str(kernel)
    if key in _KVM:
        return _KVM[key]
    ok = False
    if os.access("/dev/kvm", os.R_OK | os.W_OK):
        with tempfile.TemporaryDirectory(prefix="callbox-kvm-") as tmp:
            serial = Path(tmp) / "serial.log"
            errors = Path(tmp) / "qemu.log"
            err = open(errors, "wb")
            proc = subprocess.Popen(
                [QEMU, "-accel", "kvm", "-cpu", "host", "-m", "256", "-display", "none", "-monitor", "none",
                 "-nodefaults", "-no-reboot", "-serial", f"file:{serial}", "-kernel", str(kernel),
                 "-append", "console=ttyS0 panic=-1"],
                stdout=subprocess.DEVNULL, stderr=err)
            err.close()
            deadline = time.monotonic() + timeout
            try:
                while time.monotonic() < deadline and proc.poll() is None:
                    if serial.exists() and b"Linux version" in serial.read_bytes():
                        ok = True
                        break
                    if b"KVM internal error" in errors.read_bytes():
                        break
                    time.sleep(0.1)
            finally:
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
    _KVM[key] = ok
    return ok


# The test shell's unit (Vm(shell=True)): reads lines "<base64 command> <end mark>" from ttyS1,
# runs each command and answers its output, then "<end mark> <exit status>".
TEST_SHELL_UNIT = """[Unit]
Description=Root shell on the second serial port (handed in by the test machine's hypervisor)
After=systemd-udevd.service

[Service]
ExecStart=/bin/sh -c 'stty -echo -opost; while read -r line end; do echo "$$line" | base64 -d > /run/test-shell.sh; sh /run/test-shell.sh < /dev/null 2>&1; echo "$$end $$?"; done'
StandardInput=tty
StandardOutput=tty
TTYPath=/dev/ttyS1
Restart=always
"""


class Vm:
    """One qemu process running a Callbox disk; its files live in `workdir`.

    disk: the image to boot. With `overlay=True` (tests) the VM writes to a qcow2
    file in workdir backed by it, so the image itself never changes."""

    def __init__(self, disk: Path, workdir: Path, *, kernel: Path | None = None, overlay: bool = True,
                 accel: str = "auto", memory: int = 1536, cpus: int | None = None, http: str | None = None,
                 https: str | None = None, sip: str | None = None, sip_tls: str | None = None,
                 size: str | None = None, shell: bool = False, guestfwd: dict[str, str] | None = None):
        self.disk = Path(disk)
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.kernel = kernel or self.disk.parent / "vmlinuz"
        self.overlay = overlay
        self.memory = memory
        self.http = http or f"127.0.0.1:{free_port()}"
        self.https = https or f"127.0.0.1:{free_port()}"
        self.sip = sip or f"127.0.0.1:{free_port(socket.SOCK_DGRAM)}"
        self.sip_tls = sip_tls or f"127.0.0.1:{free_port()}"  # SIP over TLS: the box's SIP port + 1
        if accel == "auto":
            accel = "kvm" if kvm_works(self.kernel) else "tcg"
        self.accel = accel
        # Software emulation runs one virtual CPU: with two, a guest now and then hangs early in
        # its boot (at the switch to the TSC clock source) after a reboot; KVM gets two.
        self.cpus = cpus or (2 if accel == "kvm" else 1)
        self.console = self.workdir / "console.log"
        self.proc: subprocess.Popen | None = None
        self.started_at: float | None = None
        self.drive = self.workdir / "disk.qcow2" if overlay else self.disk
        self.shell = shell
        # "ADDRESS:PORT" in the guest's network -> a command qemu starts for each connection the guest
        # makes there, its stdin and stdout the connection (tests: a relay to a box instance).
        self.guestfwd = dict(guestfwd or {})
        self._shell_io = None
        if overlay and not self.drive.exists():
            # `size`: a disk bigger than the image, as a box's usually is (the data partition grows).
            subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", str(self.disk.resolve()),
                            "-F", "raw", str(self.drive), *([size] if size else [])], check=True)

    @property
    def url(self) -> str:
        return f"http://{self.http}"

    @property
    def https_url(self) -> str:
        return f"https://{self.https}"

    @property
    def sip_host(self) -> str:
        return self.sip.rpartition(":")[0]

    @property
    def sip_port(self) -> int:
        return int(self.sip.rpartition(":")[2])

    def command(self) -> list[str]:
        hhost, _, hport = self.http.rpartition(":")
        shost, _, sport = self.sip.rpartition(":")
        thost, _, tport = self.https.rpartition(":")
        lhost, _, lport = self.sip_tls.rpartition(":")
        net = (f"user,id=net0,hostfwd=tcp:{hhost}:{hport}-:80,hostfwd=tcp:{thost}:{tport}-:443,"
               f"hostfwd=udp:{shost}:{sport}-:5060,hostfwd=tcp:{shost}:{sport}-:5060,"
               f"hostfwd=tcp:{lhost}:{lport}-:5061")
        for where, cmd in self.guestfwd.items():
            net += f",guestfwd=tcp:{where}-cmd:{cmd.replace(',', ',,')}"  # a comma in an option is doubled
        accel = ["-accel", "kvm", "-cpu", "host"] if self.accel == "kvm" else ["-accel", "tcg,thread=multi"]
        fmt = "qcow2" if self.overlay else "raw"
        return [QEMU, *accel, "-m", str(self.memory), "-smp", str(self.cpus), "-nodefaults",
                "-display", "none", "-monitor", "none", "-vga", "none",
                # Appended to, so that a restart (power cut and on again) keeps the earlier boots.
                "-chardev", f"file,id=serial0,path={self.console},append=on", "-serial", "chardev:serial0",
                # The default cache mode: what the guest flushed is on the host's disk when the plug is pulled.
                "-drive", f"file={self.drive},if=virtio,format={fmt}",
                "-netdev", net, "-device", "virtio-net-pci,netdev=net0",
                # A hardware watchdog, as a box has: systemd keeps it fed.
                "-device", "i6300esb", "-action", "watchdog=reset",
                "-qmp", f"unix:{self.workdir / 'qmp.sock'},server=on,wait=off",
                "-rtc", "base=utc", "-pidfile", str(self.workdir / "qemu.pid"),
                *(self.shell_args() if self.shell else [])]

    # -- a root shell for tests (the second serial port) --------------------------

    def shell_args(self) -> list[str]:
        """A root shell on the guest's second serial port (ttyS1), reached through a socket in
        workdir. The image has no such thing: qemu hands systemd a unit and a drop-in that starts
        it as credentials (SMBIOS type 11), which only the hypervisor's owner can give."""
        import base64

        def credential(name: str, text: str) -> list[str]:
            data = base64.b64encode(text.encode()).decode()
            return ["-smbios", f"type=11,value=io.systemd.credential.binary:{name}={data}"]

        return [*credential("systemd.extra-unit.callbox-test-shell.service", TEST_SHELL_UNIT),
                *credential("systemd.unit-dropin.multi-user.target~test-shell",
                            "[Unit]\nWants=callbox-test-shell.service\n"),
                "-chardev", f"socket,id=shell,path={self.workdir / 'shell.sock'},server=on,wait=off",
                "-serial", "chardev:shell"]

    def sh(self, command: str, timeout: float = 60) -> tuple[int, str]:
        """Runs `command` with /bin/sh as root in the guest; its exit status and output (stdout and
        stderr together). One command at a time; the socket stays open between calls."""
        import secrets

        if self._shell_io is None:
            s = socket.socket(socket.AF_UNIX)
            s.connect(str(self.workdir / "shell.sock"))
            self._shell_io = s
        s = self._shell_io
        end = "@@" + secrets.token_hex(4)
        # The tty reads one line: the command travels base64-encoded, so no character of it is a
        # tty's control character or breaks the line.
        import base64
        line = base64.b64encode(command.encode()).decode()
        s.sendall(f"{line} {end}\n".encode())
        out = b""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(rb"\r?\n?" + end.encode() + rb" (\d+)\r?\n", out)
            if m:
                return int(m.group(1)), out[:m.start()].decode(errors="replace").replace("\r\n", "\n")
            left = deadline - time.monotonic()
            if left <= 0:
                raise VmError(f"guest shell: no answer to {command!r} in {timeout:.0f} s; got {out[-500:]!r}")
            s.settimeout(left)
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                self._shell_io = None
                raise VmError(f"guest shell: the socket closed; got {out[-500:]!r}")
            out += chunk

    def start(self) -> "Vm":
        if self.proc is not None and self.proc.poll() is None:
            raise VmError("already running")
        with open(self.workdir / "qemu.log", "ab") as out:
            self.started_at = time.monotonic()
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """Pull the plug: SIGKILL to the qemu we started."""
        if self.proc is not None:
            if self.proc.poll() is None:
                os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def qmp(self, command: str) -> dict:
        """One command to qemu's machine protocol."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(str(self.workdir / "qmp.sock"))
            f = s.makefile("rwb")
            f.readline()  # the greeting
            for doc in ({"execute": "qmp_capabilities"}, {"execute": command}):
                f.write(json.dumps(doc).encode() + b"\n")
                f.flush()
                while True:
                    answer = json.loads(f.readline())
                    if "return" in answer or "error" in answer:
                        break
            return answer

    def stop(self, timeout: float = 60) -> None:
        """Power the box off (the ACPI power button: the box shuts down cleanly) and wait;
        then end qemu, and pull the plug if even that does not work."""
        if not self.running:
            return
        try:
            self.qmp("system_powerdown")
            self.proc.wait(timeout)
            return
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()

    # -- the serial console ------------------------------------------------------

    def console_text(self) -> str:
        try:
            raw = self.console.read_bytes()
        except FileNotFoundError:
            return ""
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw.decode("utf-8", "replace"))

    def console_mark(self) -> int:
        return len(self.console_text())

    def wait_console(self, pattern: str, timeout: float, since: int = 0) -> re.Match:
        """The first match of `pattern` on the serial console after offset `since`."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            found = rx.search(self.console_text(), since)
            if found:
                return found
            if not self.running:
                raise VmError(f"qemu exited while waiting for {pattern!r}; console:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise VmError(f"no {pattern!r} on the console after {timeout:.0f} s; console:\n{self.tail()}")
            time.sleep(0.2)

    def tail(self, n: int = 3000) -> str:
        return self.console_text()[-n:]


# -- make boot --------------------------------------------------------------------

BANNER = """
Callbox is booting in qemu ({accel}{kvm_note}).

  Web and API:  https://{https}/       (forwarded to the box's port 443; the box's own
                certificate, made at first boot: the browser asks to trust it once)
                http://{http}/        (port 80: sends browsers to HTTPS)
  SIP server:   {sip}     (UDP and TCP, forwarded to the box's port 5060)
  SIP over TLS: {sip_tls}     (forwarded to the box's port 5061)
  Console:      {console}
  Disk:         {disk}  (kept between runs; `make boot FRESH=1` starts over)

Open the web address in a browser once the console says the system is good,
set the administrator password and create an extension. In a softphone: server
and outbound proxy {sip}, user = the extension, password = its secret.
Through qemu's user-mode network the phone registers, calls and hears the box;
audio from the phone to the box needs the box on a real network.

Ctrl-C powers the box off.
"""


def boot(fresh: bool, accel: str) -> int:
    out = subprocess.run([sys.executable, str(REPO / "scripts" / "disk.py"), "build"], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    built = json.loads(out.strip().splitlines()[-1])
    STATE.mkdir(parents=True, exist_ok=True)
    disk = STATE / "disk.img"
    if fresh or not disk.exists():
        subprocess.run(["cp", "--sparse=always", built["disk"], str(disk) + ".tmp"], check=True)
        os.replace(str(disk) + ".tmp", disk)
    vm = Vm(disk, STATE, kernel=Path(built["dir"]) / "vmlinuz", overlay=False, accel=accel,
            http=os.environ.get("BOX_HTTP", "127.0.0.1:8080"), https=os.environ.get("BOX_HTTPS", "127.0.0.1:8443"),
            sip=os.environ.get("BOX_SIP", "127.0.0.1:5060"), sip_tls=os.environ.get("BOX_SIP_TLS", "127.0.0.1:5061"))
    vm.console.unlink(missing_ok=True)
    vm.start()
    print(BANNER.format(accel="KVM" if vm.accel == "kvm" else "software emulation",
                        kvm_note="" if vm.accel == "kvm" else "; KVM is not usable here, so allow a minute or two",
                        http=vm.http, https=vm.https, sip=vm.sip, sip_tls=vm.sip_tls, console=vm.console, disk=disk),
          file=sys.stderr, flush=True)
    stop = []
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    seen = 0
    while not stop and vm.running:
        text = vm.console_text()
        for line in text[seen:].splitlines():
            if "callbox:" in line:
                print(line.strip(), file=sys.stderr, flush=True)
        seen = len(text) - len(text.rpartition("\n")[2])
        time.sleep(0.5)
    print("\npowering the box off ...", file=sys.stderr)
    vm.stop()
    return 0


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="vm.py", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("boot")
    b.add_argument("--fresh", action="store_true")
    b.add_argument("--tcg", action="store_true", help="software emulation even where KVM works")
    sub.add_parser("kvm")
    a = p.parse_args(argv[1:])
    if a.cmd == "kvm":
        out = subprocess.run([sys.executable, str(REPO / "scripts" / "disk.py"), "build"], check=True,
                             stdout=subprocess.PIPE, text=True).stdout
        kernel = Path(json.loads(out.strip().splitlines()[-1])["dir"]) / "vmlinuz"
        works = kvm_works(kernel)
        print("KVM works" if works else "KVM is not usable here: qemu uses software emulation (TCG)")
        return 0 if works else 1
    if os.geteuid() != 0:
        print("vm.py: run as root (building the disk image needs it)", file=sys.stderr)
        return 2
    return boot(a.fresh, "tcg" if a.tcg else "auto")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
