"""Call history from queue_log: outcomes, the memory leg, exactly-once reading, rotation."""

from __future__ import annotations

import os

import pytest

from appliance.reports import stats
from appliance.reports.db import QueueCall, QueueEvent, open_reports, reports_db
from appliance.reports.ingest import QueueLogReader
from tests.reportstore import reports_store

T0 = 1_796_000_000.0


@pytest.fixture
def reports(tmp_path):
    open_reports(reports_store(tmp_path))
    reports_db.connect(reuse_if_open=True)
    log = tmp_path / "queue_log"
    log.write_text("")
    yield QueueLogReader(log), log
    reports_db.close()


def write(log, *lines):
    with open(log, "a") as f:
        for line in lines:
            f.write(line + "\n")


def line(dt, callid, queue, agent, event, *data):
    return "|".join([f"{T0 + dt:.0f}", callid, queue, agent, event, *data])


def call(callid):
    return QueueCall.get_by_id(callid)


def test_answered_then_completed(reports):
    reader, log = reports
    write(log, line(0, "c1", "600", "NONE", "ENTERQUEUE", "", "075512345678", "1"),
          line(4, "c1", "600", "8002", "RINGNOANSWER", "15000"),
          line(8, "c1", "600", "8001", "CONNECT", "8", "c1.2", "3"),
          line(53, "c1", "600", "8001", "COMPLETECALLER", "8", "45", "1"),
          line(60, "c1", "600", "8001", "SURVEY", "4"))
    assert reader.poll() == {"600"}
    c = call("c1")
    assert (c.outcome, c.agent, c.wait, c.talk, c.caller, c.position, c.ring_attempts, c.survey) == \
        ("answered", "8001", 8.0, 45.0, "075512345678", 1, 1, 4)


def test_abandoned_with_its_wait(reports):
    reader, log = reports
    write(log, line(0, "c2", "600", "NONE", "ENTERQUEUE", "", "8001", "2"),
          line(12, "c2", "600", "NONE", "ABANDON", "2", "2", "12"))
    reader.poll()
    assert (call("c2").outcome, call("c2").wait) == ("abandoned", 12.0)


def test_an_answered_call_is_never_abandoned(reports):
    reader, log = reports
    write(log, line(0, "c3", "600", "NONE", "ENTERQUEUE", "", "8001", "1"),
          line(3, "c3", "600", "8002", "CONNECT", "3", "x", "1"),
          line(30, "c3", "600", "NONE", "ABANDON", "1", "1", "3"),
          line(31, "c3", "600", "NONE", "EXITWITHTIMEOUT", "1", "1", "31"))
    reader.poll()
    assert call("c3").outcome == "answered"


@pytest.mark.parametrize("event, data, outcome", [
    ("EXITWITHTIMEOUT", ("1", "1", "60"), "timed_out"),
    ("EXITEMPTY", ("1", "1", "5"), "overflowed"),
    ("OVERFLOW", ("FULL",), "overflowed"),
    ("EXITWITHKEY", ("1", "1", "1", "30"), "called_back"),
])
def test_other_endings(reports, event, data, outcome):
    reader, log = reports
    write(log, line(0, "c4", "600", "NONE", "ENTERQUEUE", "", "8001", "1"),
          line(20, "c4", "600", "NONE", event, *data))
    reader.poll()
    assert call("c4").outcome == outcome


def test_overflow_without_entering_makes_a_record(reports):
    reader, log = reports
    write(log, line(0, "c5", "600", "NONE", "OVERFLOW", "FULL"))
    reader.poll()
    assert (call("c5").outcome, call("c5").wait) == ("overflowed", 0.0)


def test_memory_leg_and_queue_are_one_call(reports):
    reader, log = reports
    write(log, line(0, "c6", "600-memory", "NONE", "ENTERQUEUE", "", "0755", "1"),
          line(5, "c6", "600-memory", "NONE", "EXITWITHTIMEOUT", "1", "1", "5"),
          line(5, "c6", "600", "NONE", "ENTERQUEUE", "", "0755", "3"),
          line(9, "c6", "600", "8003", "CONNECT", "4", "y", "2"),
          line(20, "c6", "600", "8003", "COMPLETEAGENT", "4", "11", "3"))
    reader.poll()
    c = call("c6")
    assert (c.queue, c.outcome, c.agent, c.wait, c.memory, c.position) == ("600", "answered", "8003", 9.0, 0, 3)
    write(log, line(100, "c7", "600-memory", "NONE", "ENTERQUEUE", "", "0755", "1"),
          line(102, "c7", "600-memory", "8003", "CONNECT", "2", "z", "2"),
          line(150, "c7", "600-memory", "8003", "COMPLETECALLER", "2", "48", "1"))
    reader.poll()
    assert (call("c7").queue, call("c7").memory, call("c7").talk) == ("600", 1, 48.0)
    assert stats.last_agent("600", "0755") == "8003"


