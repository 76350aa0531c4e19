"""The hardware manager with a box model's board on a simulated I2C bus: GET /api/v1/hardware
shows the sensors and the panel's lines, an alarm goes to health and the event stream and onto
the panel, and a box without a declared board shows none of it."""

from __future__ import annotations

import pytest

from appliance.hardware import profiles
from appliance.hardware.i2c_sim import SimulatedBus


@pytest.fixture
def board(admin):
    """The largest box model: two LM75Bs, an EMC2101, a 20x4 panel at 0x27 on bus 1."""
    bus = SimulatedBus()
    bus.add(0x48, {0x00: [0x1C, 0x20]})                          # 28.125 °C
    bus.add(0x49, {0x00: [0x2A, 0x00]})                          # 42 °C
    bus.add(0x4C, {0x03: [0x04], 0x46: [0xCA], 0x47: [0x08]})    # 2400 rpm
    bus.add(0x27)
    hardware = admin.box.hardware
    model = profiles.load_boxes(hardware.cards)["callbox-e1-32"]
    hardware.use_board(model, bus, sleep=lambda s: None)
    return admin, hardware, bus


def test_the_hardware_page_shows_the_readings_and_what_the_panel_says(board):
    api, hardware, bus = board
    hardware.poll_board()
    doc = api.get("/hardware").json
    assert doc["board"] == {"model": "callbox-e1-32", "error": None}
    assert [(r["name"], r["value"], r["unit"], r["level"]) for r in doc["sensors"]["readings"]] == [
        ("Inlet", 28.125, "°C", "ok"), ("Cards", 42.0, "°C", "ok"), ("Fan", 2400, "rpm", "ok")]
    assert doc["sensors"]["declared"] is True and doc["sensors"]["alarms"] == []
    assert doc["panel"] == {"declared": True, "driver": "hd44780-pcf8574", "bus": 1, "address": "0x27", "columns": 20,
                            "rows": 4, "lines": ["127.0.0.1:8080", "All OK"], "error": None}
    assert hardware.health()["hardware"]["sensor_alarms"] == []


def test_an_alarm_is_published_shown_in_health_and_on_the_panel_then_cleared(board):
    api, hardware, bus = board
    hardware.poll_board()
    events = hardware.box.events.subscribe()
    bus.set(0x49, 0x00, 0x48, 0x00)  # 72 °C over the cards: high (70)
    bus.set(0x4C, 0x46, 0xFF)
    bus.set(0x4C, 0x47, 0xFF)        # the fan stands still
    written = len(bus.sent[0x27])
    hardware.poll_board()
    [event] = events.get(0)
    assert event.topic == "sensor_alarms" and [(a["name"], a["level"]) for a in event.data["sensors"]] == [
        ("Cards", "high"), ("Fan", "stopped")]
    assert [a["name"] for a in hardware.health()["hardware"]["sensor_alarms"]] == ["Cards", "Fan"]
    assert hardware.panel.doc()["lines"] == ["127.0.0.1:8080", "Cards 72C HIGH", "Fan STOPPED"]  # 22 characters: the host alone
    assert len(bus.sent[0x27]) > written
    written = len(bus.sent[0x27])
    hardware.poll_board()             # nothing changed: nothing published, nothing written
    assert events.get(0) == [] and len(bus.sent[0x27]) == written
    bus.set(0x49, 0x00, 0x40, 0x00)   # 64 °C: more than 5 °C under the threshold
    bus.set(0x4C, 0x46, 0xCA)
    bus.set(0x4C, 0x47, 0x08)
    hardware.poll_board()
    [event] = events.get(0)
    assert event.data["sensors"] == [] and hardware.panel.doc()["lines"][1:] == ["All OK"]


def test_span_alarms_reach_the_panel_when_dahdi_reports_them(board, tmp_path):
    api, hardware, bus = board
    hardware.found = {"cards": [{"spans": [{"span": 1, "dahdi_span": 1}]}], "unsupported": []}
    proc = tmp_path / "proc-dahdi"
    proc.mkdir()
    (proc / "1").write_text('Span 1: TE8/0/1 "T8XXP (PCI) Card 0 Span 1" HDB3/CCS/CRC4 RED\n')
    hardware.poll_alarms(proc)
    assert hardware.panel.doc()["lines"][1:] == ["Span 1 RED"]


def test_a_panel_that_stops_answering_does_not_stop_the_sensors(board, caplog):
    api, hardware, bus = board
    bus.silent.add(0x27)
    hardware.poll_board()
    bus.set(0x4C, 0x46, 0xFF)
    bus.set(0x4C, 0x47, 0xFF)
    hardware.poll_board()
    doc = api.get("/hardware").json
    assert doc["panel"]["error"] == "[Errno 121] Remote I/O error"
    assert [a["name"] for a in doc["sensors"]["alarms"]] == ["Fan"]
    assert "front panel does not answer" in caplog.text


def test_a_box_without_a_declared_board_shows_no_sensors_and_no_panel(admin):
    doc = admin.get("/hardware").json
    assert (doc["board"]["model"], doc["sensors"]["declared"], doc["sensors"]["readings"]) == (None, False, [])
    assert doc["panel"] == {"declared": False, "lines": []}
    assert "sensor_alarms" not in admin.box.hardware.health()["hardware"]


def test_a_box_model_that_does_not_exist_is_said_and_the_cards_still_work(admin, monkeypatch):
    from dataclasses import replace

    from appliance.hardware.manager import HardwareManager

    monkeypatch.setattr(admin.box, "runtime", replace(admin.box.runtime, box_model="callbox-e1-99"))
    manager = HardwareManager(admin.box)
    manager.load()
    assert manager.sensors is None and "callbox-e1-99" in manager.health()["hardware"]["board_error"]
