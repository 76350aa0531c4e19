"""The board's sensor chips on a simulated I2C bus: register bytes decoded as the datasheets say,
alarms raised at their thresholds and cleared only past the hysteresis margin, and a chip (or a
whole bus) that does not answer being an alarm of its own, logged once."""

from __future__ import annotations

import logging

import pytest

from appliance.hardware import sensors_chips
from appliance.hardware.board import Chip, Sensors
from appliance.hardware.i2c_sim import SimulatedBus
from appliance.hardware.sensors import BoardSensors


@pytest.mark.parametrize("kind, msb, lsb, celsius", [
    ("lm75", 0x19, 0x00, 25.0),
    ("lm75", 0x00, 0x80, 0.5),
    ("lm75", 0xFF, 0x80, -0.5),      # two's complement, one 0.5 °C step below zero
    ("lm75", 0xE7, 0x00, -25.0),
    ("lm75", 0xC9, 0x00, -55.0),     # the chip's lowest
    ("lm75", 0x7D, 0x00, 125.0),     # and highest
    ("lm75", 0x19, 0x60, 25.0),      # a 9-bit part: the bits below D7 are not part of the reading
    ("lm75b", 0x19, 0x60, 25.375),   # an 11-bit part reads them: 0.125 °C steps
    ("lm75b", 0xFF, 0xE0, -0.125),
    ("lm75b", 0xE6, 0xE0, -25.125),
    ("lm75b", 0x1F, 0xFF, 31.875),   # D4-D0 undefined: dropped
])
def test_lm75_temperatures_decode_from_the_register_bytes(kind, msb, lsb, celsius):
    bus = SimulatedBus()
    bus.add(0x48, {0x00: [msb, lsb]})
    assert sensors_chips.read(bus, Chip(kind, 0x48, "T", high=70, critical=85)) == celsius


@pytest.mark.parametrize("low, high, rpm", [
    (0xCA, 0x08, 2400),    # count 2250: 5 400 000 / 2250
    (0x10, 0x0E, 1500),    # count 3600
    (0xFF, 0xFF, 0),       # no tachometer pulse: the fan stands still
])
def test_the_emc2101_tachometer_count_decodes_to_rpm(low, high, rpm):
    bus = SimulatedBus()
    bus.add(0x4C, {0x46: [low], 0x47: [high]})
    assert sensors_chips.read(bus, Chip("emc2101", 0x4C, "Fan", min_rpm=500)) == rpm


def test_the_emc2101_is_told_once_that_pin_4_is_its_tachometer_input():
    bus = SimulatedBus()
    bus.add(0x4C, {0x03: [0x40], 0x46: [0xCA], 0x47: [0x08]})  # 0x40: another configuration bit, kept
    sensors = BoardSensors(Sensors(1, (Chip("emc2101", 0x4C, "Fan", min_rpm=500),)), bus)
    sensors.poll()
    assert bus.registers[0x4C][0x03] == [0x44]
    bus.set(0x4C, 0x03, 0x40)        # were it to change again, the driver would not look
    sensors.poll()
    assert bus.registers[0x4C][0x03] == [0x40] and sensors.values["Fan"] == 2400


TEMP = Chip("lm75", 0x48, "Board", high=70, critical=85)
FAN = Chip("emc2101", 0x4C, "Fan", min_rpm=500)


@pytest.fixture
def board():
    bus = SimulatedBus()
    bus.add(0x48, {0x00: [0x19, 0x00]})
    bus.add(0x4C, {0x03: [0x04], 0x46: [0xCA], 0x47: [0x08]})
    return bus, BoardSensors(Sensors(1, (TEMP, FAN)), bus)


def lm75(bus, celsius: float) -> None:
    raw = round(celsius * 2) << 7 & 0xFFFF
    bus.set(0x48, 0x00, raw >> 8, raw & 0xFF)


def fan(bus, count: int) -> None:
    bus.set(0x4C, 0x46, count & 0xFF)
    bus.set(0x4C, 0x47, count >> 8)


def levels(sensors):
    return {a["name"]: a["level"] for a in sensors.alarms()}


