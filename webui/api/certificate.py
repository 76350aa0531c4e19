"""/system/certificate: the certificate the box serves over HTTPS and SIP TLS, and the owner's upload."""

from __future__ import annotations

from appliance.errors import Invalid, NotFound
from appliance.tls import certificate, service

from ..plugins import current_user, json_body
from .apply import settle

UPLOAD = {"type": "object", "required": ["certificate", "key"], "properties": {
    "certificate": {"type": "string", "description": "PEM: the server certificate (its chain may follow)"},
    "chain": {"type": "string", "description": "PEM: the intermediate certificates, issuer first"},
    "key": {"type": "string", "description": "PEM: the certificate's private key, without a passphrase"}}}


def install(api, box) -> None:
    @api.get("/system/certificate")
    def show():
        """The served certificate: its SHA-256 fingerprint ("sha256:..."), subject, issuer, validity, names, whether self-signed."""
        try:
            return certificate.current(box.runtime)
        except FileNotFoundError:
            raise NotFound("the box has made no certificate yet (its tls service did not start)") from None

    @api.put("/system/certificate", schema=UPLOAD)
    def upload():
        """Serve the owner's certificate (PEM certificate, chain, key) over HTTPS and SIP TLS, without a restart; a certificate that does not parse, whose key is not its own, that is not valid now or is not a server's is refused (422 naming the field) and nothing changes."""
        data = json_body()
        if not isinstance(data, dict):
            raise Invalid("send {\"certificate\", \"key\", \"chain\"?} as PEM text")
        unknown = sorted(set(data) - set(UPLOAD["properties"]))
        if unknown:
            raise Invalid(f"{unknown[0]}: unknown field", unknown[0])
        doc, revision = service.replace(box, current_user().username, data.get("certificate"), data.get("key"),
                                        data.get("chain"))
        settle(box, revision)
        return doc
