"""The owner's certificate upload: what is refused (and which field is named), what is served."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from appliance.errors import Invalid
from appliance.tls import certificate, upload
from tests.pki import authority, key_pem, make, pem

@pytest.fixture(scope="module")
def pki():
    ca = authority()
    leaf, leaf_key = make("callbox.example.com", issuer=ca["inter"], issuer_key=ca["inter_key"])
    return {**ca, "leaf": leaf, "key": leaf_key}


def refused(field, match, cert, key, chain=None):
    with pytest.raises(Invalid, match=match) as err:
        upload.check(cert, key, chain)
    assert err.value.field == field and err.value.status == 422
    return err.value


def test_a_good_certificate_with_its_chain_is_served_leaf_first(pki):
    checked = upload.check(pem(pki["leaf"]), key_pem(pki["key"]), pem(pki["inter"]))
    served = x509.load_pem_x509_certificates(checked.chain_pem)
    assert [c.subject for c in served] == [pki["leaf"].subject, pki["inter"].subject]
    assert certificate.fingerprint(checked.chain_pem) == certificate.fingerprint(pem(pki["leaf"]))
    assert b"BEGIN PRIVATE KEY" in checked.key_pem
    # The chain may come in the certificate's own file; an RSA key in the old format is taken too.
    rsa_key = rsa.generate_private_key(65537, 2048)
    leaf, _ = make("callbox.example.com", issuer=pki["inter"], issuer_key=pki["inter_key"], key=rsa_key)
    assert upload.check(pem(leaf, pki["inter"]), key_pem(rsa_key)).chain_pem.count(b"BEGIN CERTIFICATE") == 2


def test_what_is_refused_names_its_field(pki):
    leaf, key, inter = pem(pki["leaf"]), key_pem(pki["key"]), pem(pki["inter"])
    refused("certificate", "paste or choose", "", key)
    refused("certificate", "no PEM certificate", "hello", key)
    refused("certificate", "does not parse", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", key)
    refused("key", "no PEM private key", leaf, leaf)
    refused("key", "not the certificate's", leaf, key_pem(ec.generate_private_key(ec.SECP256R1())))
    refused("key", "passphrase", leaf, key_pem(pki["key"], b"secret-pass"))
    refused("key", "only RSA and ECDSA", leaf, ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode())
    refused("key", "at least 2048", leaf, key_pem(rsa.generate_private_key(65537, 1024)))
    expired, k = make("old", days=(-100, -1))
    refused("certificate", "expired on", pem(expired), key_pem(k))
    future, k = make("later", days=(2, 90))
    refused("certificate", "not valid before", pem(future), key_pem(k))
    ca, k = make("a CA", ca=True)
    refused("certificate", "CA's certificate", pem(ca), key_pem(k))
    client, k = make("client", eku=(ExtendedKeyUsageOID.CLIENT_AUTH,))
    refused("certificate", "serverAuth", pem(client), key_pem(k))
    nameless, k = make("nameless", san=())
    refused("certificate", "names no host", pem(nameless), key_pem(k))
    refused("chain", "not signed by the next", leaf, key, pem(pki["root"]))
    refused("chain", "no PEM certificate", leaf, key, "junk")
    refused("certificate", "larger than", leaf + "x" * upload.MAX_PEM, key)
    refused("certificate", "as a string", 42, key)


def test_upload_route_serves_the_new_certificate_and_a_refusal_changes_nothing(admin, pki):
    rt = admin.box.runtime
    certificate.ensure(rt, ["callbox"], ["127.0.0.1"])
    before = admin.get("/system/certificate").json
    files = certificate.paths(rt)
    old = files.cert.read_bytes(), files.key.read_bytes()
    r = admin.put("/system/certificate", {"certificate": pem(pki["leaf"]), "key": key_pem(ec.generate_private_key(
        ec.SECP256R1()))})
    assert r.status == 422 and r.json["field"] == "key", r
    assert (files.cert.read_bytes(), files.key.read_bytes()) == old
    assert admin.get("/system/certificate").json == before
    assert admin.put("/system/certificate", {"certificate": pem(pki["leaf"]), "key": key_pem(pki["key"]),
                                             "color": "red"}).json["field"] == "color"
    r = admin.put("/system/certificate", {"certificate": pem(pki["leaf"]), "key": key_pem(pki["key"]),
                                          "chain": pem(pki["inter"])})
    assert r.status == 200, r
    assert r.json["fingerprint"] == certificate.fingerprint(pem(pki["leaf"])) != before["fingerprint"]
    assert r.json["self_signed"] is False and r.json["chain"] == 1 and r.json["names"] == ["callbox.example.com"]
    assert admin.get("/settings").json["tls_certificate"] == r.json["fingerprint"]
    # pjsip.conf renders anew, so that its reload has the TLS transport take the new files.
    assert r.json["fingerprint"] in admin.box.pbx.store.read()["pjsip.conf"].splitlines()[0]
    audit = admin.get("/audit").json["items"][0]
    assert (audit["action"], audit["target"]) == ("certificate.upload", r.json["fingerprint"])
    r = admin.patch("/settings", {"tls_certificate": "sha256:00"})
    assert r.status == 422 and r.json["field"] == "tls_certificate"
