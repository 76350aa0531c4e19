"""The manager registry: fixed order, a failure stays local, health says why."""

from __future__ import annotations

import pytest

from appliance.settings import Address, Runtime, SettingsError
from appliance.supervisor import Box, Manager


def make(name, calls, fail=None, needs=(), health=None):
    class M(Manager):
        pass

    M.name = name
    M.needs = needs

    def step(phase):
        def run(self):
            calls.append((name, phase))
            if fail == phase:
                raise RuntimeError(f"{name} broke")
        return run

    M.load, M.start, M.stop = step("load"), step("start"), step("stop")
    M.health = lambda self: dict(health or {})
    return M


def runtime(tmp_path):
    return Runtime.from_environ({"BOX_DATA": str(tmp_path)})


def test_order_and_isolation(tmp_path):
    calls = []
    box = Box(runtime(tmp_path), [
        make("settings", calls),
        make("hardware", calls, fail="load"),
        make("pbx", calls, health={"asterisk": "up"}),
        make("web", calls),
    ])
    box.start()
    assert calls == [("settings", "load"), ("hardware", "load"), ("pbx", "load"), ("web", "load"),
                     ("settings", "start"), ("pbx", "start"), ("web", "start")]
    health = box.health()
    assert health["status"] == "degraded" and health["asterisk"] == "up"
    assert health["managers"]["hardware"] == {"ok": False, "error": "load failed: hardware broke"}
    assert health["managers"]["web"] == {"ok": True}
    calls.clear()
    box.stop()
    assert calls == [("web", "stop"), ("pbx", "stop"), ("settings", "stop")]


def test_a_manager_needing_a_failed_one_does_not_run(tmp_path):
    calls = []
    box = Box(runtime(tmp_path), [make("database", calls, fail="load"), make("pbx", calls, needs=("database",))])
    box.start()
    assert ("pbx", "load") not in calls
    assert box.health()["managers"]["pbx"]["error"] == "needs database, which failed"


def test_healthy_only_with_asterisk_up(tmp_path):
    box = Box(runtime(tmp_path), [make("pbx", [], health={"asterisk": "down"})])
    box.start()
    assert box.health()["status"] == "degraded"
    box = Box(runtime(tmp_path), [make("pbx", [], health={"asterisk": "up"})])
    box.start()
    assert box.health()["status"] == "ok"


def test_runtime_from_environment(tmp_path):
    rt = Runtime.from_environ({"BOX_DATA": str(tmp_path), "BOX_HTTP": "0.0.0.0:80", "BOX_SIP": "[::1]:5062"})
    assert rt.http == Address("0.0.0.0", 80) and rt.sip == Address("::1", 5062)
    assert str(rt.sip) == "[::1]:5062"
    assert rt.paths.config_db == tmp_path / "config.db"
    assert rt.ami.is_loopback
    assert rt.reports_db == ""  # the SQLite file in the data directory
    pg = Runtime.from_environ({"BOX_REPORTS_DB": "postgresql://callbox:pw@10.0.0.5:5432/reports"})
    assert pg.reports_db == "postgresql://callbox:pw@10.0.0.5:5432/reports"


@pytest.mark.parametrize("env", [
    {"BOX_HTTP": "localhost:8080"},  # names would need DNS
    {"BOX_SIP": "127.0.0.1"},
    {"BOX_SIP": "127.0.0.1:99999"},
    {"BOX_AMI": "0.0.0.0:5038"},  # the manager interface is loopback only
    {"BOX_RTP": "20000-10000"},
    {"BOX_REPORTS_DB": "mysql://u:p@db/reports"},  # PostgreSQL or the SQLite file, nothing else
    {"BOX_REPORTS_DB": "postgresql://u:p@db"},  # no database named
])
def test_bad_runtime_settings_are_refused(env):
    with pytest.raises(SettingsError):
        Runtime.from_environ(env)
