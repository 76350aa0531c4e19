"""A simulated I2C bus: chips as register files, and every byte written, kept for tests to read.

Unit tests use it in place of smbus2 (no i2c-stub module can be loaded there), and so does a dev
box that declares a box model without the board (BOX_I2C=simulated): its chips then start with
the plausible values below. A chip that does not answer raises OSError(EREMOTEIO), as smbus2 does
when nothing acknowledges the address.
"""

from __future__ import annotations

import errno
import threading

from . import board


class SimulatedBus:
    def __init__(self):
        self.registers: dict[int, dict[int, list[int]]] = {}
        self.sent: dict[int, list[int]] = {}     # address -> bytes written with write_byte, in order
        self.silent: set[int] = set()            # addresses that stopped answering
        self.opened = 0
        self._lock = threading.Lock()

    # -- the chips a test or a dev box puts on the bus ---------------------------------------

    def add(self, address: int, registers: dict[int, list[int]] | None = None) -> None:
        self.registers[address] = {reg: list(value) for reg, value in (registers or {}).items()}
        self.sent.setdefault(address, [])

    def set(self, address: int, register: int, *values: int) -> None:
        self.registers[address][register] = list(values)

    # -- the Bus interface (i2c.Bus) ----------------------------------------------------------

    def __call__(self, number: int) -> "SimulatedBus":
        """As an opener: every bus number is this one bus."""
        self.opened += 1
        return self

    def _chip(self, address: int) -> dict[int, list[int]]:
        if address in self.silent or address not in self.registers:
            raise OSError(errno.EREMOTEIO, "Remote I/O error")
        return self.registers[address]

    def read_byte_data(self, address: int, register: int) -> int:
        with self._lock:
            return (self._chip(address).get(register) or [0])[0]

    def read_i2c_block_data(self, address: int, register: int, length: int) -> list[int]:
        with self._lock:
            return (self._chip(address).get(register, []) + [0] * length)[:length]

    def write_byte_data(self, address: int, register: int, value: int) -> None:
        with self._lock:
            self._chip(address)[register] = [value & 0xFF]

    def write_byte(self, address: int, value: int) -> None:
        with self._lock:
            self._chip(address)
            self.sent[address].append(value & 0xFF)

    def close(self) -> None:
        pass


# What a dev box's simulated chips read: 31.5 °C, and a fan at 2400 rpm (TACH count 2250).
DEV_REGISTERS = {
    "lm75": {0x00: [0x1F, 0x80]},
    "lm75b": {0x00: [0x1F, 0x80]},
    "emc2101": {0x03: [0x00], 0x46: [0xCA], 0x47: [0x08], 0xFD: [0x16], 0xFE: [0x5D]},
}


def dev_board(sensors: board.Sensors | None, panel: board.Panel | None) -> SimulatedBus:
    bus = SimulatedBus()
    for chip in sensors.chips if sensors else ():
        bus.add(chip.address, DEV_REGISTERS[chip.kind])
    if panel is not None:
        bus.add(panel.address)
    return bus
