"""HD44780 character LCD behind a PCF8574 I2C backpack: the bytes that put text on it.

The backpack's eight outputs are wired, on the common boards, P0 RS, P1 R/W, P2 E, P3 the
backlight, P4-P7 the LCD's D4-D7: the LCD runs in 4-bit mode, each byte sent as two nibbles,
each nibble latched by E going from high to low. Initialisation follows the HD44780 datasheet's
"initializing by instruction" for 4-bit operation (three 0x3 nibbles, then 0x2), then function
set (two lines, 5x8 dots), display off, clear, entry mode (increment, no shift), display on.
DDRAM row starts: 0x00, 0x40, then 0x00 + columns and 0x40 + columns for rows 3 and 4.
Each write is an OSError when the backpack does not answer (smbus2).
"""

from __future__ import annotations

import time
from typing import Callable

from .i2c import Bus

RS, RW, E, BACKLIGHT = 0x01, 0x02, 0x04, 0x08
CLEAR = 0x01
ENTRY_INCREMENT = 0x06
DISPLAY_OFF = 0x08
DISPLAY_ON = 0x0C           # display on, cursor and blink off
FUNCTION_4BIT_2LINES = 0x28
SET_DDRAM = 0x80


def row_starts(columns: int) -> tuple[int, ...]:
    return (0x00, 0x40, columns, 0x40 + columns)


class Hd44780:
    def __init__(self, bus: Bus, address: int, columns: int, rows: int,
                 sleep: Callable[[float], None] = time.sleep):
        self.bus = bus
        self.address = address
        self.columns = columns
        self.rows = rows
        self.sleep = sleep

    def _nibble(self, nibble: int, rs: int) -> None:
        byte = (nibble << 4) | rs | BACKLIGHT
        self.bus.write_byte(self.address, byte | E)
        self.bus.write_byte(self.address, byte)

    def _send(self, value: int, rs: int = 0) -> None:
        self._nibble(value >> 4, rs)
        self._nibble(value & 0x0F, rs)

    def init(self) -> None:
        self.sleep(0.05)              # more than 40 ms after power reaches 2.7 V
        for wait in (0.0045, 0.00015, 0.00015):
            self._nibble(0x3, 0)
            self.sleep(wait)
        self._nibble(0x2, 0)          # 4-bit mode from here on
        for command in (FUNCTION_4BIT_2LINES, DISPLAY_OFF, CLEAR, ENTRY_INCREMENT, DISPLAY_ON):
            self._send(command)
            if command == CLEAR:
                self.sleep(0.002)     # clear takes 1.52 ms; the others 37 us, less than one I2C byte

    def write_row(self, row: int, text: str) -> None:
        """Row `row` (0 first) reads `text`, padded with spaces over what it said before."""
        self._send(SET_DDRAM | row_starts(self.columns)[row])
        for char in text.ljust(self.columns)[:self.columns]:
            self._send(ord(char), RS)
