"""A DAHDI trunk's state from its spans' alarms."""

from appliance.hardware.trunk_state import status


def test_a_trunk_is_up_while_one_of_its_spans_is_clear():
    assert status([1, 2], {1: ["RED"], 2: []})["reachable"] is True


def test_a_trunk_is_down_when_every_span_dahdi_knows_is_in_alarm():
    assert status([1, 2, 9], {1: ["RED"], 2: ["YELLOW"]}) == {
        "registration": None, "reachable": False, "spans_in_alarm": [1, 2]}


def test_a_trunk_dahdi_knows_nothing_of_is_unknown():
    assert status([], {1: ["RED"]})["reachable"] is None  # FXO ports only
    assert status([3], {})["reachable"] is None  # no DAHDI, or no such span
