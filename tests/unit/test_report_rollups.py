"""Hourly rollups of the queue, survey, extension, trunk and trunk occupancy reports: the same
figures as from the queue calls, records and legs themselves on generated data, still there after
retention has pruned those rows, and kept up as the queue_log ingester writes a call again and
again (entered, answered, scored) and as legs are written again."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from appliance.reports import queue_reports, reports, retention, survey_days, usage
from appliance.reports.db import CallLeg, CallRecord, QueueCall, fill_wrapups, open_reports, reports_db, upsert
from appliance.reports.ingest import QueueLogReader
from appliance.reports.period import Range
from tests.reportstore import reports_store

ZONE = "Asia/Shanghai"
SHANGHAI = ZoneInfo(ZONE)
QUEUES = ("600", "601", "602")
CONFIG = {"queues": {q: {"name": f"Q{q}", "service_level": 20, "wrapup": 10} for q in QUEUES},
          "trunks": {"1": {"name": "Carrier", "max_channels": 8}, "2": {"name": "Backup", "max_channels": None}}}
OUTCOMES = ("answered", "answered", "answered", "abandoned", "timed_out", "overflowed", "called_back", "waiting")
FIRST = dt.datetime(2026, 11, 1, tzinfo=SHANGHAI).timestamp()


@pytest.fixture
def store(tmp_path):
    open_reports(reports_store(tmp_path))
    reports_db.connect(reuse_if_open=True)
    yield tmp_path
    reports_db.close()


def generate(n: int, seed: int = 8) -> None:
    """Queue calls over 30 days, each written as the ingester does: entered, then ended (and some
    scored afterwards); the inbound records of the same calls."""
    rnd = random.Random(seed)
    with reports_db.atomic():
        for i in range(n):
            entered = FIRST + rnd.uniform(0, 30 * 86400)
            queue, outcome = rnd.choice(QUEUES), rnd.choice(OUTCOMES)
            # whole seconds and just over them: the thresholds' edges
            wait = rnd.choice((rnd.uniform(0, 120), float(rnd.randint(0, 30)), rnd.randint(0, 30) + 0.001))
            call = {"callid": f"q{i}", "queue": queue, "entered_at": entered, "outcome": "waiting",
                    "ring_attempts": 0, "memory": 0}
            upsert(QueueCall, **call)
            if outcome == "waiting":
                continue
            call.update(outcome=outcome, wait=wait, ended_at=entered + wait)
            if outcome == "answered":
                call.update(agent=rnd.choice(("8001", "8002", "8003")), connected_at=entered + wait,
                            talk=rnd.uniform(5, 600), wrapup=rnd.choice((0.0, 10.0, rnd.uniform(0, 10))))
            upsert(QueueCall, **call)
            if outcome == "answered" and rnd.random() < 0.5:
                upsert(QueueCall, **call, survey=rnd.choice((1, 2, 3, 4, 5, None)))
            CallRecord.create(id=f"q{i}", started=entered, ended=entered + wait + 1, direction="inbound",
                              path="[]", wait=wait, talk=0.0, hold=0.0, transfers="[]", queue=queue,
                              outcome=rnd.choice(("answered", "answered", "abandoned", "missed")))


def raw_range(start: float, by: str) -> Range:
    r = Range(SHANGHAI, start, start + 34 * 86400, by, CONFIG)
    r.__dict__["whole_hours"] = False
    return r


def assert_pages_agree(r: Range, build=queue_reports.survey) -> None:
    """A report's pages are slices of every row, in order; the totals and the count are all rows'."""
    rows, totals = build(r)
    assert len(rows) > 5
    n = 7 if len(rows) > 40 else 2
    for first, count in ((0, n), (n, n), (len(rows) - n + 1, n), (len(rows), n), (0, len(rows) + 1)):
        paged = Range(r.zone, r.start, r.end, r.by, r.config, r.options, (first, count))
        paged.__dict__["whole_hours"] = r.whole_hours
        assert build(paged) == (rows[first:first + count], totals, len(rows))


def both_ways(name: str, first: str, last: str, by: str, **options) -> tuple:
    start = dt.datetime.combine(dt.date.fromisoformat(first), dt.time(), SHANGHAI).timestamp()
    end = dt.datetime.combine(dt.date.fromisoformat(last) + dt.timedelta(days=1), dt.time(), SHANGHAI).timestamp()
    build = reports.BUILDERS[name][0]
    rolled = Range(SHANGHAI, start, end, by, CONFIG, options)
    raw = Range(SHANGHAI, start, end, by, CONFIG, options)
    raw.__dict__["whole_hours"] = False  # as in a zone whose hours are not UTC's
    assert rolled.whole_hours
    return build(rolled), build(raw)


@pytest.mark.parametrize("by", ["hour", "day", "week", "month"])
def test_rollups_and_rows_agree_on_generated_calls(store, by):
    generate(1500)
    first, last = ("2026-11-03", "2026-11-04") if by == "hour" else ("2026-10-30", "2026-12-02")
    for short in (0, 3, 5, 17, 600):
        rolled, raw = both_ways("queues", first, last, by, short_abandon=short)
        assert rolled == raw and rolled[0]
    rolled, raw = both_ways("survey", first, last, by)
    assert rolled == raw and rolled[0]


@pytest.mark.parametrize("by", ["day", "week", "month"])
def test_the_survey_days_hours_and_rows_agree(store, by):
    """The daily rollup kept by its triggers as calls are written again and again, made again for
    another zone, and left to the hours where the zone's offset is not its own."""
    assert survey_days.sync(SHANGHAI, now=FIRST) and not survey_days.sync(SHANGHAI, now=FIRST)
    generate(1500)
    first, last = "2026-10-30", "2026-12-02"
    daily, raw = both_ways("survey", first, last, by)
    start = dt.datetime(2026, 10, 30, tzinfo=SHANGHAI).timestamp()
    assert survey_days.offset_for(Range(SHANGHAI, start, start + 3 * 86400, by, CONFIG)) == 8 * 3600
    assert survey_days.sync(ZoneInfo("UTC"))  # another zone: made again, the report reads the hours
    assert survey_days.offset_for(Range(SHANGHAI, start, start + 3 * 86400, by, CONFIG)) is None
    hourly, _ = both_ways("survey", first, last, by)
    assert daily == hourly == raw and daily[0]
    utc = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc).timestamp()
    r = Range(ZoneInfo("UTC"), utc, utc + 30 * 86400, by, CONFIG)
    assert survey_days.offset_for(r) == 0
    from_days = queue_reports.survey(r)
    r.__dict__["whole_hours"] = False
    assert from_days == queue_reports.survey(r) and from_days[0]
    # One page at a time: in the database from the days (by day), from the rows listed otherwise.
    for r in (Range(SHANGHAI, start, start + 34 * 86400, by, CONFIG), raw_range(start, by)):
        assert_pages_agree(r)
    # A zone whose clock changes within the range: its days are not at one offset.
    paris = ZoneInfo("Europe/Paris")
    assert survey_days.sync(paris, now=utc)
    march = dt.datetime(2026, 3, 1, tzinfo=paris).timestamp()
    assert survey_days.offset_for(Range(paris, march, march + 30 * 86400, by, CONFIG)) is None


