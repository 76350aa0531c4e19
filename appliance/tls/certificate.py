"""The box's certificate and key: where they are, making one, reading one.

Names other parts rely on (kept stable):

- ``ensure(runtime, names=(), addresses=()) -> CertPaths``: the certificate and key the box
  serves, made (self-signed) if missing. ``CertPaths.cert`` is a PEM file, the server
  certificate first and then its chain; ``CertPaths.key`` is the PEM private key (0600).
  Both live in ``<data>/tls/`` (``paths(runtime)`` gives them without making anything).
- ``fingerprint(pem) -> "sha256:<64 lowercase hex digits>"``: the SHA-256 of the DER of the
  first certificate in ``pem`` (str or bytes), the form a branch pins at enrolment.
- ``describe(pem) -> dict``: fingerprint, subject, issuer, validity, names, self-signed.

Made with python3-cryptography (a Debian package in the box's root filesystem): it parses
and checks an owner's upload too, which the openssl command line would need parsing for.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import os
import pwd
import socket
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERT_FILE = "box.crt"
KEY_FILE = "box.key"
#: RSA: older desk phones that do SIP over TLS know no elliptic curves.
KEY_BITS = 2048
VALID_DAYS = 3650


@dataclass(frozen=True)
class CertPaths:
    cert: Path
    key: Path


def paths(runtime) -> CertPaths:
    directory = runtime.paths.tls
    return CertPaths(directory / CERT_FILE, directory / KEY_FILE)


def ensure(runtime, names=(), addresses=()) -> CertPaths:
    """The box's certificate and key; a self-signed pair for `names` (DNS) and `addresses`
    (IP) is made when either file is missing. The key is readable by Asterisk's user only
    (and root): Asterisk loads it for the SIP TLS transport."""
    found = paths(runtime)
    if found.cert.is_file() and found.key.is_file():
        return found
    cert, key = make_self_signed(names or [socket.gethostname()], addresses)
    install(found, cert, key, runtime.asterisk_user)
    return found


def install(where: CertPaths, cert_pem: bytes, key_pem: bytes, owner: str | None = None) -> None:
    """Write a certificate and its key in place of the current ones: the key first, each
    file atomically, so a crash leaves the old pair or a key that matches the new one."""
    where.cert.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    uid = gid = -1
    if owner:
        try:
            entry = pwd.getpwnam(owner)
            uid, gid = entry.pw_uid, entry.pw_gid
        except KeyError:
            pass  # a unit test's machine has no asterisk user: root keeps it
    _write(where.key, key_pem, 0o600, uid, gid)
    _write(where.cert, cert_pem, 0o644, uid, gid)


def _write(path: Path, data: bytes, mode: int, uid: int, gid: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, mode)
    if uid != -1 and os.geteuid() == 0:
        os.chown(tmp, uid, gid)
    os.replace(tmp, path)


def make_self_signed(names, addresses, now: datetime.datetime | None = None) -> tuple[bytes, bytes]:
    """A self-signed server certificate (PEM) and its key (PEM) for `names` and `addresses`."""
    names = [n for n in dict.fromkeys(str(n).strip().lower() for n in names) if n]
    ips = list(dict.fromkeys(ipaddress.ip_address(str(a)) for a in addresses))
    if not names and not ips:
        raise ValueError("a certificate needs a name or an address")
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0] if names else str(ips[0])),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Callbox")])
    alt = [x509.DNSName(n) for n in names] + [x509.IPAddress(ip) for ip in ips]
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # A little in the past: a phone whose clock is a minute behind still accepts it.
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=True, content_commitment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _bytes(pem) -> bytes:
    return pem.encode() if isinstance(pem, str) else bytes(pem)


def load_chain(pem) -> list[x509.Certificate]:
    """Every certificate in a PEM text, in order (ValueError where there is none)."""
    return x509.load_pem_x509_certificates(_bytes(pem))


def fingerprint(pem) -> str:
    """"sha256:" and the lowercase hex SHA-256 of the first certificate's DER."""
    der = load_chain(pem)[0].public_bytes(serialization.Encoding.DER)
    return "sha256:" + hashlib.sha256(der).hexdigest()


def describe(pem) -> dict:
    """What the System page shows of the certificate the box serves."""
    chain = load_chain(pem)
    leaf = chain[0]
    try:
        alt = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = alt.get_values_for_type(x509.DNSName)
        addresses = [str(a) for a in alt.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        names, addresses = [], []
    return {
        "fingerprint": fingerprint(pem),
        "subject": leaf.subject.rfc4514_string(),
        "issuer": leaf.issuer.rfc4514_string(),
        "not_before": leaf.not_valid_before_utc.isoformat().replace("+00:00", "Z"),
        "not_after": leaf.not_valid_after_utc.isoformat().replace("+00:00", "Z"),
        "names": names,
        "addresses": addresses,
        "self_signed": leaf.issuer == leaf.subject,
        "chain": len(chain) - 1,
    }


def current(runtime) -> dict:
    """describe() of the certificate the box serves now."""
    return describe(paths(runtime).cert.read_bytes())
