"""The owner's certificate: checked before it replaces the box's, or refused saying why.

A certificate the web server or Asterisk could not serve, or that phones and browsers would
refuse, is stopped here with the field at fault, and nothing is written: it parses, the key
is the certificate's (and not protected by a passphrase the box could not type), it is valid
now, it is a server's certificate (not a CA's, for serverAuth where it says, with names), and
its chain is in order, each certificate signed by the next.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from ..errors import Invalid

MAX_PEM = 64 * 1024
MAX_CHAIN = 8
#: What desk phones, browsers, Asterisk's pjproject and Python's ssl all take.
CURVES = (ec.SECP256R1, ec.SECP384R1)
MIN_RSA_BITS = 2048


@dataclass(frozen=True)
class Checked:
    chain_pem: bytes  # the server certificate, then its chain, as served
    key_pem: bytes


def _text(value, field: str, required: bool = True) -> bytes:
    if value is None or value == "":
        if required:
            raise Invalid(f"{field}: paste or choose the PEM file", field)
        return b""
    if not isinstance(value, str):
        raise Invalid(f"{field}: send the PEM text as a string", field)
    if len(value) > MAX_PEM:
        raise Invalid(f"{field}: larger than {MAX_PEM // 1024} KiB; a certificate's PEM is a few KiB", field)
    return value.encode("ascii", "replace")


def _certificates(pem: bytes, field: str) -> list[x509.Certificate]:
    if b"-----BEGIN CERTIFICATE-----" not in pem:
        raise Invalid(f"{field}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it", field)
    try:
        return x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise Invalid(f"{field}: the certificate does not parse ({exc})", field) from None


def _key(pem: bytes):
    if b"PRIVATE KEY-----" not in pem:
        raise Invalid("key: no PEM private key (-----BEGIN PRIVATE KEY-----) in it", "key")
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except TypeError:
        raise Invalid("key: the key is protected by a passphrase; upload it without one", "key") from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise Invalid(f"key: the private key does not parse ({exc})", "key") from None
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise Invalid(f"key: an RSA key of {key.key_size} bits; at least {MIN_RSA_BITS} are needed", "key")
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, CURVES):
            raise Invalid(f"key: the curve {key.curve.name} is not one phones and browsers take (P-256, P-384)", "key")
    else:
        raise Invalid("key: only RSA and ECDSA (P-256, P-384) keys are served", "key")
    return key


def _spki(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _extension(cert, kind):
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _is_server_certificate(leaf: x509.Certificate) -> None:
    constraints = _extension(leaf, x509.BasicConstraints)
    if constraints is not None and constraints.ca:
        raise Invalid("certificate: this is a CA's certificate, not a server's", "certificate")
    usage = _extension(leaf, x509.ExtendedKeyUsage)
    if usage is not None and ExtendedKeyUsageOID.SERVER_AUTH not in usage:
        raise Invalid("certificate: it is not for servers (its extended key usage lacks serverAuth)", "certificate")
    key_usage = _extension(leaf, x509.KeyUsage)
    if key_usage is not None and not (key_usage.digital_signature or key_usage.key_encipherment):
        raise Invalid("certificate: its key usage allows neither digital signature nor key encipherment",
                      "certificate")
    names = _extension(leaf, x509.SubjectAlternativeName)
    if names is None or not (names.get_values_for_type(x509.DNSName) or names.get_values_for_type(x509.IPAddress)):
        raise Invalid("certificate: it names no host (no subjectAltName DNS name or IP address); "
                      "browsers refuse such certificates", "certificate")


def _in_order(chain: list[x509.Certificate]) -> None:
    for n, (cert, issuer) in enumerate(zip(chain, chain[1:])):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            what = "the certificate" if n == 0 else f"chain certificate {n}"
            raise Invalid(f"chain: {what} is not signed by the next one ({issuer.subject.rfc4514_string()}); "
                          f"give the chain in order, from the certificate's issuer up", "chain") from None


def check(certificate, key, chain=None, now: datetime.datetime | None = None) -> Checked:
    """The upload as it will be served, or Invalid naming the field at fault."""
    cert_pem, key_pem, chain_pem = _text(certificate, "certificate"), _text(key, "key"), _text(chain, "chain", False)
    certs = _certificates(cert_pem, "certificate") + (_certificates(chain_pem, "chain") if chain_pem else [])
    if len(certs) > MAX_CHAIN:
        raise Invalid(f"chain: {len(certs)} certificates; at most {MAX_CHAIN}", "chain")
    leaf = certs[0]
    private = _key(key_pem)
    if _spki(private.public_key()) != _spki(leaf.public_key()):
        raise Invalid("key: this key is not the certificate's (their public keys differ)", "key")
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if now < leaf.not_valid_before_utc:
        raise Invalid(f"certificate: not valid before {leaf.not_valid_before_utc:%Y-%m-%d %H:%M} UTC", "certificate")
    if now >= leaf.not_valid_after_utc:
        raise Invalid(f"certificate: expired on {leaf.not_valid_after_utc:%Y-%m-%d %H:%M} UTC", "certificate")
    _is_server_certificate(leaf)
    _in_order(certs)
    served = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)
    key_out = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    return Checked(served, key_out)
