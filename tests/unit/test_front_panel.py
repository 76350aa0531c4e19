"""The front panel: its text for a state of the box, and the bytes the HD44780 driver puts on
the bus through the PCF8574 backpack, decoded back to the screen by a model of the LCD
controller; a display that stops answering is logged and does not stop the hardware manager."""

from __future__ import annotations

import logging

import pytest

from appliance.hardware import panel_text
from appliance.hardware.board import Panel
from appliance.hardware.i2c_sim import SimulatedBus
from appliance.hardware.panel import FrontPanel
from appliance.settings import Runtime

E, RS, BACKLIGHT = 0x04, 0x01, 0x08


class Hd44780Model:
    """What an HD44780 makes of the backpack's outputs (P0 RS, P2 E, P4-P7 D4-D7): it starts in
    8-bit mode, latches D7-D4 when E falls, and after "function set, 4 bits" takes each byte as two
    nibbles. Instructions: set DDRAM address (0x80), clear (0x01); data is written at the address,
    which then goes up by one (the entry mode the driver sets)."""

    ROWS = {16: (0x00, 0x40, 0x10, 0x50), 20: (0x00, 0x40, 0x14, 0x54)}

    def __init__(self, columns: int, rows: int):
        self.columns, self.rows = columns, rows
        self.eight_bit = True
        self.high = None
        self.previous = 0
        self.ddram: dict[int, str] = {}
        self.address = 0
        self.instructions: list[int] = []
        self.backlight = True

    def feed(self, sent: list[int]) -> None:
        for byte in sent:
            self.backlight &= bool(byte & BACKLIGHT)
            if self.previous & E and not byte & E:
                self.latch(self.previous >> 4, self.previous & RS)
            self.previous = byte

    def latch(self, nibble: int, rs: int) -> None:
        if self.eight_bit:
            self.instructions.append(nibble << 4)
            self.eight_bit = nibble != 0x2
        elif self.high is None:
            self.high = nibble
        else:
            value, self.high = self.high << 4 | nibble, None
            if rs:
                self.ddram[self.address] = chr(value)
                self.address += 1
            else:
                self.instructions.append(value)
                if value & 0x80:
                    self.address = value & 0x7F
                elif value == 0x01:
                    self.ddram, self.address = {}, 0

    def screen(self) -> list[str]:
        return ["".join(self.ddram.get(start + i, " ") for i in range(self.columns))
                for start in self.ROWS[self.columns][:self.rows]]


def panel(columns=20, rows=4, address=0x27):
    bus = SimulatedBus()
    bus.add(address)
    return bus, FrontPanel(Panel("hd44780-pcf8574", 1, address, columns, rows), bus, sleep=lambda s: None)


def test_the_lines_land_on_the_lcd_after_the_4_bit_initialisation():
    bus, front = panel()
    lcd = Hd44780Model(20, 4)
    lines = ["https://10.0.0.5/", "Span 2 RED", "Fan STOPPED", "All text is ASCII"]
    assert front.show(lines) is True
    lcd.feed(bus.sent[0x27])
    assert lcd.screen() == [line.ljust(20) for line in lines]
    # Three "8 bits" then "4 bits" as single nibbles; two lines 5x8; off; clear; increment; on.
    assert lcd.instructions[:9] == [0x30, 0x30, 0x30, 0x20, 0x28, 0x08, 0x01, 0x06, 0x0C]
    assert lcd.backlight


def test_only_the_rows_that_changed_are_written_again():
    bus, front = panel(16, 2, 0x3F)
    lcd = Hd44780Model(16, 2)
    front.show(["http://10.0.0.5/", "All OK"])
    lcd.feed(bus.sent[0x3F])
    written = len(bus.sent[0x3F])
    assert front.show(["http://10.0.0.5/", "All OK"]) and len(bus.sent[0x3F]) == written  # nothing new
    front.show(["http://10.0.0.5/", "Span 1 RED"])
    new = bus.sent[0x3F][written:]
    lcd.feed(new)
    assert lcd.screen() == ["http://10.0.0.5/", "Span 1 RED      "]
    assert len(new) == (1 + 16) * 4  # one address instruction and 16 characters, 4 bus writes each


