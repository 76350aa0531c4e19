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
