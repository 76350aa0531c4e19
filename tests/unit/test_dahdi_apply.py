"""Applying span changes on a box with DAHDI: dahdi_cfg (a fake that records its calls, as it sees
the live file) and chan_dahdi (the fake Asterisk), never an Asterisk restart, and the last good
files back in both on a failure."""

from __future__ import annotations

import dataclasses

import pytest

from appliance import box_settings
from appliance.db import change
from appliance.db.journal import APPLIED, REJECTED, journal
from appliance.db.models import Change, DahdiSpan
from appliance.hardware import config, detect
from appliance.hardware.dahdi_cfg import DahdiCfgError
from appliance.pbx import dahdi
from appliance.pbx.apply import Applier
from appliance.pbx.generations import ConfigStore
from appliance.pbx.snapshot import load_snapshot
from tests.fakes.pbx import FakeAsterisk
from tests.unit.conftest import SYSTEM


class FakeDahdiCfg:
    """Records each run: the system.conf it read (its text then) and the -C channels. `refuse`:
    (text, error): a file with that text in it is refused with that error."""

    def __init__(self):
        self.runs: list[tuple[str, str | None]] = []
        self.refuse: tuple[str, str] | None = None

    def configure(self, path, channels=None) -> None:
        text = path.read_text()
        self.runs.append((text, channels))
        if self.refuse and self.refuse[0] in text:
            raise DahdiCfgError(f"dahdi_cfg refused the DAHDI configuration: {self.refuse[1]}")


@pytest.fixture
def box(config_db, tmp_path):
    store = ConfigStore(tmp_path / "asterisk-config")
    asterisk = FakeAsterisk(store.live)
    asterisk.spans = {1, 2}
    tool = FakeDahdiCfg()
    system = dataclasses.replace(SYSTEM, dahdi=True)
    applier = Applier(store, asterisk, lambda: load_snapshot(system), journal, dahdi_cfg=tool)
    with change("test", "settings.update", "software_spans") as cs:
        box_settings.save(cs, {"software_spans": True})
    applier.prepare_start()
    asterisk.load_all()
    asterisk.dahdi_restart()  # chan_dahdi opens what the file names, as at Asterisk's start
    applier.asterisk_ready()
    assert applier.apply_once() == "applied"
    asterisk.calls.clear()
    return applier, asterisk, tool, store


FOUND = detect.scan([], {}, software_spans=True)


def put_span(n: int, body: dict) -> int:
    return config.put_span(FOUND, n, body, "test")


def test_the_software_card_has_two_e1_spans_after_the_cards():
    card = FOUND["cards"][-1]
    assert card["profile"] == "software-loop" and card["driver"] == "dahdi_dynamic_loc"
    assert [(s["span"], s["dahdi_span"], s["first_channel"], s["software"]) for s in card["spans"]] == [
        (1, 1, 1, True), (2, 2, 32, True)]


def test_boot_gives_dahdi_the_dynamic_spans_in_full_before_asterisk(box):
    applier, asterisk, tool, store = box
    text, channels = tool.runs[0]
    assert channels is None  # in full: the dynamic spans are made
    assert "dynamic=loc,1:0,31,0\ndynamic=loc,1:1,31,0\n" in text
    assert "span=" not in text  # software spans have no line to configure


def test_a_span_change_runs_dahdi_cfg_and_restarts_chan_dahdi_not_asterisk(box):
    applier, asterisk, tool, store = box
    revision = put_span(1, {"signalling": "pri_net"})
    assert applier.apply_once() == "applied"
    assert Change.get_by_id(revision).status == APPLIED
    text, channels = tool.runs[-1]
    # Only the channels either file names: the dynamic spans stay as they are.
    assert "bchan=1-15,17-31\ndchan=16\n" in text and channels == "1-31"
    assert ("dahdi_restart",) in asterisk.calls and not asterisk.restarts
    assert asterisk.dahdi_channels() == set(range(1, 16)) | set(range(17, 32))
    assert ("pri_spans",) in asterisk.calls and ("dahdi_spans",) in asterisk.calls
    # The second span: a full run would now fail (chan_dahdi holds the first span's channels).
    asterisk.calls.clear()
    put_span(2, {"signalling": "pri_cpe"})
    assert applier.apply_once() == "applied"
    text, channels = tool.runs[-1]
    assert channels == "1-62" and "bchan=32-46,48-62\ndchan=47\n" in text
    assert asterisk.calls[0] == ("dahdi_restart",) and asterisk.pri_spans() == {1, 2}
    assert not asterisk.restarts


def test_spans_back_in_dahdi_get_their_channels_again_and_chan_dahdi_restarts(box):
    """A card put back: its spans come back bare. With nothing changed in the files, the round
    gives DAHDI every channel system.conf names (never a full run, which would destroy the dynamic
    spans) and restarts chan_dahdi; then checks it runs them. Once: the next round is idle."""
    applier, asterisk, tool, store = box
    put_span(1, {"signalling": "pri_net"})
    put_span(2, {"signalling": "pri_cpe"})
    assert applier.apply_once() == "applied"
    runs = len(tool.runs)
    asterisk.calls.clear()
    assert applier.apply_once() == "idle"
    applier.spans_returned()
    assert applier.apply_once() == "applied"
    assert len(tool.runs) == runs + 1 and tool.runs[-1][1] == "1-62"
    assert asterisk.calls[0] == ("dahdi_restart",) and ("pri_spans",) in asterisk.calls
    assert not asterisk.restarts
    assert applier.apply_once() == "idle"