def test_a_survey_page_in_the_order_of_every_row_whatever_the_names(store):
    """Agents and queues whose numbers are not all of one length (9 before 10, not as text), or not
    numbers: the page is the same slice of the rows in the report's order."""
    assert survey_days.sync(SHANGHAI, now=FIRST)
    generate(400)
    start = dt.datetime(2026, 10, 30, tzinfo=SHANGHAI).timestamp()
    r = Range(SHANGHAI, start, start + 34 * 86400, "day", CONFIG)
    assert survey_days.offset_for(r) is not None
    assert_pages_agree(r)
    with reports_db.atomic():
        for agent, other in (("8001", "9"), ("8002", "10"), ("8003", "sales")):
            QueueCall.update(agent=other).where(QueueCall.agent == agent).execute()  # the rollups follow
    rows, _ = queue_reports.survey(r)
    assert {row["agent"] for row in rows} == {"9", "10", "sales"}
    order = {"9": 0, "10": 1, "sales": 2}
    keys = [(row["period"], row["queue"], order[row["agent"]]) for row in rows]
    assert keys == sorted(keys)  # 9 before 10, a number before a name
    assert_pages_agree(r)


def test_a_report_over_pruned_days_still_counts_from_the_rollups(store):
    generate(600)
    params = {"from": "2026-11-01", "to": "2026-11-30", "by": "week"}
    before = {name: reports.report(name, params, ZONE, CONFIG) for name in ("traffic", "queues", "survey")}
    assert before["queues"]["totals"]["entered"] == 600 and before["survey"]["totals"]["answered"] > 0
    records = CallRecord.select().count()
    done = retention.prune(1, 1, now=FIRST + 400 * 86400, pause=0)
    assert done["queue_call"] > 0 and done["call_record"] == records > 0
    assert QueueCall.select().where(QueueCall.outcome != "waiting").count() == 0
    for name, doc in before.items():
        assert reports.report(name, params, ZONE, CONFIG) == doc


