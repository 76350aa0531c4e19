"""The disk image in qemu: boot, SIP through the forwarded port, updates, rollback, power loss.

The images are built once per run (session fixture `images`): the disk, an
update bundle of a changed version, a bundle whose system never becomes
healthy, and bundles the box must refuse (another signer, another product,
cut short). qemu runs with user-mode networking: the web and SIP ports are
forwarded to 127.0.0.1 and nothing else is reachable. Every qemu is killed by
the PID this run started, and the console logs go to tests/artifacts.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import ssl
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
sys.path.insert(0, str(REPO / "scripts"))

from vm import Vm  # noqa: E402

ADMIN_PASSWORD = "Test-Admin-Pass-77"
# Where the guest reaches headquarters' HTTPS port (a box instance a test starts later): qemu hands
# each connection the guest makes there to socat, which connects to the address the test has
# written to the VM's `headquarters` file by then.
HEADQUARTERS = "10.0.2.100"
# Through TCG a boot takes about a minute; on a machine shared with other work, over four.
BOOT = 480


def _requirements() -> str | None:
    if os.geteuid() != 0:
        return "system tests run as root (they build disk images)"
    for tool in ("qemu-system-x86_64", "qemu-img", "genimage", "rauc", "grub-mkimage", "mksquashfs", "socat"):
        if shutil.which(tool) is None:
            return f"{tool} is missing: run scripts/host-deps.sh"
    return None


def build(*args: str) -> dict:
    r = subprocess.run([sys.executable, str(REPO / "scripts" / "disk.py"), "build", *args],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"disk.py build {args} failed:\n{r.stderr[-4000:]}"
    return json.loads(r.stdout.strip().splitlines()[-1])


def rauc_bundle(out: Path, squashfs: Path, key: Path, cert: Path, compatible: str, version: str) -> Path:
    d = out.parent / (out.stem + "-content")
    d.mkdir()
    os.link(squashfs, d / "rootfs.squashfs")
    (d / "manifest.raucm").write_text(
        f"[update]\ncompatible={compatible}\nversion={version}\n\n[bundle]\nformat=verity\n\n"
        "[image.rootfs]\nfilename=rootfs.squashfs\n")
    subprocess.run(["rauc", "bundle", "--key", str(key), "--cert", str(cert), str(d), str(out)],
                   check=True, capture_output=True)
    shutil.rmtree(d)
    return out


@pytest.fixture(scope="session")
def images(tmp_path_factory):
    why = _requirements()
    if why:
        pytest.skip(why)
    tmp = tmp_path_factory.mktemp("images")
    base = build()
    v2 = build("--version", base["version"].split("+")[0] + "+v2")
    # A system that never becomes healthy: its supervisor cannot start.
    broken_overlay = tmp / "broken" / "etc" / "default"
    broken_overlay.mkdir(parents=True)
    text = (REPO / "rootfs" / "etc" / "default" / "callbox").read_text()
    (broken_overlay / "callbox").write_text(text.replace("BOX_HTTP=0.0.0.0:80", "BOX_HTTP=not-an-address"))
    broken = build("--version", base["version"].split("+")[0] + "+broken", "--overlay", str(tmp / "broken"))
    # Bundles to refuse: signed by a stranger; made for another product; cut short.
    stranger = tmp / "stranger"
    stranger.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj",
                    "/CN=not the Callbox update key", "-keyout", str(stranger / "key.pem"),
                    "-out", str(stranger / "cert.pem")], check=True, capture_output=True)
    # Their system image is a small squashfs, not a system: the box refuses them before it would
    # read one, and uploading a whole system through emulated networking takes a minute or more.
    small = tmp / "small"
    small.mkdir()
    (small / "filler").write_bytes(os.urandom(64 * 1024))  # rauc takes no bundle of 4 KiB or less
    squashfs = tmp / "small.squashfs"
    subprocess.run(["mksquashfs", str(small), str(squashfs), "-quiet", "-noappend"], check=True, capture_output=True)
    keys = Path(base["dir"]).parent / "rauc-dev-keys"
    bad_signature = rauc_bundle(tmp / "stranger.raucb", squashfs, stranger / "key.pem", stranger / "cert.pem",
                                "callbox-x86_64", "6.6.6")
    foreign = rauc_bundle(tmp / "foreign.raucb", squashfs, keys / "dev-key.pem", keys / "dev-cert.pem",
                          "someone-elses-router", "7.7.7")
    # Signed with the box's key, for this product, then cut in half.
    data = rauc_bundle(tmp / "whole.raucb", squashfs, keys / "dev-key.pem", keys / "dev-cert.pem",
                       "callbox-x86_64", "8.8.8").read_bytes()
    truncated = tmp / "truncated.raucb"
    truncated.write_bytes(data[: len(data) // 2])
    return {"base": base, "v2": v2, "broken": broken, "bad_signature": bad_signature, "foreign": foreign,
            "truncated": truncated}


@contextmanager
def admin_page(chromium, url: str):
    """A page in a fresh browser context on the box, signed in as its administrator."""
    from tests.browser.conftest import sign_in

    # The box's own certificate, made at first boot: the test trusts it as an owner would once.
    context = chromium.new_context(base_url=url, locale="en-GB", ignore_https_errors=True)
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        yield sign_in(page, "admin", ADMIN_PASSWORD)
        assert not errors, f"JavaScript errors on {page.url}: {errors}"
    finally:
        context.close()


class BootedVm(Vm):
    """A Vm that also knows how to wait for the system's 'is good' line, and talks to its API over
    HTTPS (port 80 only sends browsers there)."""

    def served_certificate(self) -> str:
        """The PEM certificate the box's HTTPS port serves now."""
        host, _, port = self.https.rpartition(":")
        return ssl.get_server_certificate((host, int(port)), timeout=30)

    def fingerprint(self) -> str:
        return "sha256:" + hashlib.sha256(ssl.PEM_cert_to_DER_cert(self.served_certificate())).hexdigest()

    def api(self):
        """An API client that trusts the certificate the box serves (its names are the box's own,
        10.0.2.15 and its host name, not the forwarded 127.0.0.1: they are not checked)."""
        from tests.api import Api

        context = ssl.create_default_context(cadata=self.served_certificate())
        context.check_hostname = False
        return Api(self.https_url, context=context)

    def supervisor_errors(self) -> list[str]:
        """The error lines of the box's supervisor log (from its logs download), for a failure's message."""
        import io
        import tarfile

        try:
            body = self.api().sign_in(ADMIN_PASSWORD).get("/system/logs").body
            with tarfile.open(fileobj=io.BytesIO(body)) as tar:
                text = tar.extractfile("logs/supervisor.log").read().decode(errors="replace")
        except Exception as exc:  # noqa: BLE001 - only ever part of another failure's message
            return [f"(no logs: {exc})"]
        return [line for line in text.splitlines() if '"level": "error"' in line]

    @property
    def headquarters(self) -> Path:
        """The file naming HOST:PORT that the guest's connections to HEADQUARTERS:443 reach."""
        return self.workdir / "headquarters"

    def wait_good(self, slot: str, timeout: float, since: int = 0) -> str:
        return self.wait_console(rf"callbox: system {slot} \(version ([^)]*)\) is good[^\n]*", timeout,
                                 since).group(0)


@pytest.fixture(scope="module")
def vm(images, tmp_path_factory, request):
    """One box per test module, booted from a copy-on-write overlay of the built disk."""
    work = tmp_path_factory.mktemp("vm")
    # A disk bigger than the image, as a box's is: first boot grows the data partition.
    # shell: a root shell in the guest for the tests that must act on it as hardware would (a card
    # pulled); the image itself has none.
    relay = f"sh -c 'exec socat - TCP:$(cat {work / 'headquarters'})'"
    machine = BootedVm(images["base"]["disk"], work, size="4G", shell=True,
                       guestfwd={f"{HEADQUARTERS}:443": relay})
    machine.start()
    try:
        # Every test starts from a box that has come up, whichever runs first.
        machine.wait_good("A", BOOT)
        yield machine
    finally:
        machine.kill()
        ARTIFACTS.mkdir(exist_ok=True)
        name = request.module.__name__.rsplit(".", 1)[-1]
        shutil.copy(machine.console, ARTIFACTS / f"{name}-console.log") if machine.console.exists() else None
        shutil.rmtree(work, ignore_errors=True)
