"""Replacing the box's certificate with the owner's: checked, written, then served.

The files are written first; then the change is recorded (its fingerprint in the settings,
for the audit log and so that pjsip.conf renders anew: reloading it has Asterisk restart its
TLS listener on the new files), and the web server's HTTPS listener takes them for every new
connection. Nothing restarts.
"""

from __future__ import annotations

import logging

from .. import box_settings
from ..db import change
from ..log import kv
from . import certificate, upload

log = logging.getLogger(__name__)


def replace(box, actor: str, cert_pem, key_pem, chain_pem=None):
    """Serve the owner's certificate; returns (describe() of it, the change's revision or None)."""
    checked = upload.check(cert_pem, key_pem, chain_pem)
    rt = box.runtime
    certificate.install(certificate.paths(rt), checked.chain_pem, checked.key_pem, rt.asterisk_user)
    fingerprint = certificate.fingerprint(checked.chain_pem)
    with change(actor, "certificate.upload", fingerprint) as cs:
        box_settings.save(cs, {"tls_certificate": fingerprint})
    web = getattr(box, "web", None)
    if web is not None and not web.error:
        web.reload_certificate()
    log.info("the owner's certificate is served", extra=kv(fingerprint=fingerprint))
    return certificate.current(rt), None if cs.empty else cs.revision
