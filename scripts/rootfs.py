#!/usr/bin/env python3
"""Build the dev box root filesystem, cached in two layers.

base: Debian sid with the packages in rootfs-packages.txt (mmdebstrap), keyed
      by the package list and build options. Rebuilt only when those change.
app:  the rootfs/ overlay and this repository's code, installed where the box
      has it, and the pinned wheels of rootfs-wheels.txt (what Debian lacks), keyed by
      the content of those. Cheap to rebuild. It takes
      the prompts from a third cached layer, sounds (scripts/make-sounds.py),
      remade only when their texts change.

A box instance mounts them as overlayfs lower layers (app over base), so code
changes never re-run mmdebstrap. Prints the layer paths as JSON.

    scripts/rootfs.py build      build what is missing, print {"base": ..., "app": ...}
    scripts/rootfs.py path       print the layers without building (fails if missing)
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("CALLBOX_CACHE", "/var/cache/callbox-dev"))
MIRROR = os.environ.get("CALLBOX_MIRROR", "http://deb.debian.org/debian")
SUITE = "sid"
PACKAGES = REPO / "scripts" / "rootfs-packages.txt"
WHEELS = REPO / "scripts" / "rootfs-wheels.txt"
SOUNDS_TOOL = REPO / "scripts" / "make-sounds.py"
SITE = "usr/lib/python3/dist-packages"
CODE = ("appliance", "webui")
# Layers kept, by kind: the most recently used (a running instance may still use one;
# app layers are small and every code change makes one, in every worktree on the machine;
# scripts/disk.py keeps its image bases here too).
KEEP = {"base": 3, "app": 40, "imagebase": 2, "sounds": 3}


def packages() -> list[str]:
    return [line.split("#")[0].strip() for line in PACKAGES.read_text().splitlines() if line.split("#")[0].strip()]


def mmdebstrap_args(target: Path) -> list[str]:
    return [
        "mmdebstrap",
        "--variant=minbase",
        "--mode=root",
        # The mirror here serves a frozen copy whose Release file has expired.
        '--aptopt=Acquire::Check-Valid-Until "false"',
        "--include=" + ",".join(packages()),
        "--customize-hook=mkdir -p \"$1/data\"",
        SUITE,
        str(target),
        MIRROR,
    ]


def digest_strings(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def digest_tree(h, root: Path, prefix: str) -> None:
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if "__pycache__" in rel.parts or path.suffix == ".pyc":
            continue
        st = path.lstat()
        h.update(f"{prefix}/{rel}\0{stat.S_IFMT(st.st_mode)}\0{st.st_mode & 0o777}\0".encode())
        if path.is_symlink():
            h.update(os.readlink(path).encode())
        elif path.is_file():
            h.update(path.read_bytes())
        h.update(b"\0")


def base_key() -> str:
    return digest_strings(PACKAGES.read_text(), " ".join(mmdebstrap_args(Path("/x"))[:-2]), SUITE)


def digest_app(h) -> None:
    """What the app layer is made of: the overlay, the code, the card profiles, the wheels."""
    for name in ("rootfs", *CODE, "hwprofiles"):
        if (REPO / name).exists():
            digest_tree(h, REPO / name, name)
    h.update(WHEELS.read_bytes())


def app_key(base: str) -> str:
    h = hashlib.sha256(base.encode())
    digest_app(h)
    h.update(sounds_key().encode())
    return h.hexdigest()[:16]


def wheels() -> list[tuple[str, str]]:
    return [tuple(line.split()) for line in WHEELS.read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def pinned_file(url: str, sha256: str, folder: str = "wheels") -> Path:
    """The file at `url` (a wheel, a source tarball), downloaded once into the cache and checked
    against its pinned digest."""
    import urllib.request

    path = CACHE / folder / url.rsplit("/", 1)[1]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"rootfs: fetching {path.name}", file=sys.stderr)
        with urllib.request.urlopen(url, timeout=120) as answer:
            data = answer.read()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise SystemExit(f"rootfs: {path.name} does not have its pinned SHA-256")
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return path


def install_wheels(site: Path) -> None:
    """Unpack the pure-Python wheels (a wheel is a zip of the installed files and their metadata)."""
    import zipfile

    for url, sha256 in wheels():
        with zipfile.ZipFile(pinned_file(url, sha256)) as wheel:
            wheel.extractall(site, [n for n in wheel.namelist() if "/tests/" not in n])


def build_layer(kind: str, key: str, fill) -> Path:
    """The cached layer `kind-key`, made by `fill(tmpdir)` and renamed into place when missing."""
    final = CACHE / f"{kind}-{key}"
    if final.is_dir():
        os.utime(final)  # used now: pruning goes by last use
        return final
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{kind}-", dir=CACHE))
    try:
        fill(tmp)
        os.chmod(tmp, 0o755)
        os.rename(tmp, final)
        os.utime(final)  # copytree gave it the source's time; pruning goes by last use
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        # Two builds of the same layer at once (two boxes starting): the other one won the rename.
        if e.errno not in (errno.ENOTEMPTY, errno.EEXIST) or not final.is_dir():
            raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    prune(f"{kind}-", keep=final, count=KEEP[kind])
    return final


def fill_base(tmp: Path) -> None:
    print(f"rootfs: building the base layer with mmdebstrap ({SUITE}) ...", file=sys.stderr)
    subprocess.run(mmdebstrap_args(tmp), check=True, stdout=sys.stderr)


def sounds_key() -> str:
    h = hashlib.sha256(SOUNDS_TOOL.read_bytes())
    digest_tree(h, SOUNDS_TOOL.parent / "sounds", "sounds")
    version = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout
    h.update(version.encode())
    return h.hexdigest()[:16]


def fill_sounds(tmp: Path) -> None:
    print("rootfs: speaking the prompts (scripts/make-sounds.py) ...", file=sys.stderr)
    subprocess.run([sys.executable, str(SOUNDS_TOOL), str(tmp)], check=True, stdout=sys.stderr)


def fill_app(tmp: Path) -> None:
    shutil.copytree(REPO / "rootfs", tmp, symlinks=True, dirs_exist_ok=True)
    # Made once per change of their texts, not per code change.
    shutil.copytree(build_layer("sounds", sounds_key(), fill_sounds), tmp, dirs_exist_ok=True)
    site = tmp / SITE
    site.mkdir(parents=True, exist_ok=True)
    install_wheels(site)
    for name in CODE:
        shutil.copytree(REPO / name, site / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if (REPO / "hwprofiles").is_dir():
        shutil.copytree(REPO / "hwprofiles", tmp / "usr/share/callbox/hwprofiles")


def prune(prefix: str, keep: Path, count: int) -> None:
    """Drop old layers: the `count` most recently used stay (a running instance may still use one)."""
    layers = sorted((p for p in CACHE.glob(prefix + "*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in layers[:-count]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "build"
    if command == "build":
        base = build_layer("base", base_key(), fill_base)
        app = build_layer("app", app_key(base.name), fill_app)
    elif command == "path":
        base = CACHE / f"base-{base_key()}"
        app = CACHE / f"app-{app_key(base.name)}"
        if not (base.is_dir() and app.is_dir()):
            print("rootfs: not built; run make rootfs", file=sys.stderr)
            return 1
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps({"base": str(base), "app": str(app)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