def line(t: float, callid: str, agent: str, event: str, *data) -> str:
    return "|".join([f"{t:.0f}", callid, "600", agent, event, *data])


def test_the_ingester_counts_service_level_as_the_queue_had_it(store):
    """A caller answered after 25 s: in time for a queue whose level was 30 s when the call came,
    and still so after the level is lowered (the rollup keeps the call's level)."""
    log = store / "queue_log"
    t = dt.datetime(2026, 12, 6, 9, tzinfo=SHANGHAI).timestamp()
    log.write_text("\n".join([line(t, "c1", "NONE", "ENTERQUEUE", "", "5551234", "1"),
                              line(t + 25, "c1", "8001", "CONNECT", "25", "c1.2", "3"),
                              line(t + 85, "c1", "8001", "COMPLETECALLER", "25", "60", "1"),
                              line(t + 90, "c1", "NONE", "SURVEY", "4")]) + "\n")
    levels = {"600": 30}
    QueueLogReader(log, level=levels.get).poll()
    assert QueueCall.get_by_id("c1").service_level == 30
    config = {"queues": {"600": {"service_level": 10}}}
    doc = reports.report("queues", {"from": "2026-12-06", "to": "2026-12-06"}, ZONE, config)
    row = doc["rows"][0]
    assert (row["entered"], row["answered"], row["service_level"], row["talk_seconds"]) == (1, 1, 100.0, 60.0)
    survey = reports.report("survey", {"from": "2026-12-06", "to": "2026-12-06"}, ZONE, config)["rows"]
    assert [(r["agent"], r["answered"], r["surveys"], r["score_4"]) for r in survey] == [("8001", 1, 1, 1)]
    # Where the rows are read (hours that are not UTC's) the level is the one set up now.
    r = Range(SHANGHAI, t - 9 * 3600, t + 15 * 3600, "day", config)
    r.__dict__["whole_hours"] = False
    assert queue_reports.queues(r)[0][0]["service_level"] == 0.0


