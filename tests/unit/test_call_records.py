"""Call records from channel events: recorded transcripts of real calls (tests/unit/data/cel,
taken from Asterisk 22 over AMI) give exact records; transfers merge linkedids into one call;
the store keeps what is committed across a restart and never writes a call twice."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from appliance.reports.calls import Calls, build, event_of, parties
from appliance.reports.db import CallLeg, CallParty, CallRecord, CelEvent, open_reports, reports_db
from appliance.reports import recorder as recorder_module
from appliance.reports.recorder import CallRecorder
from tests.reportstore import reports_store

DATA = Path(__file__).parent / "data" / "cel"


def transcript(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text().splitlines() if line.strip()]


def records(events, lines=None) -> tuple[list[dict], Calls]:
    calls, out = Calls(), []
    for ev in events:
        out += [build(call, evs, lines=lines) for call, evs in calls.feed(ev)]
    return out, calls


def one(name: str) -> dict:
    out, calls = records(transcript(name))
    assert len(out) == 1 and not calls.open_calls(), (out, calls.open_calls())
    rec = dict(out[0])
    rec.pop("legs")
    return rec


def ext(n):
    return {"kind": "extension", "target": n}


def test_internal_answered():
    r = one("answered")
    assert r == {"id": "1796486432.11", "start": 1796486432.182, "answer": 1796486432.185, "end": 1796486434.21,
                 "direction": "internal", "from": "8001", "from_name": "Desk 8001", "to": "8002", "did": None,
                 "trunk": None, "path": [ext("8002")], "answered_by": "8002", "wait_seconds": 0.003,
                 "talk_seconds": 2.021, "hold_seconds": 0.0, "transfers": [], "outcome": "answered"}


# The box of the system test that recorded tests/unit/data/cel/dahdi: its software spans looped as
# a PRI (span 1 trunk 1, network side; span 2 trunk 2), analog port 1 (channel 63) the phone 8201,
# port 5 (channel 67) the line of trunk 3, the two ports wired to each other.
LINES = {"i1": ("trunk", "1"), "i2": ("trunk", "2"), "63": ("phone", "8201"), "67": ("trunk", "3"),
         **{str(c): ("trunk", "1") for c in range(1, 32) if c != 16}}


def dahdi(name: str) -> dict[str, dict]:
    out, calls = records(transcript(f"dahdi/{name}"), LINES)
    assert not calls.open_calls()
    return {r["id"]: {k: r[k] for k in ("direction", "from", "to", "did", "trunk", "answered_by", "outcome")}
            for r in out}


def test_a_call_out_over_a_pri_span_and_in_over_the_other():
    calls = dahdi("pri")
    assert calls == {
        "1796602437.0": {"direction": "outbound", "from": "8101", "to": "075512345678", "did": None, "trunk": 1,
                         "answered_by": "075512345678", "outcome": "answered"},
        "1796602437.2": {"direction": "inbound", "from": "8101", "to": "075512345678", "did": "075512345678",
                         "trunk": 2, "answered_by": "8102", "outcome": "answered"}}
    # Without the box's lines a DAHDI channel is nobody's: the calls were recorded as internal.
    out, _ = records(transcript("dahdi/pri"))
    assert {r["direction"] for r in out} == {"internal"} and {r["trunk"] for r in out} == {None}


def test_calls_of_an_analog_phone_and_over_an_analog_line():
    calls = dahdi("analog")
    assert calls == {
        # 8101 out through the line (58102, the 5 taken off)...
        "1796602470.8": {"direction": "outbound", "from": "8101", "to": "8102", "did": None, "trunk": 3,
                         "answered_by": "8102", "outcome": "answered"},
        # ... which is the analog phone 8201 lifting and dialling 8102 (its channel's extension is "s").
        "1796602470.10": {"direction": "internal", "from": "8201", "to": "8102", "did": None, "trunk": None,
                          "answered_by": "8102", "outcome": "answered"},
        "1796602477.12": {"direction": "internal", "from": "8101", "to": "8201", "did": None, "trunk": None,
                          "answered_by": "8201", "outcome": "answered"},
        # The line rings; its caller ID (Bell FSK after the first ring) comes after its channel's start.
        "1796602478.14": {"direction": "inbound", "from": "8101", "to": None, "did": None, "trunk": 3,
                          "answered_by": "8102", "outcome": "answered"}}
    out, _ = records(transcript("dahdi/analog"), LINES)
    assert {r["id"]: sorted(parties(r)) for r in out} == {
        "1796602470.8": ["8101"], "1796602470.10": ["8102", "8201"], "1796602477.12": ["8101", "8201"],
        "1796602478.14": ["8102"]}


def test_busy_callee_with_a_mailbox_goes_to_voicemail():
    r = one("busy")
    assert (r["outcome"], r["answer"], r["answered_by"], r["talk_seconds"]) == ("voicemail", None, None, 0.0)
    assert r["path"] == [ext("8002"), {"kind": "voicemail", "target": "8002"}]


def test_busy_without_voicemail_is_busy():
    # The same call with the VoiceMail step left out: the caller got the callee's busy.
    events = [e for e in transcript("busy") if not (e.get("app") == "VoiceMail" or
                                                     e.get("user_type") == "CALLBOX_PATH"
                                                     and "voicemail" in json.dumps(e.get("extra")))]
    out, _ = records(events)
    assert out[0]["outcome"] == "busy"


def test_hold_time_is_counted_until_the_call_ends():
    r = one("hold")
    assert (r["outcome"], r["talk_seconds"], r["hold_seconds"]) == ("answered", 3.023, 3.021)


def test_blind_transfer_is_one_call_with_its_transfer():
    r = one("blind")
    assert r["transfers"] == [{"from": "8002", "to": "8003", "kind": "blind"}]
    assert (r["from"], r["to"], r["answered_by"], r["outcome"]) == ("8001", "8002", "8002", "answered")
    assert r["path"] == [ext("8002"), ext("8003")]
    assert r["talk_seconds"] == 2.022


def test_attended_transfer_merges_the_consultation_into_the_call():
    events = transcript("attended")
    assert len({e["linkedid"] for e in events}) == 2  # the consultation began as a call of its own
    out, calls = records(events)
    assert len(out) == 1 and not calls.open_calls()
    r = out[0]
    assert r["id"] == "1796486447.18"
    assert r["transfers"] == [{"from": "8002", "to": "8003", "kind": "attended"}]
    assert (r["answered_by"], r["outcome"], r["talk_seconds"], r["hold_seconds"]) == ("8002", "answered", 3.038, 1.014)
    assert sorted(leg["party"] for leg in r["legs"]) == ["8001", "8002", "8002", "8003"]


def test_outbound_through_a_trunk():
    r = one("outbound")
    assert r == {"id": "1796486395.0", "start": 1796486395.973, "answer": 1796486395.978, "end": 1796486397.998,
                 "direction": "outbound", "from": "8001", "from_name": "Desk 8001", "to": "075599887766",
                 "did": None, "trunk": 1, "path": [{"kind": "external", "target": "075599887766"}],
                 "answered_by": "075599887766", "wait_seconds": 0.005, "talk_seconds": 2.02, "hold_seconds": 0.0,
                 "transfers": [], "outcome": "answered"}


def test_inbound_through_an_ivr_to_an_extension():
    r = one("inbound-ivr-ext")
    assert r == {"id": "1796486401.2", "start": 1796486401.024, "answer": 1796486401.98, "end": 1796486404.002,
                 "direction": "inbound", "from": "provider", "from_name": None, "to": "075512345678",
                 "did": "075512345678", "trunk": 1, "path": [{"kind": "ivr", "target": "1"}, ext("8002")],
                 "answered_by": "8002", "wait_seconds": 0.956, "talk_seconds": 2.021, "hold_seconds": 0.0,
                 "transfers": [], "outcome": "answered"}


def test_ring_group_answered_by_its_second_member():
    r = one("inbound-rg")
    assert r["path"] == [{"kind": "ivr", "target": "1"}, {"kind": "ring_group", "target": "600"}]
    assert (r["answered_by"], r["outcome"], r["wait_seconds"]) == ("8003", "answered", 0.944)


def test_queue_answered_and_abandoned():
    answered, abandoned = one("queue-answered"), one("queue-abandoned")
    assert (answered["answered_by"], answered["outcome"], answered["wait_seconds"]) == ("8003", "answered", 0.95)
    assert (abandoned["answered_by"], abandoned["outcome"], abandoned["wait_seconds"]) == (None, "abandoned", 3.745)
    assert abandoned["path"][-1] == {"kind": "queue", "target": "500"}


def test_a_caller_the_queue_let_go_is_missed_not_abandoned():
    events = transcript("queue-abandoned")
    hangup = next(i for i, e in enumerate(events) if e["event"] == "APP_END")
    exit_event = dict(events[hangup], event="USER_DEFINED", user_type="CALLBOX_QUEUE_EXIT", extra={"extra": "TIMEOUT"})
    out, _ = records(events[:hangup + 1] + [exit_event] + events[hangup + 1:])
    assert (out[0]["outcome"], out[0]["path"][-1]) == ("missed", {"kind": "queue", "target": "500"})


def test_calls_interleaved_stay_apart():
    a, b = transcript("answered"), transcript("outbound")
    mixed = sorted(a + b, key=lambda e: e["time"] % 100)  # interleave the two calls
    out, calls = records(mixed)
    assert sorted(r["id"] for r in out) == ["1796486395.0", "1796486432.11"]
    assert not calls.open_calls()


def test_a_late_event_of_a_recorded_call_is_dropped():
    events = transcript("answered")
    out, calls = records(events)
    assert calls.feed(dict(events[-1], event="UNHOLD")) == []
    assert not calls.open_calls()


def test_a_call_cut_by_asterisk_is_closed_as_failed_at_that_time():
    events = [e for e in transcript("answered") if e["event"] not in ("BRIDGE_EXIT", "HANGUP", "CHAN_END",
                                                                      "LINKEDID_END", "APP_END")]
    out, calls = records(events)
    assert out == [] and set(calls.open_calls()) == {"1796486432.11"}
    r = build("1796486432.11", calls.close("1796486432.11"), failed_at=1796486440.185)
    assert (r["outcome"], r["end"], r["answered_by"], r["talk_seconds"]) == ("failed", 1796486440.185, "8002", 8.0)


def test_event_of_keeps_what_records_use():
    fields = {"Event": "CEL", "EventName": "HANGUP", "UniqueID": "1.2", "LinkedID": "1.1", "Channel": "PJSIP/8002-01",
              "CallerIDnum": "8002", "Extra": '{"hangupcause":17,"dialstatus":""}', "AppData": ""}
    assert event_of(fields, 5.0) == {"time": 5.0, "event": "HANGUP", "uniqueid": "1.2", "linkedid": "1.1",
                                     "channel": "PJSIP/8002-01", "cid_num": "8002",
                                     "extra": {"hangupcause": 17, "dialstatus": ""}}
    assert event_of({"Event": "Newchannel", "Uniqueid": "1.2"}, 5.0) is None
    assert event_of({"Event": "Hold", "Uniqueid": "1.2", "Linkedid": "1.1", "Channel": "x"}, 6.0)["event"] == "HOLD"


# -- the store --------------------------------------------------------------------------------


class FakeAmi:
    def __init__(self):
        self.connected = True
        self.channels: list[str] = []

    def action_list(self, name, timeout=None):
        assert name == "CoreShowChannels"
        return {}, [{"Event": "CoreShowChannel", "Uniqueid": u} for u in self.channels]


@pytest.fixture
def store(tmp_path):
    open_reports(reports_store(tmp_path))
    reports_db.connect(reuse_if_open=True)
    yield tmp_path / "reports.db"
    reports_db.close()


def run_until_idle(recorder: CallRecorder) -> None:
    stop = threading.Event()
    t = threading.Thread(target=recorder.run, args=(stop,))
    t.start()
    deadline = time.monotonic() + 5
    while (not recorder.queue.empty() or recorder.pending) and time.monotonic() < deadline:
        stop.wait(0.02)
    stop.set()
    t.join()


def feed(recorder: CallRecorder, events) -> None:
    for ev in events:
        recorder.queue.put(ev)
    run_until_idle(recorder)


def test_records_legs_and_parties_are_stored(store):
    recorder = CallRecorder(FakeAmi())
    feed(recorder, transcript("attended"))
    rec = CallRecord.get_by_id("1796486447.18")
    assert (rec.direction, rec.from_number, rec.answered_by, rec.outcome) == ("internal", "8001", "8002", "answered")
    assert json.loads(rec.transfers) == [{"from": "8002", "to": "8003", "kind": "attended"}]
    assert CallLeg.select().where(CallLeg.call_id == rec.id).count() == 4
    assert {p.extension for p in CallParty.select()} == {"8001", "8002", "8003"}
    assert CelEvent.select().where(CelEvent.open == 1).count() == 0


def test_a_restart_mid_call_loses_nothing_and_writes_the_call_once(store):
    events = transcript("blind")
    first = CallRecorder(FakeAmi())
    feed(first, events[:12])
    assert CallRecord.select().count() == 0
    # The supervisor starts again (Asterisk too, in real life; here the call goes on).
    second = CallRecorder(FakeAmi())
    second.load()
    assert set(second.calls.open_calls()) == {"1796486442.15"}
    feed(second, events[12:])
    assert [r.id for r in CallRecord.select()] == ["1796486442.15"]
    whole, _ = records(events)
    assert CallRecord.get_by_id("1796486442.15").talk == whole[0]["talk_seconds"]


def test_after_login_calls_asterisk_no_longer_has_are_closed_as_failed(store):
    ami = FakeAmi()
    events = transcript("answered")
    recorder = CallRecorder(ami)
    feed(recorder, events[:8])  # answered and bridged
    assert events[7]["event"] == "BRIDGE_ENTER"
    ami.channels = []  # Asterisk restarted: no channel left
    recorder.lost_at = events[7]["time"] + 30
    recorder.on_connect()
    run_until_idle(recorder)
    rec = CallRecord.get_by_id("1796486432.11")
    assert (rec.outcome, rec.ended, rec.answered_by) == ("failed", events[7]["time"] + 30, "8002")
    assert rec.talk == 30.0
    # The old Asterisk's last events never come; a restarted supervisor finds nothing open.
    again = CallRecorder(ami)
    again.load()
    assert again.calls.open_calls() == {}
    assert CallRecord.select().count() == 1


def test_a_login_keeps_calls_asterisk_still_has(store):
    ami = FakeAmi()
    events = transcript("answered")
    recorder = CallRecorder(ami)
    feed(recorder, events[:8])
    ami.channels = ["1796486432.11", "1796486432.12"]
    recorder.on_connect()
    run_until_idle(recorder)
    assert CallRecord.select().count() == 0
    feed(recorder, events[8:])
    assert CallRecord.get_by_id("1796486432.11").outcome == "answered"


def test_a_failing_store_keeps_the_events_and_stores_them_later(store, monkeypatch):
    alerts = []
    recorder = CallRecorder(FakeAmi(), alert=lambda active, message: alerts.append((active, message)))
    calls = {"n": 0}
    real = recorder_module.store_events

    def flaky(batch, *done):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("database or disk is full")
        return real(batch, *done)

    monkeypatch.setattr(recorder_module, "store_events", flaky)
    monkeypatch.setattr("appliance.reports.recorder.time.sleep", lambda s: None)
    feed(recorder, transcript("answered"))
    assert calls["n"] >= 2 and recorder.error is None
    assert alerts == [(True, "database or disk is full"), (False, None)]  # the dashboard's alert, on and off
    assert CallRecord.get_by_id("1796486432.11").outcome == "answered"


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MiB file system of its own (tmpfs), unmounted after the test."""
    import os
    import subprocess

    if os.geteuid() != 0:
        pytest.skip("mounting a file system takes root")
    where = tmp_path / "small"
    where.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        reports_db.close()
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(directory: Path) -> Path:
    """Writes to a file until the file system is full; gives the file."""
    filler = directory / "filler"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    return filler


