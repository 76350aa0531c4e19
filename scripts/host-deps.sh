#!/bin/sh
# Installs what building and testing a dev box needs on a Debian or Ubuntu host.
# Idempotent and quiet when everything is present.
set -eu
need=""
# The disk image and qemu (tests/system): genimage, RAUC, GRUB for PC BIOS, squashfs, FAT tools.
# The test fax machine (tests/faxmachine.py): spandsp; tiff2pdf for the fax unit tests.
# The reports store on PostgreSQL (tests/integration/test_reports_postgresql.py): its server.
# WireGuard peers the tests run (tests/wgpeer.py), nftables for the NAT in front of test branches.
# The SFTP server the backup test runs (tests/sftpserver.py): OpenSSH's sshd.
# socat: qemu hands the guest's connections to headquarters (tests/system) to it.
# xz-utils: Asterisk's source, which the disk image rebuilds chan_dahdi from.
for pkg in mmdebstrap espeak-ng debian-archive-keyring sip-tester iproute2 util-linux ca-certificates sox libsox-fmt-mp3 chromium fonts-noto-cjk \
        umockdev qemu-system-x86 qemu-utils genimage rauc grub-pc-bin grub-common squashfs-tools mtools dosfstools fdisk openssl \
        libspandsp2 libtiff-tools postgresql wireguard-go wireguard-tools nftables openssh-server socat xz-utils; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need="$need $pkg"
done
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    need="$need python3-venv"
fi
if [ -n "$need" ]; then
    echo "host-deps: installing$need"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
