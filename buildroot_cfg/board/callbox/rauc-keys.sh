#!/bin/sh
# The key and certificate that sign update bundles, printed as "KEY CERT".
#
# A release build names its own with CALLBOX_RAUC_KEY and CALLBOX_RAUC_CERT
# (the key may be a PKCS#11 URI); the certificate becomes the image's keyring,
# so only bundles signed with that key install. Without them a development key
# is made once in DIR and kept there: boxes built with it take only bundles
# from the same DIR. Never ship a development key.
#   rauc-keys.sh DIR
set -eu
if [ -n "${CALLBOX_RAUC_KEY:-}" ] || [ -n "${CALLBOX_RAUC_CERT:-}" ]; then
    if [ -z "${CALLBOX_RAUC_KEY:-}" ] || [ ! -s "${CALLBOX_RAUC_CERT:-}" ]; then
        echo "rauc-keys: set both CALLBOX_RAUC_KEY and CALLBOX_RAUC_CERT (a certificate file)" >&2
        exit 1
    fi
    echo "$CALLBOX_RAUC_KEY $CALLBOX_RAUC_CERT"
    exit 0
fi
dir=$1
mkdir -p "$dir"
if [ ! -s "$dir/dev-key.pem" ] || [ ! -s "$dir/dev-cert.pem" ]; then
    echo "rauc-keys: making a development signing key in $dir" >&2
    openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -sha256 \
        -subj "/O=Callbox/CN=Callbox development update key $(hostname 2>/dev/null || echo build)" \
        -keyout "$dir/dev-key.pem.tmp" -out "$dir/dev-cert.pem.tmp" >/dev/null 2>&1
    chmod 0600 "$dir/dev-key.pem.tmp"
    mv "$dir/dev-key.pem.tmp" "$dir/dev-key.pem"
    mv "$dir/dev-cert.pem.tmp" "$dir/dev-cert.pem"
fi
echo "$dir/dev-key.pem $dir/dev-cert.pem"
