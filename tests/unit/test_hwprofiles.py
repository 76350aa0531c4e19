"""The card and box-model profiles in hwprofiles/: every file passes the schema, ids are unique,
and the schema refuses what would mislead the hardware manager."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from appliance.hardware import profiles

HWPROFILES = Path(__file__).resolve().parents[2] / "hwprofiles"


@pytest.fixture(scope="module")
def cards():
    return profiles.load_cards(HWPROFILES)


def test_every_card_file_passes_the_schema_and_there_are_at_least_twenty(cards):
    assert len(cards) >= 20
    for path in HWPROFILES.glob("*.toml"):
        doc = tomllib.loads(path.read_text())
        # The fields every consumer relies on, spelled as the issue fixes them.
        assert {"name", "vendor", "pci", "driver"} <= set(doc), path.name
        assert "spans" in doc or "ports" in doc, path.name
        assert isinstance(doc["pci"], list), path.name


def test_each_driver_family_has_profiles(cards):
    drivers = {p.driver for p in cards.values()}
    assert {"wct4xxp", "wcte12xp", "wcte13xp", "wcte43x", "wctdm", "wctdm24xxp", "wcaxx", "wcb4xxp",
            "wcte11xp", "wct1xxp", "wcfxo", "opvxa1200", "xpp_usb"} <= drivers


def test_known_cards_have_their_spans_ports_and_echo_canceller(cards):
    te820 = cards["digium-te820"]
    assert (te820.driver, te820.spans, te820.ports, te820.span_kinds[0]) == ("wct4xxp", 8, 0, "e1")
    assert cards["digium-tdm2400p"].ports == 24 and cards["digium-tdm2400p"].port_kinds == ("fxs", "fxo")
    assert cards["digium-a8b"].hw_echocan == "vpm450m" and cards["digium-a8a"].hw_echocan == ""
    assert cards["digium-b410p"].span_kinds == ("bri",)
    assert cards["openvox-a1200p"].vendor == "OpenVox"


@pytest.mark.parametrize("ids, expected", [
    (("pci", "d161", "1820", "d161", "1820"), "digium-te820"),
    (("pci", "d161", "0410", "0004", "0000"), "digium-te410p"),   # 4th generation row
    (("pci", "d161", "0410", "0001", "0000"), "digium-te410p"),   # any-subsystem row
    (("pci", "10ee", "0314", "10ee", "0314"), "digium-te410p"),   # 1st generation Xilinx id
    (("pci", "e159", "0001", "b119", "0000"), "digium-tdm400p"),  # Tiger320 told apart by subsystem vendor
    (("pci", "e159", "0001", "9100", "0000"), "openvox-a1200p"),
    (("pci", "e159", "0001", "79fe", "0000"), "digium-te110p"),
    (("pci", "e159", "0001", "1234", "0000"), None),              # an unknown Tiger320 clone
    (("pci", "8086", "100e", "8086", "001e"), None),              # a network card
    (("usb", "e4e4", "1152", None, None), "xorcom-astribank"),
    (("pci", "e4e4", "1152", None, None), None),                  # a USB id is not a PCI id
])
def test_matching_takes_the_most_specific_row(cards, ids, expected):
    found = profiles.match(cards, *ids)
    assert (found.key if found else None) == expected


def test_box_models_add_up_and_the_largest_has_32_e1_spans(cards):
    boxes = profiles.load_boxes(cards, HWPROFILES)
    assert boxes and max(b.spans for b in boxes.values()) == 32
    largest = max(boxes.values(), key=lambda b: b.spans)
    assert all("e1" in card.span_kinds for card, _ in largest.cards)


GOOD = {"name": "X", "vendor": "Y", "pci": ["d161:1820"], "driver": "wct4xxp", "spans": 8, "span_kinds": ["e1"]}


@pytest.mark.parametrize("change, field", [
    ({"driver": "wcmissing"}, "driver"),
    ({"spans": 9}, "spans"),
    ({"spans": -1}, "spans"),
    ({"spans": 0}, "spans"),
    ({"span_kinds": ["e3"]}, "span_kinds"),
    ({"pci": ["D161:1820"]}, "pci"),
    ({"pci": ["d161:1820:0005:0000:1"]}, "pci"),
    ({"pci": []}, "pci"),
    ({"name": "a\nb"}, "name"),
    ({"name": "x;y"}, "name"),
    ({"hw_echocan": "magic"}, "hw_echocan"),
    ({"hw_echocan_optional": True}, "hw_echocan_optional"),
    ({"colour": "blue"}, "colour"),
])
def test_the_schema_names_the_bad_field(change, field):
    with pytest.raises(profiles.ProfileError) as err:
        profiles.parse_card("x", {**GOOD, **change})
    assert err.value.field == field


def test_a_missing_pci_list_and_a_duplicate_id_are_refused(tmp_path):
    with pytest.raises(profiles.ProfileError) as err:
        profiles.parse_card("x", {k: v for k, v in GOOD.items() if k != "pci"})
    assert err.value.field == "pci"
    for name in ("a", "b"):
        (tmp_path / f"{name}.toml").write_text('name = "A"\nvendor = "V"\npci = ["d161:1820"]\n'
                                               'driver = "wct4xxp"\nspans = 8\nspan_kinds = ["e1"]\n')
    with pytest.raises(profiles.ProfileError, match="also in a.toml"):
        profiles.load_cards(tmp_path)


def test_a_box_model_whose_span_count_disagrees_with_its_cards_is_refused(cards):
    with pytest.raises(profiles.ProfileError) as err:
        profiles.parse_box("b", {"name": "B", "kind": "box", "cards": [{"profile": "digium-te820", "count": 4}],
                                 "spans": 33, "ports": 0}, cards)
    assert err.value.field == "spans"


BOX = {"name": "B", "kind": "box", "cards": [{"profile": "digium-te820", "count": 1}], "spans": 8, "ports": 0}
SENSORS = {"bus": 1, "chips": [{"kind": "lm75", "address": 0x48, "name": "Board"},
                               {"kind": "emc2101", "address": 0x4C, "name": "Fan", "min_rpm": 900}]}
PANEL = {"driver": "hd44780-pcf8574", "bus": 1, "address": 0x27, "columns": 20, "rows": 4}


def test_box_models_declare_their_board_sensors_and_front_panel(cards):
    boxes = profiles.load_boxes(cards, HWPROFILES)
    largest = boxes["callbox-e1-32"]
    assert [(c.kind, c.address) for c in largest.sensors.chips] == [("lm75b", 0x48), ("lm75b", 0x49), ("emc2101", 0x4C)]
    assert (largest.panel.address, largest.panel.columns, largest.panel.rows) == (0x27, 20, 4)
    assert boxes["callbox-analog-24"].sensors is None and boxes["callbox-analog-24"].panel is None
    model = profiles.parse_box("b", {**BOX, "sensors": SENSORS, "panel": PANEL}, cards)
    board, fan = model.sensors.chips
    assert (board.high, board.critical, fan.min_rpm) == (70, 85, 900)  # the defaults, and what was said


def chip(**change):
    return {"bus": 1, "chips": [{"kind": "lm75", "address": 0x48, "name": "Board", **change}]}


@pytest.mark.parametrize("doc, field, says", [
    ({"sensors": chip(kind="lm76")}, "sensors.chips.kind", "not a known chip"),
    ({"sensors": chip(address=0x90)}, "sensors.chips.address", "not a 7-bit I2C address"),
    ({"sensors": chip(address=0x03)}, "sensors.chips.address", "not a 7-bit I2C address"),
    ({"sensors": chip(address="0x48")}, "sensors.chips.address", "not a 7-bit I2C address"),
    ({"sensors": chip(address=0x40)}, "sensors.chips.address", "0x48 to 0x4f, not 0x40"),
    ({"sensors": {"bus": 1, "chips": [{"kind": "emc2101", "address": 0x4D, "name": "Fan"}]}},
     "sensors.chips.address", "0x4c only"),
    ({"sensors": chip(high=90)}, "sensors.chips.critical", "above high"),
    ({"sensors": chip(min_rpm=500)}, "sensors.chips.min_rpm", "no fan"),
    ({"sensors": chip(name="机房")}, "sensors.chips.name", "ASCII"),
    ({"sensors": chip(name="Board\n")}, "sensors.chips.name", "ASCII"),
    ({"sensors": chip(colour="red")}, "sensors.chips.colour", "not a chip field"),
    ({"sensors": {"bus": 32, "chips": SENSORS["chips"]}}, "sensors.bus", "0 to 31"),
    ({"sensors": chip(critical=200)}, "sensors.chips.critical", "20 to 125"),
    ({"panel": {**PANEL, "bus": -1}}, "panel.bus", "0 to 31"),
    ({"sensors": {"bus": 1, "chips": []}}, "sensors.chips", "1 to 8"),
    ({"sensors": {"bus": 1, "chips": SENSORS["chips"] + [SENSORS["chips"][0]]}}, "sensors.chips.address", "two chips"),
    ({"panel": {**PANEL, "driver": "ssd1306"}}, "panel.driver", "not a known panel driver"),
    ({"panel": {**PANEL, "address": 0x48}}, "panel.address", "PCF8574"),
    ({"panel": {**PANEL, "address": 0x80}}, "panel.address", "not a 7-bit I2C address"),
    ({"panel": {**PANEL, "columns": 40}}, "panel.columns", "16, 20"),
    ({"panel": {**PANEL, "rows": 1}}, "panel.rows", "2, 4"),
    ({"panel": {**PANEL, "backlight": True}}, "panel.backlight", "not a [panel] field"),
])
def test_a_bad_board_declaration_is_refused_with_its_field(cards, doc, field, says):
    with pytest.raises(profiles.ProfileError) as err:
        profiles.parse_box("b", {**BOX, **doc}, cards)
    assert err.value.field == field and says in str(err.value), str(err.value)


def test_a_box_model_lists_its_cards_even_when_there_are_none(cards):
    """[] is a box built without cards (a virtual machine); leaving the list out is a mistake."""
    bare = {"name": "V", "kind": "box", "cards": [], "spans": 0, "ports": 0}
    assert profiles.parse_box("v", bare, cards).cards == ()
    for bad in ({k: v for k, v in bare.items() if k != "cards"}, {**bare, "cards": "none"}, {**bare, "spans": 1}):
        with pytest.raises(profiles.ProfileError) as err:
            profiles.parse_box("v", bad, cards)
        assert err.value.field in ("cards", "spans")
