"""The box's own SSH key pair: how it signs in to an SFTP target without a password.

Made once (ed25519) and kept as a secret of the box, so it comes back with a restore
and the target's authorized_keys line stays valid. The owner adds the public key, shown
on the backup page, to the target account's ~/.ssh/authorized_keys.
"""

from __future__ import annotations

import io
import socket
from pathlib import Path

from .. import secrets

PRIVATE = "backup-ssh-key"


def _make() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())


def private_pem(secrets_dir: Path) -> bytes:
    """The private key in OpenSSH's format, made on first use."""
    pem = secrets.read(secrets_dir, PRIVATE)
    if not pem:
        secrets.store_bytes(secrets_dir, PRIVATE, _make())
        pem = secrets.read(secrets_dir, PRIVATE)
    return pem.encode() + b"\n"


def public_line(secrets_dir: Path) -> str:
    """The authorized_keys line: "ssh-ed25519 AAAA... callbox@<host name>"."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_ssh_private_key(private_pem(secrets_dir), password=None)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return f"{public.decode()} callbox@{socket.gethostname()}"


def paramiko_key(secrets_dir: Path):
    import paramiko

    return paramiko.Ed25519Key.from_private_key(io.StringIO(private_pem(secrets_dir).decode()))