def test_the_ingester_gives_each_answered_call_its_wrap_up_cut_by_the_next(store):
    """Wrap-up as the queue had it when the call ended, cut short by the agent's next answered call,
    across reads of the file and whichever of the two ends first; a later change of the setting
    leaves the calls stored before it as they were, and the agents report reads them after pruning."""
    log = store / "queue_log"
    t = dt.datetime(2026, 12, 6, 9, tzinfo=SHANGHAI).timestamp()

    def call(callid, agent, at, talk):
        return [line(at, callid, "NONE", "ENTERQUEUE", "", "5551234", "1"),
                line(at + 5, callid, agent, "CONNECT", "5", f"{callid}.2", "3"),
                line(at + 5 + talk, callid, agent, "COMPLETECALLER", "5", str(talk), "1")]

    settings = {"600": 30}
    reader = QueueLogReader(log, wrapup=settings.get)
    # c1: 8001 ends at +65, next answers at +80 (cut to 15). c2: ends +140, nothing after it yet.
    log.write_text("\n".join([*call("c1", "8001", t, 60), *call("c2", "8001", t + 75, 60)]) + "\n")
    reader.poll()
    assert [QueueCall.get_by_id(c).wrapup for c in ("c1", "c2")] == [15.0, 30.0]
    # A later read: c3 answered 10 s after c2 ended cuts c2 to 10; the setting is 45 from now on.
    settings["600"] = 45
    with log.open("a") as f:
        f.write("\n".join(call("c3", "8001", t + 145, 20)) + "\n")
    reader.poll()
    assert [QueueCall.get_by_id(c).wrapup for c in ("c1", "c2", "c3")] == [15.0, 10.0, 45.0]
    # 8002 answers c5 before c4 (answered earlier) ends: c4's wrap-up is none at all.
    with log.open("a") as f:
        f.write("\n".join([line(t + 300, "c4", "NONE", "ENTERQUEUE", "", "5551235", "1"),
                           line(t + 301, "c4", "8002", "CONNECT", "1", "c4.2", "3"),
                           line(t + 310, "c5", "NONE", "ENTERQUEUE", "", "5551236", "1"),
                           line(t + 311, "c5", "8002", "CONNECT", "1", "c5.2", "3"),
                           line(t + 320, "c4", "8002", "COMPLETECALLER", "1", "19", "1"),
                           line(t + 330, "c5", "8002", "COMPLETECALLER", "1", "19", "1")]) + "\n")
    reader.poll()
    assert [QueueCall.get_by_id(c).wrapup for c in ("c4", "c5")] == [0.0, 45.0]
    params = {"from": "2026-12-06", "to": "2026-12-06"}
    before = {r["agent"]: r["wrapup_seconds"] for r in reports.report("agents", params, ZONE, CONFIG)["rows"]}
    assert before == {"8001": 70.0, "8002": 45.0}
    retention.prune(1, 1, now=t + 400 * 86400, pause=0)
    assert not QueueCall.select().exists()
    after = {r["agent"]: r["wrapup_seconds"] for r in reports.report("agents", params, ZONE, CONFIG)["rows"]}
    assert after == before


def test_calls_stored_before_wrap_up_was_kept_get_it_once_from_the_settings(store):
    t = dt.datetime(2026, 12, 6, 9, tzinfo=SHANGHAI).timestamp()
    for callid, agent, connected, ended in (("a", "8001", t, t + 60), ("b", "8001", t + 70, t + 100),
                                            ("c", "8002", t, t + 50)):
        upsert(QueueCall, callid=callid, queue="600" if agent == "8001" else "601", entered_at=connected - 5,
               agent=agent, connected_at=connected, ended_at=ended, outcome="answered", talk=ended - connected,
               ring_attempts=0, memory=0)
    assert fill_wrapups({"600": 30, "601": 20}) == 3
    assert [QueueCall.get_by_id(c).wrapup for c in "abc"] == [10.0, 30.0, 20.0]
    upsert(QueueCall, callid="d", queue="600", entered_at=t, outcome="waiting", ring_attempts=0, memory=0)
    assert fill_wrapups({"600": 99}) == 0  # once only
    params = {"from": "2026-12-06", "to": "2026-12-06"}
    rows = {r["agent"]: r["wrapup_seconds"] for r in reports.report("agents", params, ZONE, CONFIG)["rows"]}
    assert rows == {"8001": 40.0, "8002": 20.0}


def generate_legs(n: int, seed: int = 9) -> None:
    """Calls over 30 days with a phone leg each and a trunk leg unless internal: some ringing only,
    some up for hours (their load spans hours and days), some on the second of others (ties), some
    never ended; trunk legs overlap."""
    rnd = random.Random(seed)
    with reports_db.atomic():
        for i in range(n):
            started = FIRST + rnd.choice((rnd.uniform(0, 30 * 86400), float(rnd.randint(0, 720)) * 3600))
            direction = rnd.choice(("inbound", "outbound", "internal"))
            answered = started + rnd.uniform(0, 20) if rnd.random() < 0.7 else None
            talk = rnd.choice((rnd.uniform(1, 900), rnd.uniform(3600, 5 * 3600))) if rnd.random() < 0.9 else 0.0
            ended = None if rnd.random() < 0.02 else (answered or started) + talk
            CallRecord.create(id=f"c{i}", started=started, ended=ended or started, direction=direction, path="[]",
                              wait=0.0, talk=talk, hold=0.0, transfers="[]",
                              outcome="answered" if answered else "missed")
            CallLeg.create(uniqueid=f"c{i}.1", call_id=f"c{i}", channel="PJSIP/x", kind="phone",
                           party=rnd.choice(("8001", "8002", "8003", "8010")), started=started, answered=answered,
                           ended=ended)
            if direction != "internal":
                CallLeg.create(uniqueid=f"c{i}.2", call_id=f"c{i}", channel="PJSIP/trunk-x", kind="trunk",
                               party=rnd.choice(("1", "1", "2")), started=started, answered=answered, ended=ended)


