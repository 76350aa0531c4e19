"""scripts/rootfs.py's layer cache: two boxes starting at once may build the same layer."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "rootfs.py"


@pytest.fixture
def rootfs(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("rootfs_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "CACHE", tmp_path)
    return module


def test_a_layer_another_build_put_in_place_first_is_used(rootfs, tmp_path):
    def fill(tmp):
        (tmp / "mine").write_text("late")
        (tmp_path / "app-k").mkdir()  # the other build's rename lands while this one fills
        (tmp_path / "app-k" / "theirs").write_text("first")

    layer = rootfs.build_layer("app", "k", fill)
    assert layer == tmp_path / "app-k"
    assert sorted(p.name for p in layer.iterdir()) == ["theirs"]
    assert [p.name for p in tmp_path.iterdir()] == ["app-k"]  # this build's copy is gone


def test_a_failed_fill_leaves_nothing_and_raises(rootfs, tmp_path):
    def fill(tmp):
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        rootfs.build_layer("app", "k", fill)
    assert list(tmp_path.iterdir()) == []
