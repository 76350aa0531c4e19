"""A real SFTP server for tests: OpenSSH's sshd (Debian openssh-server, scripts/host-deps.sh) with
its own config, host key and authorized_keys in a temporary folder, on one address and port.

It serves SFTP only (ForceCommand internal-sftp: no shell, no forwarding) and lets in only the
keys a test authorizes; passwords are checked against the host's accounts, so any password a
test sends is wrong. It runs as root (sshd must, to start sessions): the test binds it to the
host's end of the box's link, which nothing but the box reaches.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import subprocess
import time
from pathlib import Path

SSHD = "/usr/sbin/sshd"


def _host_key() -> tuple[bytes, str]:
    """(private key in OpenSSH's format, fingerprint "SHA256:...") of a new ed25519 host key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                            serialization.NoEncryption())
    blob = base64.b64decode(key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                          serialization.PublicFormat.OpenSSH).split()[1])
    return pem, "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class SftpServer:
    def __init__(self, host: str, workdir: Path, user: str = "root"):
        self.host, self.dir, self.user = host, workdir, user
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)
        self.port = free_port(host)
        self.authorized = self.dir / "authorized_keys"
        self.authorized.write_text("")
        self.root = self.dir / "files"  # where the tests point the box
        self.root.mkdir(exist_ok=True)
        self.proc: subprocess.Popen | None = None
        self.fingerprint = ""

    def authorize(self, public_line: str) -> None:
        with open(self.authorized, "a") as f:
            f.write(public_line.strip() + "\n")

    def start(self, new_host_key: bool = False) -> "SftpServer":
        """Start sshd (with a fresh host key when asked: the same server, re-keyed)."""
        key_path = self.dir / "host_key"
        if new_host_key or not key_path.exists():
            pem, self.fingerprint = _host_key()
            key_path.write_bytes(pem)
            os.chmod(key_path, 0o600)
        config = self.dir / "sshd_config"
        config.write_text(
            f"Port {self.port}\nListenAddress {self.host}\nHostKey {key_path}\nPidFile {self.dir / 'sshd.pid'}\n"
            f"AuthorizedKeysFile {self.authorized}\nStrictModes no\nUsePAM no\nPermitRootLogin prohibit-password\n"
            f"AllowUsers {self.user}\nPubkeyAuthentication yes\nPasswordAuthentication yes\n"
            "KbdInteractiveAuthentication no\nPermitEmptyPasswords no\nAllowTcpForwarding no\n"
            "X11Forwarding no\nPermitTTY no\nForceCommand internal-sftp\nSubsystem sftp internal-sftp\n"
            "MaxStartups 50\nLogLevel VERBOSE\n")
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation folder
        self.log = open(self.dir / "sshd.log", "ab")
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 10
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sshd exited: {(self.dir / 'sshd.log').read_text()[-2000:]}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("sshd does not listen") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()

    def __enter__(self) -> "SftpServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
