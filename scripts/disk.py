#!/usr/bin/env python3
"""Build the dev disk image: the dev root filesystem made bootable, A/B slots, a data partition.

The production image is Buildroot (buildroot_cfg/); this one is made from
Debian packages so that it builds offline here and in CI. Both share the
rootfs/ overlay and the board files in buildroot_cfg/board/callbox/: the
post-build step, GRUB's menu with the boot counter, RAUC's system.conf, the
genimage partition layout and the post-image step that writes the disk image
and the signed update bundle.

    scripts/disk.py build [--version V] [--overlay DIR ...]
        prints {"disk": ..., "bundle": ..., "version": ..., "dir": ...}

Layers, cached in $CALLBOX_CACHE (/var/cache/callbox-dev) like scripts/rootfs.py's:
  imagebase-KEY  mmdebstrap of the dev rootfs packages plus scripts/image-packages.txt
                 (kernel, systemd, RAUC, ...), with a small initramfs, DAHDI's modules, and
                 libopenr2 and chan_dahdi rebuilt with the Buildroot image's patches; keyed by
                 both lists and the patches
  disk-KEY       the image's outputs; keyed by the base, the repository's code and
                 overlay, the board files, the version and any extra overlays
The tree that becomes the system is an overlayfs over the base (nothing is
copied); --overlay adds files on top (tests build a broken system that way).
The development signing key is made once in $CALLBOX_CACHE/rauc-dev-keys.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BOARD = REPO / "buildroot_cfg" / "board" / "callbox"
IMAGE_PACKAGES = REPO / "scripts" / "image-packages.txt"

_spec = importlib.util.spec_from_file_location("callbox_rootfs", REPO / "scripts" / "rootfs.py")
rootfs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rootfs)
CACHE = rootfs.CACHE
KEYDIR = CACHE / "rauc-dev-keys"

# The box model the dev image names (BOX_MODEL): a virtual machine's, with no I2C sensors nor front
# panel to look for (qemu has none); cards and software spans are found as on any box.
BOX_MODEL = "callbox-virtual"
# The initramfs mounts the squashfs system from the disk: these modules and no others.
INITRAMFS_MODULES = [
    "virtio_pci", "virtio_blk", "virtio_scsi", "sd_mod", "ahci", "ata_piix", "nvme", "mmc_block",
    "sdhci_pci", "xhci_pci", "ehci_pci", "usb_storage", "uas", "squashfs", "ext4", "vfat",
]
# Kernel module trees a call-center box has no use for (sound cards, GPUs, Wi-Fi, cameras ...).
DROP_MODULES = [
    "sound", "drivers/gpu", "drivers/media", "drivers/net/wireless", "net/wireless", "net/mac80211",
    "drivers/infiniband", "drivers/staging", "drivers/bluetooth", "net/bluetooth", "drivers/iio",
    "drivers/net/ethernet/mellanox", "drivers/scsi/lpfc", "drivers/scsi/qla2xxx", "drivers/scsi/mpt3sas",
    "drivers/net/can", "drivers/isdn", "drivers/input/touchscreen", "drivers/hid/intel-ish-hid",
    "fs/ocfs2", "fs/gfs2", "fs/xfs", "fs/btrfs", "fs/nfsd", "fs/ceph", "fs/smb",
]
GRUB_MODULES = ("boot linux ext2 fat squash4 part_msdos part_gpt normal biosdisk loadenv test echo "
                "serial terminal configfile halt reboot ls cat sleep").split()
# GRUB 2.06 reads gzip, lzo and xz squashfs. gzip -1 squashes this system in a few
# seconds and ends 6 % larger than -9 (which takes 40 s); xz saves 20 % and takes minutes.
SQUASHFS_COMP = ["-comp", "gzip", "-Xcompression-level", "1", "-b", "256K"]


def log(msg: str) -> None:
    print(f"disk: {msg}", file=sys.stderr, flush=True)


def image_packages() -> list[str]:
    return [line.split("#")[0].strip() for line in IMAGE_PACKAGES.read_text().splitlines()
            if line.split("#")[0].strip()]


def base_hook() -> str:
    modules = "\\n".join(INITRAMFS_MODULES)
    drops = " ".join(DROP_MODULES)
    return (
        'set -e; R="$1"; '
        f'for d in {drops}; do rm -rf "$R"/usr/lib/modules/*/kernel/$d; done; '
        'for k in "$R"/usr/lib/modules/*; do chroot "$R" depmod -a "$(basename "$k")"; done; '
        'printf "MODULES=list\\nCOMPRESS=zstd\\n" > "$R/etc/initramfs-tools/conf.d/callbox"; '
        f'printf "{modules}\\n" > "$R/etc/initramfs-tools/modules"; '
        'chroot "$R" update-initramfs -u -k all >/dev/null; '
        'rm -f "$R"/boot/*.old "$R"/vmlinuz.old "$R"/initrd.img.old; '
        'rm -rf "$R"/usr/share/doc/* "$R"/usr/share/man "$R"/usr/share/info; '
        'find "$R/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +; '
        'mkdir -p "$R/data"'
    )


# Built by dkms in the image's chroot and then removed, so that neither a compiler nor the kernel's
# headers ship: the compiler and its libraries, dkms, the headers and the tools that built them.
DAHDI_BUILD_ONLY = (
    r"dahdi-dkms|dkms|linux-headers-.*|linux-kbuild-.*|pahole|libdwarves[0-9]*|dwz|make|patch"
    r"|gcc(-[0-9]+)?(-for-host|-x86-64-linux-gnu)?|cpp(-[0-9]+)?(-for-host|-x86-64-linux-gnu)?"
    r"|binutils.*|libbinutils|libc6-dev|libc-dev-bin|linux-libc-dev|libgcc-[0-9]+-dev"
    r"|lib(asan|hwasan|lsan|tsan|ubsan|itm|quadmath|cc1-|isl|mpc|mpfr|ctf|ctf-nobfd|sframe|gprofng)[0-9]*"
)


# Parts of Debian packages the image rebuilds from Debian's own source (from the mirror its packages
# come from, pinned by digest) with the patches the Buildroot image carries, while dahdi-dkms's
# headers and the compiler are in its chroot ($R). Only the part is built, under Debian's own file
# name; fill_base fetches the sources first.
#
# libopenr2 1.3.3 (what the image's Asterisk links): in the China variant it sent the called
# number when asked for the caller's. Its configure sets CFLAGS to -ggdb3 -O0 whatever it is
# given: make is given -O2.
OPENR2_SOURCE = ("pool/main/o/openr2/openr2_1.3.3.orig.tar.gz",
                 "a498d4035677d581b64442595b1d246ec2e5a647ee3c090e83a3b22b367fc9cb")
OPENR2_PATCHES = sorted((REPO / "buildroot_cfg" / "package" / "libopenr2").glob("*.patch"))
# chan_dahdi of Asterisk 22.10.1 (Debian's asterisk-dahdi): a PRI span removed under a call freed
# the call's channel. Built with Debian's compile-time options (the module's ABI checksum must be
# the one the package's Asterisk provides, or Asterisk will not load it) and its libraries' -dev
# packages, which go again with the compiler.
ASTERISK_SOURCE = ("pool/main/a/asterisk/asterisk_22.10.1+dfsg+~cs6.17.60671434.orig.tar.xz",
                   "03e7a8adeb44c82ed7a3673df6eb1b97f5c0dacb05aeab200250655870d3f06b")
# Debian's own patches that shape the module's build: the test framework on (part of the ABI
# checksum), iLBC out (not in Debian's source).
ASTERISK_DEBIAN = ("pool/main/a/asterisk/asterisk_22.10.1+dfsg+~cs6.17.60671434-1.debian.tar.xz",
                   "3ebba3fd590fe059b73836b811f237eadb2e54ceeed07d56b0bbf4db659c5ddd")
ASTERISK_DEBIAN_PATCHES = ("2006_enable_test_framework.patch", "2008_disable_ilbc.patch")
ASTERISK_PATCHES = sorted((BOARD / "patches" / "asterisk").glob("*.patch"))
ASTERISK_BUILD_DEPS = ("build-essential pkgconf libpri-dev libopenr2-dev libtonezone-dev libss7-dev "
                       "libjansson-dev libxml2-dev libsqlite3-dev uuid-dev libedit-dev libssl-dev")
SOURCES = (OPENR2_SOURCE, ASTERISK_SOURCE, ASTERISK_DEBIAN)


def source_tarball(source: tuple[str, str]) -> Path:
    return CACHE / "sources" / source[0].rsplit("/", 1)[1]


def rebuild(name: str, source: tuple[str, str], patches: list[Path], build: str, install: str,
            prepare: str = "") -> str:
    """Shell: the source unpacked in $R/tmp/NAME ($src), `prepare` run on the host, the patches
    (and any `prepare` put in $src/patches) applied, `build` run there in the chroot (${inc} is
    DAHDI's headers' folder as the chroot sees it), then `install` on the host."""
    if not patches:
        return ""  # nothing to fix: Debian's as it comes
    listed = " ".join(f"'{p}'" for p in patches)
    return (
        f'src="$R/tmp/{name}"; mkdir -p "$src/patches"; '
        f'tar xf \'{source_tarball(source)}\' -C "$src" --strip-components=1; {prepare}'
        f'cp {listed} "$src/patches/"; '
        'inc=$(ls -d "$R"/usr/src/dahdi-*/include | head -n 1); inc=${inc#$R}; '
        f'chroot "$R" sh -ec "cd /tmp/{name}; for p in patches/*.patch; do patch -s -p1 < \\$p; done; {build}" >&2; '
        f'{install}; rm -rf "$src"; '
    )


def openr2_build() -> str:
    return rebuild(
        "openr2", OPENR2_SOURCE, OPENR2_PATCHES,
        "./configure -q --disable-static --prefix=/usr --libdir=/usr/lib/x86_64-linux-gnu CPPFLAGS=-I$inc; "
        "make -s -C src CFLAGS=-O2 libopenr2.la",
        'lib=$(readlink -f "$R/usr/lib/x86_64-linux-gnu/libopenr2.so.3"); '
        'install -m 0644 "$src/src/.libs/$(basename "$lib")" "$lib"')


def chan_dahdi_build() -> str:
    if not ASTERISK_PATCHES:
        return ""
    menuselect = " ".join(f"menuselect/menuselect {option} menuselect.makeopts;" for option in (
        "--enable TEST_FRAMEWORK", "--disable BUILD_NATIVE", "--disable-category MENUSELECT_CHANNELS",
        "--enable chan_dahdi"))
    return (
        f'chroot "$R" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends '
        f'{ASTERISK_BUILD_DEPS} >&2; '
        + rebuild(
            "asterisk", ASTERISK_SOURCE, ASTERISK_PATCHES,
            "./configure -q --disable-asteriskssl --without-pjproject-bundled --without-pjproject "
            "CPPFLAGS=-I$inc > /dev/null; make -s menuselect.makeopts; " + menuselect +
            " make -s channels ASTCFLAGS=\\\"-O2 -I$inc\\\"",
            # Debian's package names the checksum its modules need: asterisk-abi-<sum>.
            'abi=$(chroot "$R" dpkg-query -W -f \'${Provides}\' asterisk | grep -o "asterisk-abi-[0-9a-f]*"); '
            'grep -q "AST_BUILDOPT_SUM \\"${abi#asterisk-abi-}\\"" "$src/include/asterisk/buildopts.h"; '
            'strip --strip-unneeded "$src/channels/chan_dahdi.so"; '
            'install -m 0644 "$src/channels/chan_dahdi.so" "$R/usr/lib/x86_64-linux-gnu/asterisk/modules/chan_dahdi.so"',
            # Debian's first (00-*: before ours).
            f'tar xf \'{source_tarball(ASTERISK_DEBIAN)}\' -C "$src"; '
            + "".join(f'cp "$src/debian/patches/{p}" "$src/patches/00-{p}"; ' for p in ASTERISK_DEBIAN_PATCHES)))


def dahdi_hook() -> str:
    """DAHDI's kernel modules for the image's own kernel (not the build host's): Debian's dahdi-dkms
    builds them against the headers of the kernel the image ships; the modules are kept under
    updates/dahdi and what built them is purged (with what the rebuilt parts needed: every package
    installed since the hook began). dpkg is told to forget dahdi-dkms although the `dahdi-linux`
    package names it: the image's system is read-only and never runs apt."""
    listed = 'chroot "$R" dpkg-query -W -f \'${Package}\\n\' | sort'
    return (
        'set -e; R="$1"; V=$(ls "$R/usr/lib/modules"); '
        'test "$(echo "$V" | wc -l)" = 1; '
        f'{listed} > "$R/tmp/image-packages"; '
        'chroot "$R" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends '
        '"linux-headers-$V" dahdi-dkms >&2; '
        'chroot "$R" dkms autoinstall -k "$V" >&2; '
        'built="$R/usr/lib/modules/$V/updates/dkms"; '
        'for m in dahdi dahdi_dynamic dahdi_dynamic_loc wct4xxp wctdm24xxp; do '
        'ls "$built/$m.ko"* >/dev/null; done; '
        + openr2_build() + chan_dahdi_build() +
        'keep=$(mktemp -d); cp -a "$built/." "$keep/"; '
        'chroot "$R" dpkg --purge --force-depends dahdi-dkms >&2; '
        f'{listed} > "$R/tmp/built-packages"; '
        'drop=$({ comm -13 "$R/tmp/image-packages" "$R/tmp/built-packages"; '
        f'grep -E \'^({DAHDI_BUILD_ONLY})$\' "$R/tmp/built-packages" || true; }} | sort -u); '
        'rm -f "$R/tmp/image-packages" "$R/tmp/built-packages"; '
        'chroot "$R" dpkg --purge --force-depends $drop >&2; '
        'mkdir -p "$R/usr/lib/modules/$V/updates/dahdi"; cp -a "$keep/." "$R/usr/lib/modules/$V/updates/dahdi/"; '
        'rm -rf "$keep" "$R/var/lib/dkms" "$R/usr/src/"*; '
        'chroot "$R" apt-get clean'
    )


def base_args(target: Path) -> list[str]:
    args = rootfs.mmdebstrap_args(target)
    include = next(i for i, a in enumerate(args) if a.startswith("--include="))
    args[include] += "," + ",".join(image_packages())
    # The dev rootfs's own hook (mkdir /data) is part of ours.
    args = [a for a in args if not a.startswith("--customize-hook=")]
    args.insert(include + 1, "--customize-hook=" + base_hook())
    args.insert(include + 1, "--customize-hook=" + dahdi_hook())
    return args


def base_key() -> str:
    return rootfs.digest_strings(rootfs.PACKAGES.read_text(), IMAGE_PACKAGES.read_text(),
                                 " ".join(base_args(Path("/x"))[:-2]), "imagebase-1",
                                 *(p.read_text() for p in OPENR2_PATCHES + ASTERISK_PATCHES))


def fill_base(tmp: Path) -> None:
    for path, sha256 in SOURCES:
        rootfs.pinned_file(f"{rootfs.MIRROR}/{path}", sha256, folder="sources")
    log("building the image base with mmdebstrap (kernel, systemd, RAUC ...)")
    subprocess.run(base_args(tmp), check=True, stdout=sys.stderr)


def digest_paths(h, paths: list[Path]) -> None:
    for p in paths:
        if p.is_dir():
            rootfs.digest_tree(h, p, p.name)
        elif p.exists():
            h.update(p.name.encode() + b"\0" + p.read_bytes())


def default_version(app: str) -> str:
    import tomllib

    base = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    return f"{base}+dev.{app[:8]}"


def sh(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], check=True, **kw)