def test_a_full_disk_stops_storing_with_an_alert_and_the_events_are_stored_once_there_is_room(small_disk):
    """The store on a real file system that fills up: SQLite's own error, not a stand-in. (A SQLite
    file whatever store the other tests use: the PostgreSQL run of these tests runs it as it is.)"""
    open_reports(small_disk / "reports.db")
    reports_db.connect(reuse_if_open=True)
    alerts = []
    recorder = CallRecorder(FakeAmi(), alert=lambda active, message: alerts.append((active, message)))
    feed(recorder, transcript("busy"))  # the store works and has its tables
    assert CallRecord.select().count() == 1
    filler = _fill(small_disk)
    stop = threading.Event()
    t = threading.Thread(target=recorder.run, args=(stop,))
    t.start()
    try:
        for ev in transcript("answered"):
            recorder.queue.put(ev)
        deadline = time.monotonic() + 20
        while not alerts:
            assert time.monotonic() < deadline, "no alert while the disk is full"
            stop.wait(0.05)
        assert alerts[0][0] is True and "full" in alerts[0][1], alerts
        assert recorder.pending and CallRecord.select().count() == 1  # kept in memory, nothing half-stored
        filler.unlink()
        deadline = time.monotonic() + 20
        while alerts[-1] != (False, None) or recorder.pending:
            assert time.monotonic() < deadline, ("not stored again after room was made", alerts)
            stop.wait(0.05)
    finally:
        stop.set()
        t.join()
    assert CallRecord.get_by_id("1796486432.11").outcome == "answered"
    assert CallRecord.select().count() == 2 and alerts[0][0] is True and alerts[-1] == (False, None)