def test_a_line_being_written_waits_for_its_end(reports):
    reader, log = reports
    with open(log, "a") as f:
        f.write(line(0, "c8", "600", "NONE", "ENTERQUEUE", "", "8001", "1") + "\n")
        f.write(line(5, "c8", "600", "8001", "CONN"))
    reader.poll()
    assert call("c8").outcome == "waiting"
    with open(log, "a") as f:
        f.write("ECT|5|x|1\n")
    reader.poll()
    assert call("c8").outcome == "answered"
    assert QueueEvent.select().count() == 2


def test_reading_again_counts_nothing_twice(reports):
    reader, log = reports
    write(log, line(0, "c9", "600", "NONE", "ENTERQUEUE", "", "8001", "1"),
          line(5, "c9", "600", "8001", "CONNECT", "5", "x", "1"))
    reader.poll()
    reader.poll()
    QueueLogReader(log).poll()  # a restarted supervisor reads on from the stored position
    assert QueueEvent.select().count() == 2 and QueueCall.select().count() == 1


def test_a_failed_batch_is_read_again_whole(reports, monkeypatch):
    reader, log = reports
    write(log, line(0, "c10", "600", "NONE", "ENTERQUEUE", "", "8001", "1"),
          line(5, "c10", "600", "8001", "CONNECT", "5", "x", "1"))
    real = QueueCall.insert
    monkeypatch.setattr(QueueCall, "insert", lambda **kw: (_ for _ in ()).throw(OSError("disk")))
    with pytest.raises(OSError):
        reader.poll()
    monkeypatch.setattr(QueueCall, "insert", real)
    assert QueueEvent.select().count() == 0
    reader.poll()
    assert QueueEvent.select().count() == 2 and call("c10").outcome == "answered"


def test_rotation_reads_the_rest_of_the_old_file_first(reports):
    reader, log = reports
    write(log, line(0, "c11", "600", "NONE", "ENTERQUEUE", "", "8001", "1"))
    reader.poll()
    write(log, line(3, "c11", "600", "8001", "CONNECT", "3", "x", "1"))
    os.rename(log, log.with_name("queue_log.0"))
    write(log, line(40, "c11", "600", "8001", "COMPLETECALLER", "3", "37", "1"))
    reader.poll()
    c = call("c11")
    assert (c.outcome, c.talk) == ("answered", 37.0)
    assert QueueEvent.select().count() == 3


def test_day_figures_and_service_level(reports):
    reader, log = reports
    write(log,
          line(0, "a", "600", "NONE", "ENTERQUEUE", "", "1", "1"), line(10, "a", "600", "8001", "CONNECT", "10", "x", "1"),
          line(0, "b", "600", "NONE", "ENTERQUEUE", "", "2", "2"), line(40, "b", "600", "8002", "CONNECT", "40", "x", "1"),
          line(0, "c", "600", "NONE", "ENTERQUEUE", "", "3", "3"), line(30, "c", "600", "NONE", "ABANDON", "3", "3", "30"),
          line(0, "d", "600", "NONE", "ENTERQUEUE", "", "4", "4"), line(9, "d", "600", "NONE", "EXITWITHKEY", "1", "4", "4", "9"),
          line(50, "a", "600", "8001", "SURVEY", "5"), line(60, "b", "600", "8002", "SURVEY", "3"))
    reader.poll()
    day = stats.queue_day("600", T0 - 1, service_level=20)
    assert (day["offered"], day["answered"], day["abandoned"], day["called_back"]) == (3, 2, 1, 1)
    assert day["service_level"] == pytest.approx(33.3)  # 1 of 3 answered within 20 s
    assert (day["avg_wait"], day["max_wait"]) == (25.0, 40.0)
    assert stats.agent_day("8001", T0 - 1) == {"calls": 1, "talk_seconds": 0, "satisfaction": 5.0, "surveys": 1}