def test_spans_back_with_no_channel_to_give_do_nothing(box):
    applier, asterisk, tool, store = box
    runs = len(tool.runs)
    applier.spans_returned()
    applier.apply_once()
    assert len(tool.runs) == runs and ("dahdi_restart",) not in asterisk.calls

def test_pri_side_alone_restarts_chan_dahdi_without_dahdi_cfg(box):
    applier, asterisk, tool, store = box
    put_span(1, {"signalling": "pri_net"})
    applier.apply_once()
    runs = len(tool.runs)
    asterisk.calls.clear()
    put_span(1, {"signalling": "pri_cpe"})  # system.conf is the same: bchan/dchan either way
    assert applier.apply_once() == "applied"
    assert len(tool.runs) == runs and asterisk.calls[0] == ("dahdi_restart",)


def test_the_callers_language_reloads_chan_dahdi_and_calls_go_on(box):
    applier, asterisk, tool, store = box
    put_span(1, {"signalling": "pri_net"})
    applier.apply_once()
    asterisk.calls.clear()
    with change("test", "settings.update", "language") as cs:
        box_settings.save(cs, {"language": "zh"})
    assert applier.apply_once() == "applied"
    assert ("reload", "chan_dahdi.so") in asterisk.calls and ("dahdi_restart",) not in asterisk.calls


def test_dahdi_cfg_refusing_puts_the_last_good_files_back_in_dahdi_and_chan_dahdi(box):
    applier, asterisk, tool, store = box
    put_span(1, {"signalling": "pri_net"})
    applier.apply_once()
    good = store.read()
    tool.refuse = ("cas=", "DAHDI_CHANCONFIG failed on channel 40: Invalid argument (22)")
    revision = put_span(2, {"signalling": "mfcr2"})
    assert applier.apply_once() == "rejected"
    record = Change.get_by_id(revision)
    assert record.status == REJECTED and "DAHDI_CHANCONFIG failed on channel 40" in record.error
    assert DahdiSpan.get_or_none(DahdiSpan.number == 2) is None
    assert store.read() == good
    # dahdi_cfg was run again with the last good file, and chan_dahdi opened its channels again.
    assert tool.runs[-1][0] == good[dahdi.SYSTEM_CONF] and "cas=" in tool.runs[-2][0]
    assert asterisk.calls[-1] == ("dahdi_restart",) and not asterisk.restarts
    assert asterisk.dahdi_channels() == dahdi.chan_dahdi_channels(good[dahdi.CHAN_CONF])


def test_a_channel_chan_dahdi_did_not_open_rejects_the_round(box):
    applier, asterisk, tool, store = box
    asterisk.lose_dahdi_channel = 40
    revision = put_span(2, {"signalling": "pri_cpe"})
    assert applier.apply_once() == "rejected"
    assert "missing 40" in Change.get_by_id(revision).error


def test_a_missing_span_rejects_the_round(box):
    applier, asterisk, tool, store = box
    asterisk.spans = {1}
    revision = put_span(2, {"signalling": "pri_cpe"})
    assert applier.apply_once() == "rejected"
    assert "DAHDI has no span 2" in Change.get_by_id(revision).error


def test_software_spans_off_is_an_asterisk_restart():
    before = {dahdi.SYSTEM_CONF: "dynamic=loc,1:0,31,0\ndynamic=loc,1:1,31,0\n", dahdi.CHAN_CONF: ""}
    after = {dahdi.SYSTEM_CONF: "loadzone=cn\n", dahdi.CHAN_CONF: ""}
    assert dahdi.plan(before, after).asterisk_restart
    assert dahdi.plan(before, before).empty


def test_channel_lists():
    assert dahdi.parse_ranges("1-3,5,7-8") == {1, 2, 3, 5, 7, 8}
    assert dahdi.system_channels("span=1,0,0,cas,hdb3\ncas=1-15,17-31:1101\nfxoks=63\n# bchan=99\n") == (
        set(range(1, 16)) | set(range(17, 32)) | {63})
    assert dahdi.chan_dahdi_channels("[channels]\nchannel => 1-2,5\nchannel => 9\n") == {1, 2, 5, 9}


def test_a_dahdi_trunk_is_no_sip_endpoint_asterisk_must_show(box):
    """A DAHDI trunk is dialled by its channel group: the check of pjsip.conf leaves it out."""
    from appliance.extensions import service
    from appliance.trunks import service as trunks

    applier, asterisk, tool, store = box
    trunk, _ = trunks.create({"name": "E1", "kind": "dahdi"}, "test")
    put_span(1, {"signalling": "pri_net", "trunk": trunk.id})
    assert applier.apply_once() == "applied"
    _, _, revision = service.create({"number": "8101", "name": "Desk"}, "test")
    assert applier.apply_once() == "applied" and Change.get_by_id(revision).status == APPLIED


