"""A small certificate authority for tests: certificates made to order, as PEM."""

from __future__ import annotations

import datetime as dt
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make(cn, issuer=None, issuer_key=None, key=None, ca=False, days=(-1, 90), san=("callbox.example.com",),
         eku=(ExtendedKeyUsageOID.SERVER_AUTH,)):
    """(certificate, key): signed by `issuer`/`issuer_key`, else self-signed; `san` holds DNS
    names and IP addresses; `days` the validity from today."""
    now = dt.datetime.now(dt.timezone.utc)
    key = key or ec.generate_private_key(ec.SECP256R1())
    builder = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(issuer.subject if issuer else name(cn))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now + dt.timedelta(days=days[0])).not_valid_after(now + dt.timedelta(days=days[1]))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName([_general_name(n) for n in san]), critical=False)
    if eku and not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256()), key


def _general_name(value: str):
    try:
        return x509.IPAddress(ipaddress.ip_address(value))
    except ValueError:
        return x509.DNSName(value)


def pem(*certs) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in certs)


def key_pem(key, password: bytes | None = None) -> str:
    enc = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    fmt = serialization.PrivateFormat.TraditionalOpenSSL if isinstance(key, rsa.RSAPrivateKey) \
        else serialization.PrivateFormat.PKCS8
    return key.private_bytes(serialization.Encoding.PEM, fmt, enc).decode()


def authority():
    """A root CA, an intermediate and their keys."""
    root, root_key = make("Test Root CA", ca=True, san=())
    inter, inter_key = make("Test Intermediate CA", issuer=root, issuer_key=root_key, ca=True, san=())
    return {"root": root, "root_key": root_key, "inter": inter, "inter_key": inter_key}
