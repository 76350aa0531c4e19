"""/system/certificate: the certificate the box serves over HTTPS and SIP TLS."""

from __future__ import annotations

from appliance.errors import NotFound
from appliance.tls import certificate


def install(api, box) -> None:
    @api.get("/system/certificate")
    def show():
        """The served certificate: its SHA-256 fingerprint ("sha256:..."), subject, issuer, validity, names, whether self-signed."""
        try:
            return certificate.current(box.runtime)
        except FileNotFoundError:
            raise NotFound("the box has made no certificate yet (its tls service did not start)") from None