def put_port(n: int, body: dict) -> int:
    return config.put_port(FOUND, n, body, "test")


@pytest.fixture
def lines(box):
    """Both spans in use (a PRI, and MFC/R2), extension 8101 and a DAHDI trunk for the ports."""
    from appliance.extensions import service
    from appliance.trunks import service as trunks

    applier, asterisk, tool, store = box
    trunk, _ = trunks.create({"name": "Analog line", "kind": "dahdi"}, "test")
    service.create({"number": "8101", "name": "Desk"}, "test")
    put_span(1, {"signalling": "pri_net"})
    put_span(2, {"signalling": "mfcr2"})
    assert applier.apply_once() == "applied"
    asterisk.calls.clear()
    return box + (trunk.id,)


def test_a_port_change_opens_its_channel_again_and_leaves_the_spans_alone(lines):
    """Port 1 (channel 63) given to 8101: its call ends, chan_dahdi lets go of its channel,
    dahdi_cfg configures that channel alone, and chan_dahdi opens it again with its new options; no
    chan_dahdi restart (the spans' calls and R2 links go on). Port 1 taken back: port 5's block
    (67), after it, then takes on other options, which chan_dahdi carries on from block to block:
    both channels are let go of, and 67 opened again."""
    applier, asterisk, tool, store, trunk = lines
    runs = len(tool.runs)
    asterisk.dahdi_calls_up = {63: "DAHDI/63-1", 40: "DAHDI/40-1"}
    revision = put_port(1, {"kind": "fxs", "extension": "8101"})
    assert applier.apply_once() == "applied" and Change.get_by_id(revision).status == APPLIED
    steps = [c for c in asterisk.calls if c[0] in ("hangup", "dahdi_destroy", "dahdi_create", "dahdi_restart")]
    assert steps == [("hangup", "DAHDI/63-1", 38), ("dahdi_destroy", 63, 63), ("dahdi_create", 63, 63)]
    assert asterisk.dahdi_calls_up == {40: "DAHDI/40-1"} and not asterisk.restarts
    assert len(tool.runs) == runs + 1 and tool.runs[-1][1] == "63" and "fxoks=63\n" in tool.runs[-1][0]
    assert 63 in asterisk.dahdi_channels() and 40 in asterisk.dahdi_channels()
    asterisk.calls.clear()
    put_port(5, {"kind": "fxo", "trunk": trunk})
    assert applier.apply_once() == "applied"
    assert [c for c in asterisk.calls if c[0].startswith("dahdi_") and c[0] not in ("dahdi_channels", "dahdi_spans")] \
        == [("dahdi_destroy", 67, 67), ("dahdi_create", 67, 67)]
    asterisk.calls.clear()
    put_port(1, {"kind": "fxs"})  # 8101 off port 1: port 5's block now follows the spans' own
    assert applier.apply_once() == "applied"
    assert ("dahdi_destroy", 63, 63) in asterisk.calls and ("dahdi_destroy", 67, 67) in asterisk.calls
    assert 63 not in asterisk.dahdi_channels() and 67 in asterisk.dahdi_channels()


def test_a_port_changed_with_a_span_restarts_chan_dahdi(lines):
    applier, asterisk, tool, store, trunk = lines
    before = store.read()
    put_port(1, {"kind": "fxs", "extension": "8101"})
    put_span(2, {"signalling": "pri_cpe"})
    after = applier.snapshot()
    from appliance.pbx.render import render_all

    plan = dahdi.plan(before, render_all(after))
    assert plan.restart and plan.recreate == frozenset()


def test_a_port_chan_dahdi_does_not_open_again_rejects_the_round_and_opens_the_last_good(lines):
    applier, asterisk, tool, store, trunk = lines
    good = store.read()
    asterisk.lose_dahdi_channel = 63
    revision = put_port(1, {"kind": "fxs", "extension": "8101"})
    assert applier.apply_once() == "rejected"
    assert "missing 63" in Change.get_by_id(revision).error
    assert store.read() == good
    # The port's channel let go of and opened again twice: with the new files, then the last good.
    assert [c for c in asterisk.calls if c[0] in ("dahdi_destroy", "dahdi_create", "dahdi_restart")] == [
        ("dahdi_destroy", 63, 63), ("dahdi_create", 63, 63), ("dahdi_destroy", 63, 63), ("dahdi_create", 63, 63)]


def test_channel_options_as_chan_dahdi_carries_them():
    text = "[channels]\nsignalling = fxo_ks\ncallerid = a\nchannel => 63\ncallerid = b\nchannel => 64-65\n"
    blocks = dahdi.chan_dahdi_blocks(text)
    assert blocks[63] == (("callerid", "a"), ("signalling", "fxo_ks"))
    assert blocks[64] == blocks[65] == (("callerid", "b"), ("signalling", "fxo_ks"))
    assert dahdi.runs({1, 2, 3, 7, 9, 10}) == [(1, 3), (7, 7), (9, 10)]