@pytest.mark.parametrize("by", ["hour", "day", "week", "month"])
def test_leg_rollups_and_legs_agree_on_generated_calls(store, by):
    generate_legs(800)
    first, last = ("2026-11-03", "2026-11-04") if by == "hour" else ("2026-10-30", "2026-12-02")
    # Trunk peaks written up to the middle of the range; the hours after it counted from the legs.
    with reports_db.atomic():
        usage.roll_occupancy(FIRST + 15.5 * 86400)
    assert usage.horizon() == int((FIRST + 15.5 * 86400) // 3600)
    for name in ("extensions", "trunks", "trunk_occupancy"):
        rolled, raw = both_ways(name, first, last, by)
        assert rolled == raw and rolled[0], name


def test_a_leg_written_again_counts_once(store):
    generate_legs(50)
    params = {"from": "2026-11-01", "to": "2026-11-30", "by": "day"}
    before = {name: reports.report(name, params, ZONE, CONFIG) for name in ("extensions", "trunks")}
    legs = list(CallLeg.select())
    with reports_db.atomic():
        for leg in legs:  # as the recorder writes one again (an upsert)
            upsert(CallLeg, **{f.name: getattr(leg, f.name) for f in CallLeg._meta.sorted_fields})
    assert {name: reports.report(name, params, ZONE, CONFIG) for name in before} == before


def test_a_leg_report_over_pruned_days_still_counts_from_the_rollups(store):
    generate_legs(400)
    params = {"from": "2026-11-01", "to": "2026-11-30", "by": "week"}
    names = ("extensions", "trunks", "trunk_occupancy")
    before = {name: reports.report(name, params, ZONE, CONFIG) for name in names}
    assert before["trunk_occupancy"]["rows"] and before["extensions"]["totals"]["calls"] > 0
    done = retention.prune(1, 1, now=FIRST + 400 * 86400, pause=0)
    assert done["call_leg"] > 0 and CallLeg.select().count() == 0
    for name, doc in before.items():
        assert reports.report(name, params, ZONE, CONFIG) == doc, name


def test_the_migrations_fill_the_rollups_from_the_rows_there_are(store):
    """A store with legs and queue events from before the rollups: the fills give what the triggers
    and the recorder would have written (trunk peaks up to the hour of the last leg's end)."""
    from appliance.reports.db import MIGRATIONS, migrations_for

    generate_legs(300)
    generate(200)
    generate_member_events(200)
    params = {"from": "2026-10-30", "to": "2026-12-02", "by": "day"}
    names = ("extensions", "trunks", "trunk_occupancy", "agents")
    kept = {name: reports.report(name, params, ZONE, CONFIG) for name in names}
    numbers = {n for n, description, _ in MIGRATIONS
               if "trunk occupancy" in description or "agents report" in description}
    fill = [sql for n, _, statements in migrations_for(reports_db.obj) if n in numbers for sql in statements
            if not sql.startswith(("CREATE TABLE", "CREATE TRIGGER", "CREATE FUNCTION")) and "hour_step (n)" not in sql]
    assert len(fill) == 8
    with reports_db.atomic():
        for table in ("leg_hour", "trunk_peak_hour", "rollup_horizon", "agent_hour", "agent_pause_hour",
                      "agent_member", "agent_since"):
            reports_db.execute_sql(f"DELETE FROM {table}")
        for sql in fill:
            reports_db.execute_sql(sql)
    assert usage.horizon() > int(FIRST // 3600) + 29 * 24
    assert reports_db.execute_sql("SELECT COUNT(*) FROM trunk_peak_hour").fetchone()[0] > 100
    assert {name: reports.report(name, params, ZONE, CONFIG) for name in names} == kept


def generate_member_events(n: int, seed: int = 10) -> None:
    """Log-ins, log-outs, pauses with reasons and unpauses of four agents in two queues (and a queue's
    memory leg), rings not answered, and events of no agent, over the 30 days; in time order, as the
    queue_log ingester writes them."""
    from appliance.reports.db import QueueEvent

    rnd = random.Random(seed)
    times = sorted(FIRST - 86400 + rnd.uniform(0, 31 * 86400) for _ in range(n))
    kinds = ("ADDMEMBER", "ADDMEMBER", "REMOVEMEMBER", "PAUSE", "PAUSE", "UNPAUSE", "RINGNOANSWER")
    with reports_db.atomic():
        for t in times:
            event = rnd.choice(kinds)
            data = rnd.choice(("Lunch", "Training|x", "")) if event == "PAUSE" else ""
            QueueEvent.create(time=float(int(t)), callid="NONE", queue=rnd.choice(("600", "601", "600-memory")),
                              agent=rnd.choice(("8001", "8002", "8003", "8004", "NONE")), event=event, data=data)


@pytest.mark.parametrize("by", ["hour", "day", "week"])
def test_agent_rollups_and_rows_agree_on_generated_history(store, by):
    generate(600)
    generate_member_events(500)
    first, last = ("2026-11-03", "2026-11-04") if by == "hour" else ("2026-11-02", "2026-12-02")
    rolled, raw = both_ways("agents", first, last, by)
    assert rolled == raw and rolled[0]
    assert rolled[1]["logged_in_seconds"] > rolled[1]["paused_seconds"] > 0 and rolled[1]["missed"] > 0
    if by != "hour":
        assert set(rolled[1]["paused_by_reason"]) == {"Lunch", "Training", ""}
    start = dt.datetime(2026, 11, 2, tzinfo=SHANGHAI).timestamp()
    for r in (Range(SHANGHAI, start, start + 31 * 86400, by, CONFIG), raw_range(start, by)):
        assert_pages_agree(r, queue_reports.agents)


def test_an_agent_report_over_pruned_days_still_counts_from_the_rollups(store):
    generate(300)
    generate_member_events(300)
    params = {"from": "2026-11-01", "to": "2026-11-30", "by": "week"}
    before = reports.report("agents", params, ZONE, CONFIG)
    done = retention.prune(1, 1, now=FIRST + 400 * 86400, pause=0)
    assert done["queue_event"] > 0 and done["queue_call"] > 0
    after = reports.report("agents", params, ZONE, CONFIG)
    assert after == before and before["totals"]["wrapup_seconds"] > 0


@pytest.mark.parametrize("by", ["day", "week", "month"])
def test_the_agents_days_hours_and_rows_agree(store, by):
    """The agents report's calls from the daily rollup (agent_day) kept by its triggers as calls are
    written again (answered, scored, given to another agent), made again for another zone, read
    from the hours where the zone's offset is not its own, and still there after pruning."""
    assert survey_days.sync(SHANGHAI, now=FIRST)
    generate(1500)
    generate_member_events(300)
    first, last = "2026-10-30", "2026-12-02"
    start = dt.datetime(2026, 10, 30, tzinfo=SHANGHAI).timestamp()
    assert survey_days.offset_for(Range(SHANGHAI, start, start + 3 * 86400, by, CONFIG)) == 8 * 3600
    daily, raw = both_ways("agents", first, last, by)
    assert daily == raw and daily[1]["calls"] > 0 and daily[1]["surveys"] > 0 and daily[1]["wrapup_seconds"] > 0
    assert_pages_agree(Range(SHANGHAI, start, start + 34 * 86400, by, CONFIG), queue_reports.agents)
    with reports_db.atomic():
        QueueCall.update(agent="9").where(QueueCall.agent == "8001").execute()
        QueueCall.update(survey=5).where(QueueCall.agent == "8002", QueueCall.survey.is_null()).execute()
    moved, raw = both_ways("agents", first, last, by)
    assert moved == raw and moved != daily and "9" in {row["agent"] for row in moved[0]}
    assert survey_days.sync(ZoneInfo("UTC"))  # another zone: made again, the report reads the hours
    assert survey_days.offset_for(Range(SHANGHAI, start, start + 3 * 86400, by, CONFIG)) is None
    assert both_ways("agents", first, last, by)[0] == moved
    assert survey_days.sync(SHANGHAI, now=FIRST)  # and back: the days made from the hours
    assert both_ways("agents", first, last, by)[0] == moved
    params = {"from": first, "to": last, "by": by}
    before = reports.report("agents", params, ZONE, CONFIG)
    done = retention.prune(1, 1, now=FIRST + 400 * 86400, pause=0)
    assert done["queue_call"] > 0 and QueueCall.select().where(QueueCall.outcome != "waiting").count() == 0
    assert reports.report("agents", params, ZONE, CONFIG) == before


def assert_the_migration_fills(table: str, columns: str, description: str) -> None:
    """The fill of the migration named by `description` gives `table` the rows its triggers wrote
    (sums of times to within rounding)."""
    from appliance.reports.db import MIGRATIONS, migrations_for

    keep = f"SELECT {columns} FROM {table} ORDER BY {columns}"
    kept = reports_db.execute_sql(keep).fetchall()
    assert len(kept) > 30
    number = next(n for n, text, _ in MIGRATIONS if description in text)
    fill = [sql for n, _, statements in migrations_for(reports_db.obj) if n == number for sql in statements
            if not sql.startswith(("CREATE TABLE", "CREATE TRIGGER", "CREATE FUNCTION"))]
    assert len(fill) == 1
    with reports_db.atomic():
        reports_db.execute_sql(f"DELETE FROM {table}")
        reports_db.execute_sql(fill[0])
    filled = reports_db.execute_sql(keep).fetchall()
    assert filled == [tuple(pytest.approx(v) if isinstance(v, float) else v for v in row) for row in kept]


def test_the_migration_fills_the_agents_days_from_the_hours_there_are(store):
    """A store upgraded with queue calls already rolled up by hour: the fill gives the days the
    triggers would have written, at the days' offset the store has."""
    assert survey_days.sync(SHANGHAI, now=FIRST)
    generate(800)
    assert_the_migration_fills("agent_day", "day, agent, answered, talk, wrapup, score_1, score_2, score_3, "
                               "score_4, score_5", "each agent's queue calls")


@pytest.mark.parametrize("by", ["day", "week", "month"])
def test_the_traffic_days_hours_and_records_agree(store, by):
    """The traffic report from the daily rollup (traffic_day), kept by its triggers as records of an
    hour are added, from the hours, and from the records alike; made again for another zone and
    back; still there after retention deleted the records."""
    assert survey_days.sync(SHANGHAI, now=FIRST)
    generate(600)
    generate_legs(600)  # every direction, on whole hours too, some hours long
    first, last = "2026-10-30", "2026-12-02"
    start = dt.datetime(2026, 10, 30, tzinfo=SHANGHAI).timestamp()
    assert survey_days.offset_for(Range(SHANGHAI, start, start + 3 * 86400, by, CONFIG)) == 8 * 3600
    daily, raw = both_ways("traffic", first, last, by)
    assert daily == raw and daily[1]["internal"] > 0 and daily[1]["lost"] > 0
    assert survey_days.sync(ZoneInfo("UTC"))  # another zone: made again, the report reads the hours
    assert survey_days.offset_for(Range(SHANGHAI, start, start + 3 * 86400, by, CONFIG)) is None
    assert both_ways("traffic", first, last, by)[0] == daily
    assert survey_days.sync(SHANGHAI, now=FIRST)
    assert both_ways("traffic", first, last, by)[0] == daily
    params = {"from": first, "to": last, "by": by}
    before = reports.report("traffic", params, ZONE, CONFIG)
    done = retention.prune(1, 1, now=FIRST + 400 * 86400, pause=0)
    assert done["call_record"] > 0 and CallRecord.select().count() == 0
    assert reports.report("traffic", params, ZONE, CONFIG) == before


def test_the_migration_fills_the_traffic_days_from_the_hours_there_are(store):
    """A store upgraded with a year of records already rolled up by hour: the fill gives the days
    the triggers would have written, at the days' offset the store has."""
    assert survey_days.sync(SHANGHAI, now=FIRST)
    generate_legs(800)
    assert_the_migration_fills("traffic_day", "day, direction, outcome, calls, talk",
                               "daily rollup of the traffic report")
