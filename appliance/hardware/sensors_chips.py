"""Reading the board's sensor chips: register addresses and how their bytes decode.

From the chips' datasheets:
- LM75 family: register 0x00 holds the temperature, two bytes, most significant first, as a
  left-aligned two's complement number: the original LM75 uses its top 9 bits (0.5 °C a step),
  the LM75A/B its top 11 bits (0.125 °C a step); the bits below are undefined and dropped.
- EMC2101: TACH reading low byte 0x46, high byte 0x47 (read the low byte first: that latches
  the high byte), RPM = 5 400 000 / count; a count of 0xFFFF means no pulse was seen (the fan
  stands still). Configuration register 0x03 bit 2 (ALT_TCH) makes pin 4 the tachometer input
  instead of the ALERT output: set once, keeping the other bits.
"""

from __future__ import annotations

from .board import Chip
from .i2c import Bus

LM75_TEMPERATURE = 0x00
LM75_BITS = {"lm75": 9, "lm75b": 11}
EMC2101_CONFIG = 0x03
EMC2101_ALT_TCH = 0x04
EMC2101_TACH_LOW = 0x46
EMC2101_TACH_HIGH = 0x47
EMC2101_RPM_NUMERATOR = 5_400_000
EMC2101_STALLED = 0xFFFF


def lm75_celsius(msb: int, lsb: int, bits: int) -> float:
    raw = (msb << 8) | lsb
    if raw & 0x8000:
        raw -= 0x10000
    # An arithmetic shift keeps the sign: -0.5 °C (0xff80) on a 9-bit part is -1 step.
    return (raw >> (16 - bits)) / (1 << (bits - 8))


def emc2101_rpm(low: int, high: int) -> int:
    count = (high << 8) | low
    if count in (0, EMC2101_STALLED):
        return 0
    return round(EMC2101_RPM_NUMERATOR / count)


def prepare(bus: Bus, chip: Chip) -> None:
    """What a chip needs once before it is read (again after it stopped answering)."""
    if chip.kind == "emc2101":
        config = bus.read_byte_data(chip.address, EMC2101_CONFIG)
        if not config & EMC2101_ALT_TCH:
            bus.write_byte_data(chip.address, EMC2101_CONFIG, config | EMC2101_ALT_TCH)


def read(bus: Bus, chip: Chip) -> float | int:
    """The chip's reading: °C for a temperature chip, rpm for a fan. OSError when it does not answer."""
    if chip.kind in LM75_BITS:
        msb, lsb = bus.read_i2c_block_data(chip.address, LM75_TEMPERATURE, 2)
        return lm75_celsius(msb, lsb, LM75_BITS[chip.kind])
    low = bus.read_byte_data(chip.address, EMC2101_TACH_LOW)
    high = bus.read_byte_data(chip.address, EMC2101_TACH_HIGH)
    return emc2101_rpm(low, high)
