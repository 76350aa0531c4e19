"""The production image's defconfig holds against a Buildroot tree (offline).

Give the tree as BUILDROOT=path; without one the test is skipped, saying so.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_image_check_keeps_every_defconfig_line():
    tree = os.environ.get("BUILDROOT")
    if not tree:
        pytest.skip("no Buildroot tree given: set BUILDROOT=path/to/buildroot to check the production defconfig")
    r = subprocess.run(["make", "-s", "image-check", f"BUILDROOT={tree}"], cwd=REPO, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, f"make image-check failed:\n{r.stdout}\n{r.stderr}"
    assert "lines of callbox_x86_64_defconfig hold" in r.stdout


def test_image_check_fails_on_a_dropped_symbol(tmp_path):
    """The check itself: a symbol kconfig does not know must fail it."""
    tree = os.environ.get("BUILDROOT")
    if not tree:
        pytest.skip("no Buildroot tree given: set BUILDROOT=path/to/buildroot")
    ext = tmp_path / "repo"
    (ext / "scripts").mkdir(parents=True)
    subprocess.run(["cp", "-a", str(REPO / "buildroot_cfg"), str(ext / "buildroot_cfg")], check=True)
    subprocess.run(["cp", str(REPO / "scripts" / "image-check.sh"), str(ext / "scripts")], check=True)
    defconfig = ext / "buildroot_cfg" / "configs" / "callbox_x86_64_defconfig"
    defconfig.write_text(defconfig.read_text() + "BR2_PACKAGE_CALLBOX_NO_SUCH_THING=y\n")
    r = subprocess.run([str(ext / "scripts" / "image-check.sh"), tree], capture_output=True, text=True, timeout=600)
    assert r.returncode == 1
    assert "dropped: BR2_PACKAGE_CALLBOX_NO_SUCH_THING=y" in r.stderr