def test_channel_events_go_out_over_ami_only():
    """cel_manager and CELGenUserEvent load; no CEL or CDR back end writes inside Asterisk."""
    from appliance.pbx.render import core
    from tests.unit.conftest import SYSTEM  # noqa: F401 - the renderers' system settings

    assert "cel_manager.so" not in core.NOLOAD and "app_celgenuserevent.so" not in core.NOLOAD
    for backend in ("cel_custom.so", "cel_sqlite3_custom.so", "cel_odbc.so", "cel_pgsql.so", "cdr_csv.so",
                    "cdr_custom.so", "cdr_sqlite3_custom.so", "cdr_manager.so"):
        assert backend in core.NOLOAD
    assert "USER_DEFINED" in core.CEL_EVENTS and "LINKEDID_END" in core.CEL_EVENTS


def test_events_are_stored_done_with_their_record_whether_the_call_spans_batches_or_not(store):
    """A call that ends within a batch has its events stored done at once, in one row; one that
    began in an earlier batch has them marked done in the transaction that writes its record."""
    from appliance.reports.recorder import events_of

    def stored(*where):
        rows = CelEvent.select().where(*where) if where else CelEvent.select()
        return [ev for row in rows.order_by(CelEvent.id) for ev in events_of(row.data)]

    recorder = CallRecorder(FakeAmi())
    whole, split = transcript("answered"), transcript("busy")
    recorder.pending = whole + split[:3]
    recorder._flush()
    assert CallRecord.select().count() == 1
    assert stored(CelEvent.open == 1) == split[:3]
    assert stored(CelEvent.open == 0) == whole and CelEvent.select().where(CelEvent.open == 0).count() == 1
    recorder.pending = split[3:]
    recorder._flush()
    assert CallRecord.select().count() == 2
    assert CelEvent.select().where(CelEvent.open == 1).count() == 0
    assert stored() == split[:3] + whole + split[3:]


