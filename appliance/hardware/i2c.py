"""Thin adapter over the kernel's I2C buses (/dev/i2c-N) through smbus2; no decisions here.

smbus2 is pure Python (Debian python3-smbus2, Buildroot BR2_PACKAGE_PYTHON_SMBUS2). A bus is
opened for one round of reads or writes and closed again: a poll every few seconds costs an
open() and a close(), and nothing is left holding a bus a chip stopped answering on.
Every failure (no such bus, a chip that does not answer) is an OSError, as smbus2 raises them.
"""

from __future__ import annotations

from typing import Callable, Protocol


class Bus(Protocol):
    """The SMBus calls the sensor and panel drivers use (smbus2.SMBus has these)."""

    def read_byte_data(self, address: int, register: int) -> int: ...

    def write_byte_data(self, address: int, register: int, value: int) -> None: ...

    def read_i2c_block_data(self, address: int, register: int, length: int) -> list[int]: ...

    def write_byte(self, address: int, value: int) -> None: ...

    def close(self) -> None: ...


#: Opens bus number N: smbus2 on a real box, a simulated bus in tests and dev boxes.
Opener = Callable[[int], Bus]


def open_bus(number: int) -> Bus:
    from smbus2 import SMBus

    return SMBus(number)
