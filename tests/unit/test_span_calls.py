"""Calls on a span lost (a card pulled, a cable cut) are hung up and waited for, and only those."""

from __future__ import annotations

import pytest

from appliance.hardware import detect, span_calls


class FakeAsterisk:
    """chan_dahdi's calls as AMI reports them; a hung-up channel goes after `lag` more looks, as
    Asterisk takes a moment to tear a call down."""

    def __init__(self, calls: dict[int, str], lag: int = 2, refuse: set[str] = frozenset()):
        self.calls = dict(calls)
        self.lag = lag
        self.refuse = refuse
        self.hung_up: list[tuple[str, int]] = []
        self.looks = 0
        self.asked: list[int | None] = []
        self._going: dict[str, int] = {}

    def dahdi_call_channels(self, channel: int | None = None) -> dict[int, str]:
        self.looks += 1
        self.asked.append(channel)
        for name, at in list(self._going.items()):
            if self.looks >= at:
                self.calls = {n: c for n, c in self.calls.items() if c != name}
                del self._going[name]
        return dict(self.calls)

    def hangup(self, channel: str, cause: int) -> None:
        self.hung_up.append((channel, cause))
        if channel in self.refuse:
            raise RuntimeError("No such channel")
        self._going[channel] = self.looks + self.lag


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_span_that_was_clear_and_is_in_alarm_or_gone_is_lost():
    before = {1: [], 2: [], 3: ["RED"], 4: []}
    after = {1: ["RED"], 2: ["MISSING"], 3: ["MISSING"], 4: [], 5: ["MISSING"]}
    # 3 was in alarm already (its calls ended then); 5 was never seen (not made yet).
    assert span_calls.lost(before, after) == [1, 2]
    assert span_calls.lost({}, {1: ["MISSING"]}) == []
    assert span_calls.lost({1: []}, {1: ["NOTOPEN"]}) == [1]  # its driver letting go of it


def test_the_channels_of_lost_spans_follow_the_scan():
    spans = [{"span": 1, "first_channel": 1, "kinds": ["e1"]}, {"span": 2, "first_channel": 32, "kinds": ["e1"]},
             {"span": 3, "first_channel": 63, "kinds": ["bri"]}]
    assert span_calls.channels(spans, [2], detect.span_width) == set(range(32, 63))
    assert span_calls.channels(spans, [1, 3], detect.span_width) == set(range(1, 32)) | {63, 64, 65}


def test_calls_on_the_lost_channels_are_hung_up_and_waited_for_and_no_others():
    asterisk = FakeAsterisk({1: "DAHDI/1-1", 33: "DAHDI/33-1", 40: "DAHDI/40-2", 70: "DAHDI/70-1"})
    clock = Clock()
    ended = span_calls.end_calls(asterisk, set(range(32, 63)), clock=clock, sleep=clock.sleep)
    assert ended == ["DAHDI/33-1", "DAHDI/40-2"]
    assert asterisk.hung_up == [("DAHDI/33-1", 38), ("DAHDI/40-2", 38)]
    # It returned only once chan_dahdi had no call left there (not at the first look).
    assert asterisk.calls == {1: "DAHDI/1-1", 70: "DAHDI/70-1"} and asterisk.looks >= 3


def test_no_call_on_the_lost_span_hangs_up_nothing():
    asterisk = FakeAsterisk({1: "DAHDI/1-1"})
    assert span_calls.end_calls(asterisk, set(range(32, 63))) == []
    assert asterisk.hung_up == [] and asterisk.looks == 1


def test_a_call_gone_by_itself_meanwhile_is_no_failure():
    asterisk = FakeAsterisk({33: "DAHDI/33-1", 34: "DAHDI/34-1"}, refuse={"DAHDI/33-1"})
    asterisk._going["DAHDI/33-1"] = 2  # it was ending already: Asterisk refuses the hang-up
    clock = Clock()
    assert span_calls.end_calls(asterisk, {33, 34}, clock=clock, sleep=clock.sleep) == ["DAHDI/33-1", "DAHDI/34-1"]
    assert asterisk.calls == {}


def test_a_call_that_does_not_go_is_said_after_the_timeout():
    asterisk = FakeAsterisk({33: "DAHDI/33-1"}, lag=10**9)
    clock = Clock()
    with pytest.raises(TimeoutError, match="DAHDI/33-1"):
        span_calls.end_calls(asterisk, {33}, timeout=2.0, clock=clock, sleep=clock.sleep)
    assert 2.0 <= clock.now < 2.5


def test_chan_dahdis_not_open_alarm_names_a_channel_going_and_no_other_alarm_does():
    assert span_calls.removed_channel({"DAHDIChannel": "32", "Alarm": "Not Open"}) == 32
    assert span_calls.removed_channel({"DAHDIChannel": "32", "Alarm": "Red Alarm"}) is None
    assert span_calls.removed_channel({"DAHDIChannel": "", "Alarm": "Not Open"}) is None


def test_the_call_on_a_channel_going_is_hung_up_at_once_without_waiting():
    asterisk = FakeAsterisk({32: "DAHDI/i2/075512345678-2", 1: "DAHDI/i1/075512345678-1"}, lag=10**9)
    removed = span_calls.RemovedChannels(asterisk)
    assert removed.end({32}) == ["DAHDI/i2/075512345678-2"]
    # One channel: chan_dahdi is asked about that one only (one short answer, the quickest).
    assert asterisk.asked == [32] and asterisk.hung_up == [("DAHDI/i2/075512345678-2", 38)]
    assert removed.end({40, 41}) == [] and asterisk.asked[-1] is None


def test_channels_going_are_hung_up_from_a_thread_of_their_own():
    import threading

    done = threading.Event()

    class Asterisk(FakeAsterisk):
        def hangup(self, channel, cause):
            super().hangup(channel, cause)
            done.set()

    asterisk = Asterisk({33: "DAHDI/i2/1-1"})
    removed = span_calls.RemovedChannels(asterisk)
    for n in range(32, 63):  # a span going: the alarm on each of its channels
        removed.heard(n)
    assert done.wait(5)
    assert asterisk.hung_up == [("DAHDI/i2/1-1", 38)]


def test_a_refusal_while_hanging_up_at_once_is_left_to_the_spans_loss():
    asterisk = FakeAsterisk({32: "DAHDI/i2/1-1"}, refuse={"DAHDI/i2/1-1"})
    assert span_calls.RemovedChannels(asterisk).end({32}) == []
