#!/bin/sh
# Makes the disk image and the update bundle from a finished system.
#   post-image.sh BINARIES_DIR
# BINARIES_DIR holds rootfs.squashfs (the system), boot.img and grub.img (GRUB
# for PC BIOS). Writes there: disk.img (boot, system A, system B, data; see
# genimage.cfg) and update.raucb (the system as a signed RAUC bundle).
# Buildroot runs it as BR2_ROOTFS_POST_IMAGE_SCRIPT; scripts/disk.py runs the
# same for the dev disk image. Environment: CALLBOX_VERSION, and the signing key
# as for post-build.sh (rauc-keys.sh). Needs genimage, rauc, grub-editenv,
# mtools and dosfstools on PATH.
set -eu
OUT=$(readlink -f "$1")
BOARD=$(dirname "$(readlink -f "$0")")
REPO=$(readlink -f "$BOARD/../../..")
VERSION=${CALLBOX_VERSION:-$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)}
KEYDIR=${CALLBOX_RAUC_KEYDIR:-${BASE_DIR:-$REPO/output}/rauc-dev-keys}
COMPATIBLE=$(sed -n 's/^compatible=//p' "$BOARD/rauc/system.conf")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/callbox-post-image.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# The boot menu and its environment: slot A good, slot B empty.
cp "$BOARD/grub.cfg" "$OUT/grub.cfg"
rm -f "$OUT/grubenv"
grub-editenv "$OUT/grubenv" create
grub-editenv "$OUT/grubenv" set ORDER="A B" A_OK=1 A_TRY=0 B_OK=0 B_TRY=0

rm -f "$OUT/disk.img" "$OUT/boot.vfat"
mkdir -p "$WORK/root"
genimage --config "$BOARD/genimage.cfg" --rootpath "$WORK/root" --tmppath "$WORK/genimage" \
    --inputpath "$OUT" --outputpath "$OUT" >"$WORK/genimage.log" 2>&1 || {
    cat "$WORK/genimage.log" >&2
    exit 1
}

# The update bundle: the same system image, signed.
set -- $("$BOARD/rauc-keys.sh" "$KEYDIR")
mkdir -p "$WORK/bundle"
ln "$OUT/rootfs.squashfs" "$WORK/bundle/rootfs.squashfs" 2>/dev/null || cp "$OUT/rootfs.squashfs" "$WORK/bundle/"
cat > "$WORK/bundle/manifest.raucm" <<MANIFEST
[update]
compatible=$COMPATIBLE
version=$VERSION
description=Callbox $VERSION

[bundle]
format=verity

[image.rootfs]
filename=rootfs.squashfs
MANIFEST
rm -f "$OUT/update.raucb"
rauc bundle --key "$1" --cert "$2" "$WORK/bundle" "$OUT/update.raucb" >"$WORK/rauc.log" 2>&1 || {
    cat "$WORK/rauc.log" >&2
    exit 1
}
echo "post-image: $OUT/disk.img and $OUT/update.raucb (version $VERSION)"
