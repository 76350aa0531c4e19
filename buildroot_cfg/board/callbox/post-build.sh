#!/bin/sh
# Finishes a Callbox root file system for the read-only system slots.
#   post-build.sh TARGET_DIR
# Buildroot runs it as BR2_ROOTFS_POST_BUILD_SCRIPT; scripts/disk.py runs it on
# the dev disk image's tree, so both images come out the same way.
# Environment: CALLBOX_VERSION (default: from git), CALLBOX_RAUC_CERT or a key
# directory CALLBOX_RAUC_KEYDIR (see rauc-keys.sh), the box model (see box-model.sh).
set -eu
TARGET=$1
BOARD=$(dirname "$(readlink -f "$0")")
REPO=$(readlink -f "$BOARD/../../..")
VERSION=${CALLBOX_VERSION:-$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)}
KEYDIR=${CALLBOX_RAUC_KEYDIR:-${BASE_DIR:-$REPO/output}/rauc-dev-keys}

# The version file: the web UI and the update flow read it.
cat > "$TARGET/etc/callbox-release" <<REL
NAME=Callbox
VERSION=$VERSION
COMPATIBLE=callbox-x86_64
REL

# The box model: its board's sensors and front panel.
"$BOARD/box-model.sh" "$TARGET"

# The system is read-only: what must change at run time lives on /data (made
# by data-setup at first boot) or in /run.
mkdir -p "$TARGET/data" "$TARGET/mnt/boot"
for f in hosts hostname localtime; do
    rm -f "$TARGET/etc/$f"
    ln -s "/data/etc/$f" "$TARGET/etc/$f"
done
rm -f "$TARGET/etc/resolv.conf"
ln -s /run/callbox/resolv.conf "$TARGET/etc/resolv.conf"
# The box's time servers (the supervisor writes them at each start and change; chrony reads sources.d).
mkdir -p "$TARGET/etc/chrony/sources.d"
ln -sf /run/callbox/chrony.sources "$TARGET/etc/chrony/sources.d/callbox.sources"
rm -rf "$TARGET/etc/dropbear"
ln -s /data/etc/dropbear "$TARGET/etc/dropbear"
# An empty machine-id: systemd makes one in /run at each boot.
: > "$TARGET/etc/machine-id"

# The kernel (and initramfs, where there is one) under fixed names for grub.cfg.
if [ -e "$TARGET/boot/bzImage" ]; then
    ln -sf bzImage "$TARGET/boot/vmlinuz"
fi
for k in "$TARGET"/boot/vmlinuz-*; do
    [ -e "$k" ] || continue
    ln -sf "$(basename "$k")" "$TARGET/boot/vmlinuz"
    v=${k##*/vmlinuz-}
    [ -e "$TARGET/boot/initrd.img-$v" ] && ln -sf "initrd.img-$v" "$TARGET/boot/initrd.img"
done

# RAUC: slots, bootloader, and the certificate bundles must be signed with.
set -- $("$BOARD/rauc-keys.sh" "$KEYDIR")
mkdir -p "$TARGET/etc/rauc"
cp "$BOARD/rauc/system.conf" "$TARGET/etc/rauc/system.conf"
cp "$2" "$TARGET/etc/rauc/keyring.pem"

# Units the image starts (Buildroot's systemd has no preset step for ours).
wants() {
    mkdir -p "$TARGET/etc/systemd/system/$1.wants"
    ln -sf "/usr/lib/systemd/system/$2" "$TARGET/etc/systemd/system/$1.wants/$2"
}
wants local-fs.target callbox-var.service
wants local-fs.target callbox-data.service
wants local-fs.target mnt-boot.mount
wants multi-user.target callbox.service
wants multi-user.target callbox-ssh.service
wants timers.target callbox-boot-guard.timer
# Buildroot's Asterisk keeps its data (sounds, keys) in /usr/lib/asterisk; the
# supervisor's asterisk.conf names Debian's places for them.
if [ -d "$TARGET/usr/lib/asterisk/sounds" ] && [ ! -e "$TARGET/usr/share/asterisk" ]; then
    ln -s ../lib/asterisk "$TARGET/usr/share/asterisk"
fi
if [ -d "$TARGET/usr/lib/asterisk" ] && [ ! -e "$TARGET/var/lib/asterisk" ]; then
    mkdir -p "$TARGET/var/lib"
    ln -s ../../usr/lib/asterisk "$TARGET/var/lib/asterisk"
fi

# The supervisor owns Asterisk: a distribution's own Asterisk service must not start it too.
ln -sf /dev/null "$TARGET/etc/systemd/system/asterisk.service"
# The hardware watchdog resets a hung box.
mkdir -p "$TARGET/etc/systemd/system.conf.d"
printf '[Manager]\nRuntimeWatchdogSec=30s\nRebootWatchdogSec=2min\n' > "$TARGET/etc/systemd/system.conf.d/callbox-watchdog.conf"