def make_outputs(out: Path, base: Path, version: str, overlays: list[Path]) -> None:
    work = Path(tempfile.mkdtemp(prefix=".disk-work-", dir=CACHE))
    merged = work / "merged"
    try:
        for d in ("upper", "work", "merged", "stage"):
            (work / d).mkdir()
        sh("mount", "-t", "overlay", "overlay", "-o",
           f"lowerdir={base},upperdir={work / 'upper'},workdir={work / 'work'}", merged)
        try:
            # Where the overlay has a link and Debian a directory (/etc/asterisk), the link wins, as in a dev box.
            for link in (REPO / "rootfs").rglob("*"):
                there = merged / link.relative_to(REPO / "rootfs")
                if link.is_symlink() and there.is_dir() and not there.is_symlink():
                    shutil.rmtree(there)
            rootfs.fill_app(merged)
            for extra in overlays:
                shutil.copytree(extra, merged, symlinks=True, dirs_exist_ok=True)
            # Byte code made now, by the system's own Python: a read-only system cannot cache it,
            # and compiling the supervisor at every start costs seconds on a slow box.
            site = "/" + rootfs.SITE
            sh("chroot", merged, "python3", "-m", "compileall", "-q", "-j", "0",
               *(f"{site}/{name}" for name in rootfs.CODE), stdout=subprocess.DEVNULL)
            env = {**os.environ, "CALLBOX_VERSION": version, "CALLBOX_RAUC_KEYDIR": str(KEYDIR),
                   "CALLBOX_BOX_MODEL": BOX_MODEL}
            sh(BOARD / "post-build.sh", merged, env=env)
            log(f"squashing the system (version {version})")
            t = time.monotonic()
            sh("mksquashfs", merged, work / "stage" / "rootfs.squashfs", "-noappend", "-quiet",
               "-no-progress", *SQUASHFS_COMP, stdout=subprocess.DEVNULL)
            log(f"squashfs made in {time.monotonic() - t:.0f} s")
        finally:
            sh("umount", merged)
        stage = work / "stage"
        grub_dir = Path("/usr/lib/grub/i386-pc")
        shutil.copy(grub_dir / "boot.img", stage / "boot.img")
        sh("grub-mkimage", "-d", grub_dir, "-O", "i386-pc", "-o", stage / "grub.img",
           "-p", "(hd0,msdos1)/grub", *GRUB_MODULES)
        sh(BOARD / "post-image.sh", stage, env=env, stdout=sys.stderr)
        out.mkdir(parents=True)
        for name in ("disk.img", "update.raucb", "rootfs.squashfs"):
            os.rename(stage / name, out / name)
        # The kernel alone, for qemu's KVM probe (scripts/vm.py) and direct boots when debugging.
        shutil.copy(next(base.glob("boot/vmlinuz-*")), out / "vmlinuz")
        (out / "version").write_text(version + "\n")
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    finally:
        subprocess.run(["umount", str(merged)], stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(work, ignore_errors=True)


def prune_outputs(keep: Path, count: int = 4) -> None:
    """Old outputs go (each is about 700 MB); the newest `count` stay (a test run builds three)."""
    outs = sorted((p for p in CACHE.glob("disk-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in outs[:-count]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def build(version: str | None, overlays: list[Path]) -> dict:
    CACHE.mkdir(parents=True, exist_ok=True)
    base = rootfs.build_layer("imagebase", base_key(), fill_base)
    h = hashlib.sha256(base.name.encode())
    rootfs.digest_app(h)
    app = h.hexdigest()[:16]
    version = version or default_version(app)
    h.update(version.encode())
    digest_paths(h, [BOARD, *overlays])
    h.update(json.dumps(SQUASHFS_COMP + GRUB_MODULES + [BOX_MODEL]).encode())
    out = CACHE / f"disk-{h.hexdigest()[:16]}"
    if not (out / "disk.img").exists():
        t = time.monotonic()
        make_outputs(out, base, version, overlays)
        log(f"disk image built in {time.monotonic() - t:.0f} s")
        prune_outputs(keep=out)
    else:
        os.utime(out)
    return {"dir": str(out), "disk": str(out / "disk.img"), "bundle": str(out / "update.raucb"),
            "version": (out / "version").read_text().strip()}


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="disk.py", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--version")
    b.add_argument("--overlay", action="append", default=[], type=Path,
                   help="a directory laid over the system last (repeatable)")
    a = p.parse_args(argv[1:])
    if os.geteuid() != 0:
        print("disk.py: run as root (mmdebstrap and the overlay mount need it)", file=sys.stderr)
        return 2
    result = build(a.version, [o.resolve() for o in a.overlay])
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