def test_a_temperature_alarm_rises_at_its_threshold_and_clears_5_degrees_below(board, caplog):
    caplog.set_level(logging.INFO, logger="appliance.hardware.sensors")
    bus, sensors = board
    assert sensors.poll() is False and levels(sensors) == {}
    steps = [(69.5, False, {}), (70, True, {"Board": "high"}), (66, False, {"Board": "high"}),
             (85, True, {"Board": "critical"}), (80.5, False, {"Board": "critical"}),
             (79.5, True, {"Board": "high"}), (65.5, False, {"Board": "high"}), (65, True, {})]
    for celsius, changed, expected in steps:
        lm75(bus, celsius)
        assert (sensors.poll(), levels(sensors)) == (changed, expected), celsius
    lm75(bus, -20)
    assert sensors.poll() is False and sensors.values["Board"] == -20.0
    said = [(r.levelname, r.getMessage(), r.fields["level"]) for r in caplog.records]
    assert said == [("WARNING", "sensor alarm", "high"), ("WARNING", "sensor alarm", "critical"),
                    ("WARNING", "sensor alarm", "high"), ("INFO", "sensor back to normal", "ok")]


def test_a_fan_below_its_minimum_is_stopped_until_it_turns_20_percent_above_it(board):
    bus, sensors = board
    fan(bus, 0xFFFF)
    assert sensors.poll() is True and sensors.alarms() == [
        {"name": "Fan", "measures": "fan", "level": "stopped", "value": 0, "unit": "rpm"}]
    fan(bus, 9500)  # 568 rpm: above the minimum, not yet past the margin (600)
    assert sensors.poll() is False and levels(sensors) == {"Fan": "stopped"}
    fan(bus, 8000)  # 675 rpm
    assert sensors.poll() is True and levels(sensors) == {}
    fan(bus, 10900)  # 495 rpm
    assert sensors.poll() is True and levels(sensors) == {"Fan": "stopped"}


def test_a_chip_that_stops_answering_is_an_alarm_logged_once(board, caplog):
    bus, sensors = board
    sensors.poll()
    bus.silent.add(0x48)
    with caplog.at_level(logging.ERROR):
        assert sensors.poll() is True and sensors.poll() is False
    assert levels(sensors) == {"Board": "no_answer"} and sensors.values["Board"] is None
    assert [r.getMessage() for r in caplog.records] == ["sensor chip does not answer"]
    assert sensors.values["Fan"] == 2400  # the other chip is still read
    bus.silent.clear()
    assert sensors.poll() is True and levels(sensors) == {}


def test_a_bus_that_cannot_be_opened_leaves_every_chip_unanswered(caplog):
    def no_bus(number):
        raise FileNotFoundError(2, "No such file or directory", f"/dev/i2c-{number}")

    sensors = BoardSensors(Sensors(3, (TEMP, FAN)), no_bus)
    with caplog.at_level(logging.ERROR):
        assert sensors.poll() is True and sensors.poll() is False
    assert levels(sensors) == {"Board": "no_answer", "Fan": "no_answer"}
    assert [r.getMessage() for r in caplog.records] == ["I2C bus cannot be opened"]
    readings = sensors.readings()
    assert readings[0] == {"name": "Board", "chip": "lm75", "bus": 3, "address": "0x48", "measures": "temperature",
                           "value": None, "unit": "°C", "level": "no_answer", "high": 70, "critical": 85}


def test_the_cpu_temperature_is_the_package_sensor_of_the_kernels_cpu_driver(monkeypatch):
    """psutil reads /sys/class/hwmon; its answer stands in here for a kernel with coretemp."""
    from collections import namedtuple

    import psutil

    from appliance.hardware.sensors import cpu_temperature

    shwtemp = namedtuple("shwtemp", "label current high critical", defaults=(80.0, 100.0))  # psutil's shape

    found = {"acpitz": [shwtemp("", 27.8)], "nvme": [shwtemp("Composite", 61.9)],
             "coretemp": [shwtemp("Core 0", 55.0), shwtemp("Package id 0", 52.04), shwtemp("Core 1", 58.0)]}
    monkeypatch.setattr(psutil, "sensors_temperatures", lambda: found, raising=False)
    assert cpu_temperature() == 52.0
    del found["coretemp"][1]
    assert cpu_temperature() == 58.0  # no package sensor: the hottest core
    found.pop("coretemp")
    assert cpu_temperature() is None  # a disk or the ACPI zone is not the CPU