def test_events_read_from_ami_text_as_from_their_headers():
    """The AMI reader hands the recorder packets it has not cut into headers: what a record takes of
    each (out of the text) is what it takes of the headers, for every recorded event written as
    cel_manager writes it, and in other case and spacing; other events are let go."""
    import sys

    from appliance.ami import Message, Parser

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    from bench_reports import ami_text

    events = [ev for path in sorted(DATA.glob("*.jsonl")) for ev in transcript(path.stem)]
    texts = [ami_text(ev) for ev in events]
    texts += [t.replace(b"UniqueID: ", b"uniqueid:").replace(b"\r\nExten: ", b"\r\n EXTEN :  ") for t in texts[:50]]
    texts += [b"Event: Newchannel\r\nUniqueid: 1.1\r\nLinkedid: 1.1\r\n\r\n", b"Event: Hold\r\nChannel: x\r\n\r\n",
              b"Response: Success\r\nEvent: CEL\r\nUniqueID: 2.1\r\nLinkedID: 2.1\r\n\r\n"]
    parsed = Parser().feed(b"".join(texts))
    assert len(parsed) == len(texts)
    taken = [event_of(m, 1764550000.0) for m in parsed]
    assert taken == [event_of(Message(m.items()), 1764550000.0) for m in parsed]
    assert sum(ev is not None for ev in taken) == len(events) + 51 and taken[-3:-1] == [None, None]