def test_a_display_that_stops_answering_is_logged_once_and_set_up_again_when_it_answers(caplog):
    caplog.set_level(logging.INFO, logger="appliance.hardware.panel")
    bus, front = panel()
    front.show(["a", "b", "c", "d"])
    bus.silent.add(0x27)
    assert front.show(["x", "b", "c", "d"]) is False
    assert front.show(["y", "b", "c", "d"]) is False
    assert front.doc()["error"] == "[Errno 121] Remote I/O error" and front.doc()["lines"] == ["y", "b", "c", "d"]
    bus.silent.clear()
    bus.sent[0x27].clear()
    assert front.show(["y", "b", "c", "d"]) is True and front.doc()["error"] is None
    lcd = Hd44780Model(20, 4)
    lcd.feed(bus.sent[0x27])  # it may have lost power: initialised afresh, every row written
    assert lcd.instructions[:4] == [0x30, 0x30, 0x30, 0x20] and [r.strip() for r in lcd.screen()] == ["y", "b", "c", "d"]
    assert [r.getMessage() for r in caplog.records] == ["front panel does not answer", "front panel answers again"]


def runtime(**env):
    return Runtime.from_environ({"BOX_DATA": "/nonexistent", **env})


@pytest.mark.parametrize("env, addresses, expected", [
    ({"BOX_HTTP": "0.0.0.0:80", "BOX_HTTPS": "0.0.0.0:443"}, ["192.168.1.20", "10.8.0.1"], "https://192.168.1.20/"),
    ({"BOX_HTTP": "0.0.0.0:8080"}, ["192.168.1.20"], "http://192.168.1.20:8080/"),
    ({"BOX_HTTP": "127.0.0.1:8080"}, ["192.168.1.20"], "http://127.0.0.1:8080/"),  # bound to one address
    ({"BOX_HTTP": "0.0.0.0:80", "BOX_HTTPS": "0.0.0.0:443"}, [], None),
])
def test_the_web_address_is_the_one_a_browser_on_the_lan_uses(env, addresses, expected):
    assert panel_text.web_address(runtime(**env), addresses) == expected


TEMP_HIGH = {"name": "Cards", "measures": "temperature", "level": "high", "value": 71.625, "unit": "°C"}
FAN_STOPPED = {"name": "Fan", "measures": "fan", "level": "stopped", "value": 0, "unit": "rpm"}
NO_ANSWER = {"name": "Inlet", "measures": "temperature", "level": "no_answer", "value": None, "unit": "°C"}


@pytest.mark.parametrize("address, spans, sensors, columns, rows, expected", [
    ("https://10.0.0.5/", {}, [], 20, 4, ["https://10.0.0.5/", "All OK"]),
    ("https://10.0.0.5/", {1: [], 2: ["RED", "BLUE"]}, [TEMP_HIGH], 20, 4,
     ["https://10.0.0.5/", "Span 2 RED BLUE", "Cards 72C HIGH"]),
    ("https://192.168.100.200/", {3: ["RED"]}, [FAN_STOPPED, NO_ANSWER], 16, 2,
     ["192.168.100.200", "Span 3 RED +2"]),                           # too long: the host alone
    ("https://10.0.0.5/", {1: ["RED"], 2: ["RED"], 3: ["YELLOW"]}, [TEMP_HIGH, FAN_STOPPED], 20, 4,
     ["https://10.0.0.5/", "Span 1 RED", "Span 2 RED", "Span 3 YELLOW +2"]),
    (None, {}, [NO_ANSWER], 16, 2, ["No network", "Inlet NO ANSWER"]),
])
def test_the_panel_shows_the_address_then_the_alarms_or_all_ok(address, spans, sensors, columns, rows, expected):
    assert panel_text.lines(address, spans, sensors, columns, rows) == expected


def test_a_character_lcd_shows_ascii_only():
    assert panel_text.ascii_line("机房 Fan\\x~", 16) == "?? Fan?x?"
    assert panel_text.ascii_line("A line longer than sixteen", 16) == "A line longer th"
