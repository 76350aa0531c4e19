"""The supervisor's open-file limit (Asterisk inherits it): raised to the target however it starts."""

from __future__ import annotations

import resource

from appliance.system import NOFILE, nofile_steps

INF = resource.RLIM_INFINITY


def test_systemd_default_raises_the_soft_limit_only():
    # systemd: soft 1024 under hard 524288. The old rule looked at the hard limit alone and
    # left the soft one at 1024.
    assert nofile_steps(1024, 524288) == [(NOFILE, 524288)]
    assert nofile_steps(1024, INF) == [(NOFILE, INF)]


def test_low_hard_limit_is_raised_when_allowed_else_soft_goes_to_it():
    assert nofile_steps(1024, 4096) == [(NOFILE, NOFILE), (4096, 4096)]


def test_enough_already_changes_nothing():
    assert nofile_steps(NOFILE, NOFILE) == []
    assert nofile_steps(1 << 20, 1 << 20) == []
    assert nofile_steps(INF, INF) == []


def test_the_production_unit_asks_for_the_same_limit():
    from pathlib import Path

    unit = Path(__file__).resolve().parents[2] / "rootfs/usr/lib/systemd/system/callbox.service"
    assert f"LimitNOFILE={NOFILE}" in unit.read_text().splitlines()
