"""When a sensor reading is an alarm, and when it is over (pure decisions).

Each level rises as soon as a reading crosses its threshold and falls back only once the
reading is a margin inside it (hysteresis), so a temperature hovering at the threshold or a
fan wobbling around its minimum does not raise and clear an alarm at every poll.
"""

from __future__ import annotations

from .board import Chip

HYSTERESIS_C = 5          # °C below a temperature threshold before its alarm clears
FAN_HYSTERESIS = 0.2      # a stopped fan counts as running again at 120 % of its minimum

OK, HIGH, CRITICAL, STOPPED, NO_ANSWER = "ok", "high", "critical", "stopped", "no_answer"


def temperature(celsius: float, chip: Chip, was: str) -> str:
    if celsius >= chip.critical or (was == CRITICAL and celsius > chip.critical - HYSTERESIS_C):
        return CRITICAL
    if celsius >= chip.high or (was in (HIGH, CRITICAL) and celsius > chip.high - HYSTERESIS_C):
        return HIGH
    return OK


def fan(rpm: int, chip: Chip, was: str) -> str:
    if rpm < chip.min_rpm or (was == STOPPED and rpm < chip.min_rpm * (1 + FAN_HYSTERESIS)):
        return STOPPED
    return OK


def level(value: float | int, chip: Chip, was: str) -> str:
    return temperature(value, chip, was) if chip.measures == "temperature" else fan(value, chip, was)
