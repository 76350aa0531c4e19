"""Every image names its box model (BOX_MODEL), so that the hardware manager knows the board's I2C
sensors and front panel: the production image (Buildroot) by BR2_PACKAGE_CALLBOX_BOX_MODEL, the dev
disk image by scripts/disk.py; box-model.sh writes it where the supervisor's unit reads it."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
from pathlib import Path

import pytest

from appliance.hardware import profiles
from appliance.settings import Runtime

REPO = Path(__file__).resolve().parents[2]
HWPROFILES = REPO / "hwprofiles"
EXTERNAL = REPO / "buildroot_cfg"
SCRIPT = EXTERNAL / "board" / "callbox" / "box-model.sh"
SYMBOL = "BR2_PACKAGE_CALLBOX_BOX_MODEL"


def _disk_model() -> str:
    spec = importlib.util.spec_from_file_location("disk_under_test", REPO / "scripts" / "disk.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BOX_MODEL


def _image_models() -> dict[str, str]:
    defconfig = (EXTERNAL / "configs" / "callbox_x86_64_defconfig").read_text()
    kconfig = (EXTERNAL / "package" / "callbox" / "Config.in").read_text()
    option = re.search(rf"^config {SYMBOL}\n(.*?)(?:\n\n|\Z)", kconfig, re.M | re.S)
    assert option, f"{SYMBOL} is not in the callbox package's Config.in"
    found = {"callbox_x86_64_defconfig": re.findall(rf'^{SYMBOL}="([^"]*)"$', defconfig, re.M),
             "Config.in default": re.findall(r'^\tdefault "([^"]*)"$', option.group(1), re.M)}
    for where, values in found.items():
        assert len(values) == 1, f"{where} names {values!r}, not one box model"
    return {where: values[0] for where, values in found.items()} | {"dev disk image": _disk_model()}


def test_every_image_names_a_box_model_that_exists_and_passes_the_schema():
    boxes = profiles.load_boxes(profiles.load_cards(HWPROFILES), HWPROFILES)
    for image, model in _image_models().items():
        assert model in boxes, f"{image}: no box model {model!r} in hwprofiles/boxes"
        Runtime.from_environ({"BOX_MODEL": model})  # a name the supervisor takes
    # The production image is the largest box, with its sensors and panel; the dev image runs in
    # qemu, which has no I2C bus: a model without cards, sensors or panel (nothing to time out on).
    assert boxes[_image_models()["callbox_x86_64_defconfig"]].spans == 32
    virtual = boxes[_disk_model()]
    assert (virtual.cards, virtual.spans, virtual.ports, virtual.sensors, virtual.panel) == ((), 0, 0, None, None)


def _run(target: Path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("CALLBOX_BOX_MODEL", "BR2_CONFIG")}
    return subprocess.run(["sh", str(SCRIPT), str(target)], env={**clean, **env}, capture_output=True, text=True,
                          timeout=30)


def _environment(target: Path) -> dict[str, str]:
    """The file as systemd's EnvironmentFile reads it: KEY=VALUE lines, # comments."""
    text = (target / "usr/lib/callbox/box-model").read_text()
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def test_the_model_reaches_the_supervisors_environment(tmp_path):
    config = tmp_path / ".config"
    config.write_text(f'BR2_PACKAGE_CALLBOX=y\n{SYMBOL}="callbox-hybrid-4-8"\n')
    r = _run(tmp_path / "buildroot", BR2_CONFIG=str(config))
    assert r.returncode == 0, r.stderr
    env = _environment(tmp_path / "buildroot")
    assert env == {"BOX_MODEL": "callbox-hybrid-4-8"}
    assert Runtime.from_environ(env).box_model == "callbox-hybrid-4-8"
    # The dev disk image says its own.
    r = _run(tmp_path / "dev", CALLBOX_BOX_MODEL="callbox-virtual", BR2_CONFIG=str(config))
    assert r.returncode == 0, r.stderr
    assert _environment(tmp_path / "dev") == {"BOX_MODEL": "callbox-virtual"}
    unit = (REPO / "rootfs/usr/lib/systemd/system/callbox.service").read_text()
    files = re.findall(r"^EnvironmentFile=-?(\S+)$", unit, re.M)
    # The box's own settings file comes last: what it sets wins.
    assert files == ["/usr/lib/callbox/box-model", "/etc/default/callbox"]


@pytest.mark.parametrize("env, says", [
    ({}, "no box model"),
    ({"CALLBOX_BOX_MODEL": "callbox-e1-64"}, "has no callbox-e1-64.toml"),
    ({"CALLBOX_BOX_MODEL": "../boxes/callbox-e1-32"}, "not a box model's name"),
    ({"CALLBOX_BOX_MODEL": "callbox-e1-32\nBOX_I2C=simulated"}, "not a box model's name"),
])
def test_an_image_without_a_known_model_is_not_made(tmp_path, env, says):
    r = _run(tmp_path, **env)
    assert r.returncode != 0 and says in r.stderr
    assert not (tmp_path / "usr/lib/callbox/box-model").exists()