def test_a_cel_event_as_asterisk_writes_it_is_read_as_its_headers():
    """cel_manager writes every CEL event in one shape (with a TenantID on a channel that has one),
    read in one match; the same events in any other shape (a header more, one repeated after, names
    in other case, Extra with a space more or not JSON) are read header by header. Either way the
    record takes the same of it as of its headers (the first of a repeated one), and of an event
    written as recorded, the event recorded."""
    import sys

    from appliance.ami import Message, Parser

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    from bench_reports import ami_text

    events = [ev for path in sorted(DATA.glob("*.jsonl")) for ev in transcript(path.stem)]
    texts = [ami_text(ev) for ev in events]
    assert all(t.startswith(b"Event: CEL\r\n") for t in texts if b"\r\nExtra: " in t)
    tenant = [t.replace(b"\r\nUserfield: ", b"\r\nTenantID: branch-1\r\nUserfield: ") for t in texts]
    shapes = [lambda t: t.replace(b"\r\n\r\n", b"\r\nUniqueID: later\r\n\r\n"),
              lambda t: t.replace(b"Privilege: call,all\r\n", b"Privilege: call,all\r\nTimestamp: 1764550000.1\r\n"),
              lambda t: t.replace(b"\r\nLinkedID: ", b"\r\nLinkedid: "),
              lambda t: t.replace(b"\r\nExtra: ", b"\r\nExtra:  "),
              lambda t: t.replace(b"\r\nExtra: ", b"\r\nExtra: not JSON"),
              lambda t: t.replace(b"\r\nExtra: {", b"\r\nExtra: [1] {")]
    others = [shape(t) for t in texts if t.startswith(b"Event: CEL") for shape in shapes]
    parsed = Parser().feed(b"".join(texts + others + tenant))
    assert len(parsed) == len(texts) + len(others) + len(tenant)
    taken = [event_of(m, 1764550000.0) for m in parsed]
    assert taken == [event_of(Message(m.items()), 1764550000.0) for m in parsed]
    assert taken[:len(events)] == [{**ev, "time": 1764550000.0} for ev in events] == taken[-len(events):]
    shaped = taken[len(events):len(events) + len(others)]
    repeated = shaped[::len(shapes)]
    assert [ev["uniqueid"] for ev in repeated] == [ev["uniqueid"] for ev in events
                                                   if ev["event"] not in ("HOLD", "UNHOLD")]
    assert any(ev.get("extra") == {"text": "not JSON"} for ev in shaped[4::len(shapes)])
