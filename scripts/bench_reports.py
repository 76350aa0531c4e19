"""Benchmarks of the reports store (make bench runs them; never part of the tests).

Ingestion: the recorded channel-event streams of tests/unit/data/cel (every kind of call the
box makes: answered, busy, transfers, hold, IVR, ring group, queues), copied with fresh ids and
times into one long stream, fed to the call recorder in its batches, into a new SQLite store.

Queries: generated call records (an 800-seat center's mix: inbound, outbound and internal, with
legs and parties) in a new store; every report and call-log query timed, p95 of several runs,
at two sizes.
"""

from __future__ import annotations

import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from appliance.ami.protocol import Parser  # noqa: E402
from appliance.db.core import db, open_database  # noqa: E402
from appliance.db.models import Setting  # noqa: E402
from appliance.reports import calllog, reports, survey_days  # noqa: E402
from appliance.reports.db import CallRecord, execute_many, open_reports, reports_db  # noqa: E402
from appliance.reports.manager import caller_keys  # noqa: E402
from appliance.reports.recorder import BATCH, CallRecorder  # noqa: E402
from appliance.reports.usage import roll_occupancy  # noqa: E402

CEL = REPO / "tests" / "unit" / "data" / "cel"
_ID = re.compile(r'"(\d{10}\.\d+)"')


class _Ami:
    connected = True

    def action_list(self, name, timeout=None):
        return {}, []


def event_stream(copies: int) -> tuple[list[dict], int]:
    """(events, calls): every transcript `copies` times, ids made unique, times moved on."""
    texts = [p.read_text() for p in sorted(CEL.glob("*.jsonl"))]
    events, calls = [], 0
    for k in range(copies):
        for text in texts:
            renamed = _ID.sub(lambda m: f'"{m.group(1)}-{k}"', text)
            for line in renamed.splitlines():
                if line.strip():
                    ev = json.loads(line)
                    ev["time"] += k * 60.0
                    events.append(ev)
            calls += 1
    return events, calls


# The headers of cel_manager's CEL event in Asterisk 22, in its order, and the event's key for
# each (None: a header call records do not read, sent empty or as a fixed value).
_CEL_HEADERS = (("EventName", "event"), ("AccountCode", None), ("CallerIDnum", "cid_num"),
                ("CallerIDname", "cid_name"), ("CallerIDani", "cid_num"), ("CallerIDrdnis", None),
                ("CallerIDdnid", None), ("Exten", "exten"), ("Context", "context"), ("Channel", "channel"),
                ("Application", "app"), ("AppData", "appdata"), ("EventTime", None), ("AMAFlags", None),
                ("UniqueID", "uniqueid"), ("LinkedID", "linkedid"), ("Userfield", None), ("Peer", "peer"),
                ("PeerAccount", None))
_FIXED = {"EventTime": "2026-12-01 09:00:00.000000"}


def ami_text(ev: dict) -> bytes:
    """One recorded event as Asterisk sends it over AMI: a CEL event with every header
    cel_manager writes (show_user_defined on), or a Hold/Unhold event."""
    if ev["event"] in ("HOLD", "UNHOLD"):
        lines = [f"Event: {ev['event'].title()}", "Privilege: call,all", f"Channel: {ev.get('channel', '')}",
                 f"Uniqueid: {ev['uniqueid']}", f"Linkedid: {ev['linkedid']}"]
    else:
        lines = ["Event: CEL", "Privilege: call,all"]
        lines += [f"{header}: {ev.get(key, '') if key else _FIXED.get(header, '')}" for header, key in _CEL_HEADERS]
        if ev.get("user_type"):
            lines.append(f"UserDefType: {ev['user_type']}")
        # (cel_manager writes Extra on every event, empty when the event has none)
        extra = json.dumps(ev["extra"], ensure_ascii=False, separators=(",", ":")) if "extra" in ev else ""
        lines.append(f"Extra: {extra}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def ingestion(copies: int = 2000) -> dict:
    """The recorder as the box runs it: numbers normalised with the box's numbering (a config
    database with a country code), each batch one transaction. Two ways: from the events as
    recorded (the recorder alone), and from the same events as AMI text (what the AMI reader
    does as well: parsing the text into messages, keeping what records use of each, queueing it)."""
    import os

    events, calls = event_stream(copies)
    text = b"".join(ami_text(ev) for ev in events)
    out = {"events": len(events), "calls": calls, "load": os.getloadavg()[0], "cores": os.cpu_count()}
    for way in ("recorder", "ami"):
        with tempfile.TemporaryDirectory() as tmp:
            open_database(Path(tmp) / "config.db")
            open_reports(Path(tmp) / "reports.db")
            with db.connection_context(), reports_db.connection_context():
                Setting.create(key="country_code", value=json.dumps("86"))
                recorder = CallRecorder(_Ami(), keys=caller_keys)
                started, cpu = time.perf_counter(), time.process_time()
                if way == "recorder":
                    for i in range(0, len(events), BATCH):
                        recorder.pending = events[i:i + BATCH]
                        recorder._flush()
                else:
                    _from_ami(recorder, text)
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
                recorded = CallRecord.select().count()
            reports_db.close()
            db.close()
        # CPU seconds beside the clock's: on a shared machine the clock counts other work too.
        out[way] = {"records": recorded, "seconds": elapsed, "records_per_second": recorded / elapsed,
                    "events_per_second": len(events) / elapsed, "records_per_cpu_second": recorded / cpu}
    return out


def _from_ami(recorder: CallRecorder, text: bytes) -> None:
    """AMI text read as the box's reader reads its socket (64 KiB at a time) into the recorder's
    queue, stored in full batches as a busy recorder takes them, the rest at the end."""
    parser = Parser()
    for i in range(0, len(text), 65536):
        for message in parser.feed(text[i:i + 65536]):
            recorder.on_event(message)
        while recorder.queue.qsize() >= BATCH:
            recorder.take(recorder.queue.get())
            recorder._flush()
    while not recorder.queue.empty():
        recorder.take(recorder.queue.get())
        recorder._flush()


_COLUMNS = {
    "call_record": ("id", "started", "answered", "ended", "direction", "from_number", "to_number", "to_key", "trunk",
                    "queue", "path", "answered_by", "wait", "talk", "hold", "transfers", "outcome"),
    "call_leg": ("uniqueid", "call_id", "channel", "kind", "party", "started", "answered", "ended"),
    "call_party": ("extension", "call_id", "started"),
    "queue_call": ("callid", "queue", "entered_at", "outcome", "agent", "wait", "talk", "connected_at", "ended_at",
                   "survey", "ring_attempts", "memory"),
}


def generate(n: int, days: int, end: float) -> None:
    """n call records over `days` days before `end`, with their legs and parties: rows as tuples
    through one prepared statement per table, 100,000 calls a transaction, the store unsynced
    while it is built (the generation only: what is timed after it runs as the box does)."""
    rnd = random.Random(n)
    span = days * 86400.0
    outcomes = ("answered",) * 7 + ("missed", "busy", "abandoned", "voicemail", "failed")
    rows = {table: [] for table in _COLUMNS}
    sql = {table: f"INSERT INTO {table} ({', '.join(c)}) VALUES ({', '.join('?' * len(c))})"
           for table, c in _COLUMNS.items()}

    def flush():
        with reports_db.atomic():
            for table, batch in rows.items():
                execute_many(sql[table], batch)
                batch.clear()

    reports_db.execute_sql("PRAGMA synchronous = OFF")
    record, leg, party, queue_call = (rows[t].append for t in _COLUMNS)
    for i in range(n):
        started = end - span + span * i / n
        ext = str(8000 + rnd.randrange(800))
        direction = rnd.choice(("inbound", "inbound", "outbound", "internal"))
        outcome = rnd.choice(outcomes)
        talk = rnd.uniform(20, 600) if outcome == "answered" else 0.0
        answered = started + rnd.uniform(1, 30) if outcome == "answered" else None
        queue = str(600 + rnd.randrange(8)) if direction == "inbound" and rnd.random() < 0.6 else None
        call = f"g{i}"
        ended = (answered or started) + talk + 1
        record((call, started, answered, ended, direction, "0755" + str(rnd.randrange(10**8)), ext, ext,
                1 if direction != "internal" else None, queue, "[]", ext if answered else None, rnd.uniform(0, 40),
                talk, 0.0, "[]", outcome))
        leg((call + ".1", call, f"PJSIP/{ext}-1", "phone", ext, started, answered, ended))
        if direction != "internal":
            leg((call + ".2", call, "PJSIP/trunk-1", "trunk", "1", started, answered, ended))
        party((ext, call, started))
        if queue:
            q_outcome = "answered" if answered else rnd.choice(("abandoned", "timed_out", "overflowed"))
            queue_call((call + ".1", queue, started, q_outcome, ext if answered else None, rnd.uniform(0, 60),
                        talk or None, answered, started + talk + 60,
                        rnd.choice((None, None, 3, 4, 5)) if answered else None, 0, 0))
        if len(rows["call_record"]) >= 100_000:
            flush()
    flush()
    reports_db.execute_sql("PRAGMA synchronous = NORMAL")


SESSION_DAYS = 35
PAUSES = (("Lunch", 12.0, 13.0), ("Break", 15.5, 15.75))


def generate_sessions(end: float, days: int = SESSION_DAYS, agents: int = 800, queues: int = 8) -> int:
    """The agents' working days over the last `days` days before `end` as queue events, through the
    trigger that keeps agent_hour and agent_pause_hour, in time order, a day a transaction: each
    agent logs in to every queue at about 9:00 local time, pauses for lunch and a break (a PAUSE and
    an UNPAUSE in each queue, as Asterisk logs a member paused everywhere), misses a few calls and
    logs out at about 18:00. Gives how many events."""
    rnd = random.Random(days)
    sql = "INSERT INTO queue_event (time, callid, queue, agent, event, data) VALUES (?, ?, ?, ?, ?, ?)"
    names = [str(600 + q) for q in range(queues)]
    count = 0
    for day in range(days, 0, -1):
        midnight = end - day * 86400.0  # end is a local midnight
        events = []
        for a in range(agents):
            agent = str(8000 + a)
            t = midnight + 9 * 3600 + rnd.uniform(0, 1800)
            events += [(t, "NONE", q, agent, "ADDMEMBER", "") for q in names]
            for reason, start, stop in PAUSES:
                t = midnight + start * 3600 + rnd.uniform(0, 600)
                events += [(t, "NONE", q, agent, "PAUSE", reason) for q in names]
                t = midnight + stop * 3600 + rnd.uniform(0, 600)
                events += [(t, "NONE", q, agent, "UNPAUSE", "") for q in names]
            for missed in range(3):
                t = midnight + rnd.uniform(9.5, 17.5) * 3600
                events.append((t, f"m{day}.{a}.{missed}", rnd.choice(names), agent, "RINGNOANSWER", "15000"))
            t = midnight + 18 * 3600 + rnd.uniform(0, 1800)
            events += [(t, "NONE", q, agent, "REMOVEMEMBER", "") for q in names]
        events.sort()
        with reports_db.atomic():
            execute_many(sql, events)
        count += len(events)
    return count


def p95(fn, runs: int = 7) -> tuple[float, float]:
    """The p95 of the clock's milliseconds and of the process's CPU milliseconds (on a shared
    machine the clock counts other work too)."""
    times, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    k = min(runs - 1, int(round(0.95 * (runs - 1))))
    return sorted(times)[k] * 1000, sorted(cpu)[k] * 1000


QUERIES = {
    "report traffic, a month by day": lambda: reports.report("traffic", {"from": "2026-11-01", "to": "2026-11-30",
                                                                         "by": "day"}, "Asia/Shanghai"),
    "report traffic, a year by month": lambda: reports.report("traffic", {"from": "2025-12-01", "to": "2026-11-30",
                                                                          "by": "month"}, "Asia/Shanghai"),
    "report extensions, a day by hour": lambda: reports.report("extensions", {"from": "2026-11-30", "to": "2026-11-30",
                                                                              "by": "hour"}, "Asia/Shanghai"),
    "report trunks, a week by day": lambda: reports.report("trunks", {"from": "2026-11-24", "to": "2026-11-30"},
                                                           "Asia/Shanghai"),
    "report trunk_occupancy, a week by day": lambda: reports.report("trunk_occupancy", {"from": "2026-11-24",
                                                                                        "to": "2026-11-30"},
                                                                    "Asia/Shanghai"),
    "report queues, a month by day": lambda: reports.report("queues", {"from": "2026-11-01", "to": "2026-11-30"},
                                                            "Asia/Shanghai"),
    # Without page and per_page the API lists the first 1,000 rows (and how many there are).
    "report agents, a week by day": lambda: reports.report("agents", {"from": "2026-11-24", "to": "2026-11-30"},
                                                           "Asia/Shanghai"),
    "report survey, a month by day": lambda: reports.report("survey", {"from": "2026-11-01", "to": "2026-11-30"},
                                                            "Asia/Shanghai"),
    # What the Reports page asks for: 200 rows at a time; the survey's page 250 is about half-way
    # through its 100,000 rows.
    "report agents, a week by day, a page": lambda: reports.report(
        "agents", {"from": "2026-11-24", "to": "2026-11-30", "page": "2", "per_page": "200"}, "Asia/Shanghai"),
    "report survey, a month by day, a page": lambda: reports.report(
        "survey", {"from": "2026-11-01", "to": "2026-11-30", "page": "250", "per_page": "200"}, "Asia/Shanghai"),
    # Every row, as the CSV and XLSX exports read them before streaming them out (not a page).
    "report agents, a week by day, every row (export)": lambda: reports.report(
        "agents", {"from": "2026-11-24", "to": "2026-11-30"}, "Asia/Shanghai", whole=True),
    "report survey, a month by day, every row (export)": lambda: reports.report(
        "survey", {"from": "2026-11-01", "to": "2026-11-30"}, "Asia/Shanghai", whole=True),
    "call log, first page": lambda: calllog.query({}, "Asia/Shanghai", str),
    "call log, direction + outcome": lambda: calllog.query({"direction": "inbound", "outcome": "missed"},
                                                           "Asia/Shanghai", str),
    "call log, one extension": lambda: calllog.query({"extension": "8123"}, "Asia/Shanghai", str),
    "call log, a week, sorted by talk": lambda: calllog.query({"from": "2026-11-24", "to": "2026-11-30",
                                                               "sort": "-talk_seconds"}, "Asia/Shanghai", str),
    "call log, last page": lambda: calllog.query({"page": str(LAST_PAGE[0]), "per_page": "50"}, "Asia/Shanghai", str),
}
LAST_PAGE = [1]


def queries(n: int, keep: Path | None = None, days: int = 365) -> dict:
    """Every query's p95 on a store of n generated records: a new one in a temporary directory,
    or the one kept in `keep` from an earlier run (10 million records take a quarter of an hour
    to generate here)."""
    import datetime as dt

    end = dt.datetime(2026, 12, 1, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()
    with tempfile.TemporaryDirectory(dir=keep) as tmp:
        path = (keep or Path(tmp)) / f"reports-{n}.db"
        made = None
        if not (keep and path.with_suffix(".done").exists()):
            path.unlink(missing_ok=True)
            open_reports(path)
            with reports_db.connection_context():
                started = time.perf_counter()
                generate(n, days, end)
                generate_sessions(end)
                with reports_db.atomic():  # the trunk peaks of the hours over, as the recorder writes them
                    roll_occupancy(end)
                made = time.perf_counter() - started
                reports_db.execute_sql("ANALYZE")
            reports_db.close()
            if keep:
                path.with_suffix(".done").write_text(f"{made:.0f}\n")
        else:
            made = float(path.with_suffix(".done").read_text())
        open_reports(path)
        with reports_db.connection_context():
            survey_days.sync(ZoneInfo("Asia/Shanghai"))  # as the box's reports manager does at start
            LAST_PAGE[0] = max(1, (n + 49) // 50)
            measured = {name: p95(fn) for name, fn in QUERIES.items()}
            out = {name: clock for name, (clock, _) in measured.items()}
            out["(generating the records, s)"] = made
            out["(CPU)"] = {name: cpu for name, (_, cpu) in measured.items()}
        reports_db.close()
    return out


SIZES = (100_000, 10_000_000)


def measure(sizes=SIZES, keep: Path | None = None, calls: dict | None = None) -> dict:
    """`calls`: Asterisk's CPU with call records on and off, measured on a box (bench_records_cpu)."""
    import os

    load, cores = os.getloadavg()[0], os.cpu_count()
    return {"ingestion": ingestion(), **measure_queries(sizes, keep), "load": load, "cores": cores, "calls": calls}


def measure_queries(sizes=SIZES, keep: Path | None = None) -> dict:
    import os

    load = os.getloadavg()[0]
    return {"queries": {n: queries(n, keep if n >= 1_000_000 else None) for n in sizes}, "query_load": load,
            "cores": os.cpu_count()}


# Migrations 11 (agent_day) and 12 (traffic_day), each filled from its hourly rollup, on the kept
# 10,000,000-record store made by the code before them: measured once each, the store opened by
# open_reports, load average as given.
MIGRATIONS_TIMED = {11: {"seconds": 4.6, "load": 6.3}, 12: {"seconds": 0.24, "load": 4.0}}


# The ingestion figures of the code before the last round on ingestion (a CEL event's values read by
# name out of its match, a Python step per header and per event of a batch), measured with that
# code's own bench (2,000 copies) on the same machine in the same hour as the figures beside them,
# just before them, load average 1.3.
BEFORE = {"commit": "78c7458", "ami_cpu": 3100, "ami_clock": 2919, "recorder_cpu": 4721,
          "recorder_clock": 4296}


def ingestion_markdown(ing: dict) -> str:
    """The ingestion part of the section: how it is measured, and the figures."""
    ami, rec = ing["ami"], ing["recorder"]
    return f"""Ingestion: the recorded channel-event streams of tests/unit/data/cel (answered, busy,
blind and attended transfers, hold, IVR to extension, ring group, outbound, queue answered
and abandoned), copied with fresh ids into one stream of {ing['calls']:,} calls
({ing['events']:,} events), into a new SQLite store (WAL, synchronous=NORMAL) in the call
recorder's batches of up to {BATCH:,} events, each batch one transaction holding its events and
the records of the calls it ends, numbers normalised with the box's numbering (a config
database with country code 86, as the box reads it). Two ways: the recorder alone, fed the
events as recorded; and the whole path from AMI text (the same events written as Asterisk's
AMI sends them, every header cel_manager writes, Extra empty where an event has none: the AMI
parser, picking what records use out of each event, the recorder's queue, then the recorder),
read 64 KiB at a time and stored in full batches as a busy recorder takes them. Load average
{ing['load']:.1f} on {ing['cores']} cores when this part began (`scripts/bench_reports.py --ingestion` runs it
alone).

| What | Figure | Before (same stream, same machine, same hour, the code of {BEFORE['commit']}) | Target |
|---|---|---|---|
| From AMI text, per CPU second of the process | {ami['records_per_cpu_second']:,.0f} records/s | {BEFORE['ami_cpu']:,} records/s | 10,000 records/s |
| From AMI text, per second of the clock | {ami['records_per_second']:,.0f} records/s ({ami['events_per_second']:,.0f} events/s) | {BEFORE['ami_clock']:,} records/s | 10,000 records/s |
| The recorder alone, per CPU second of the process | {rec['records_per_cpu_second']:,.0f} records/s | {BEFORE['recorder_cpu']:,} records/s | |
| The recorder alone, per second of the clock | {rec['records_per_second']:,.0f} records/s ({rec['events_per_second']:,.0f} events/s) | {BEFORE['recorder_clock']:,} records/s | |
"""


def ingestion_note() -> str:
    """The notes' bullet on ingestion."""
    return f"""- Ingestion: a call that begins and ends within a batch (up to {BATCH:,} events) has its events
  stored as one row; per record the rest is Python (about 20 events a record) and SQLite's
  inserts. Where the time of the path from AMI text goes (each step timed over 10,000 records of
  this stream): reading a CEL event out of its text (one regular-expression match of the shape
  cel_manager writes, the event's dict, its Extra by json's scanner) about a fifth; cutting the
  text into packets a seventh; SQLite's statements a sixth and its commits a tenth; encoding the
  stored events as JSON a ninth; building the records a tenth; the recorder's own steps (which
  events go with their call, the box's numbering read once a batch, parties) a twelfth; grouping
  events into calls, the queue and the records' rows the rest (about 8 %). Python's garbage
  collector is in these figures (some 15 % of the path: the events live until their batch is
  stored). Of SQLite's statements, measured as the store's cost with and without each: the
  legs' rollup trigger (leg_hour: two upserts a leg) about two fifths, the record's 7 indexes a
  fifth, the legs' 2 indexes a seventh, traffic_hour's trigger (and traffic_day's after it) a
  seventh, queue_inbound_hour's trigger and the parties' index a few percent each; the events'
  2 indexes too little to tell from noise. What made it faster: the box's numbering read once a
  batch instead of from the config database for every number (half of the recorder's time), AMI
  text cut into messages at blank lines a read at a time, each packet kept as text and cut into
  headers only when they are asked for, a CEL event's values read in one match (now taken from it
  all at once, its empty ones left out in C, the match written with '.*' for a value), a
  SimpleQueue, a batch's events sorted into whole calls and single rows by set operations. Stored
  rows are the same (every table compared with the code before, by a hash of its rows, over this
  stream read from AMI text with the receiving clock stepped evenly). That round gained some
  5 % over the whole path: the code before and this one run in turn twice on a quiet machine (load
  average about 1.3) made 3,010 and 3,247, 3,100 and 3,179 records per CPU second from AMI text
  (under a load of 3 to 7, four such pairs had been within the noise); timed alone, a CEL event's
  reading takes about a third less. In records the target is not reached: 10,000 records a
  second is 100 us a record, 5 us an event, for all of it; SQLite's own work for a record's rows,
  indexes and rollups is about that already, and the Python steps per event (match, dict,
  grouping, JSON) several times it. In events it is: some 58,000 AMI events a second, where a
  box's 960 channels of three-minute calls start about 5 calls a second (some 100 events).
"""


def queries_markdown(result: dict) -> str:
    """The query part of the section: how it is measured, the table and its notes."""
    results = result["queries"]
    sizes = sorted(results)
    head = " | ".join(f"p95, {n:,} records" for n in sizes) + f" | CPU p95, {sizes[-1]:,} records"
    ratio = {name: results[sizes[-1]][name] / results[sizes[0]][name] for name in results[sizes[0]]
             if not name.startswith("(") and results[sizes[0]][name]}
    cpu = results[sizes[-1]].get("(CPU)", {})
    lines = [f"| {name} | " + " | ".join(f"{results[n][name]:.1f} ms" for n in sizes)
             + f" | {cpu.get(name, 0):.1f} ms | {ratio[name]:.1f} |" for name in ratio]
    lines.append("| (generating the records) | " + " | ".join(f"{results[n]['(generating the records, s)']:.0f} s"
                                                             for n in sizes) + " | | |")
    table = "\n".join(lines)
    pages = [name for name in ratio if not name.endswith("(export)")]
    slow = [name for name in pages if results[sizes[-1]][name] >= 300]
    slow_cpu = [name for name in pages if cpu.get(name, 0) >= 300]
    exports = "; ".join(f"{name.split(', every row')[0][len('report '):]} {results[sizes[-1]][name]:,.0f} ms"
                        for name in ratio if name.endswith("(export)"))
    def migration(n: int) -> str:
        timed = MIGRATIONS_TIMED[n]
        return f"{timed['seconds']:.1f} s on the kept {sizes[-1]:,}-record store (load average {timed['load']:.1f})"

    return f"""Queries: generated call records over a year (an 800-seat center's mix: half inbound, 60 %
of those through one of 8 queues; a leg per phone and trunk, a party per call), each query
run 7 times, p95 of the clock and of the process's CPU time; in process, without HTTP. The
{sizes[-1]:,}-record store is generated once (rows as tuples through one prepared statement per
table, 100,000 calls a transaction, synchronous off while it is built) and may be kept between
runs (`scripts/bench_reports.py --keep DIR`; `--queries` measures the queries alone and with
`--write` puts this part in place in the section, the rest left as it is).

| Query | {head} | ratio |
|---|{'---|' * len(sizes)}---|---|
{table}

Notes
- Target: every report page and call-log query under 300 ms at {sizes[-1]:,} records. Over it by the
  clock: {'; '.join(slow) or 'none'}; by CPU time: {'; '.join(slow_cpu) or 'none'}. The rows marked
  (export) are not a page: every row of the report, as an export reads them before it streams them
  out ({exports}); the API in JSON lists a page of at most 1,000 rows. Load average {result['query_load']:.1f} on {result['cores']} cores
  when the queries began, shared with other builds and test suites: the clock counts their work
  too (a process gets a share of a core), the CPU column is each query's own cost.
- No query scans rows in proportion to the store: every report reads rollups (below), the call
  log an index. What grows from 100,000 to {sizes[-1]:,} records is how many rows a report lists
  (the generated agents answer every queue: 800 agents x 8 queues) and how many rollup rows a
  period adds up; the ratios are those of the rows listed, and the time per row is Python's.
- Every report reads hourly rollups where the zone's hours are UTC hours (Asia/Shanghai here),
  never pruned and kept as rows are written: traffic_hour, queue_hour, queue_agent_hour and
  queue_inbound_hour (triggers on records and queue calls), leg_hour (a trigger on legs:
  calls, talk, and connected seconds spread over the hours a leg spans), trunk_peak_hour (each
  trunk's peak of channels in an hour and when, written by the call recorder once no call in
  progress can add to the hour; the bench writes them after generating, as the recorder
  would have), agent_hour and agent_pause_hour (a trigger on queue events); and daily rollups
  added up from hourly ones by triggers, at one offset from UTC, the box's zone's (made again
  from the hours when the zone's offset changes; a range over which the zone has another offset
  reads the hours): survey_day per queue and agent and agent_day per agent (from
  queue_agent_hour), traffic_day per direction and outcome (from traffic_hour). The generated
  store's agents log in to every queue, pause twice and log out each working day of its last
  {SESSION_DAYS} days (queue events through the trigger, as queue_log's ingester writes them;
  some 1.4 million events), so the agents report adds up their log-in and pause hours too.
- Traffic: a year by month reads traffic_day's some 6,600 rows (day, direction and outcome)
  instead of adding the year's some 158,000 rows of traffic_hour up at every request (the
  Reports page's trend chart asks for it each time); its periods and where each begins come
  from one walk over the year's 8,760 hours (two before), kept for the next report of the
  range. Migration 12 fills traffic_day from the hourly rollup: {migration(12)}.
  Its trigger is one more statement for each record written: the recorder alone made 2,254
  and 2,812 records per CPU second with it, 2,484 and 2,949 without (`--ingestion`, the two
  codes run in turn, same hour, load average about 5; from AMI text 1,731 and 1,939 against
  1,713 and 1,988): within this machine's noise, some 5 % at most.
- Agents: a week by day reads agent_day's 5,600 rows (agent and day) instead of adding the
  week's some 33,000 rows of queue_agent_hour (hour, queue and agent) up at every request; its
  page writes out only its own rows' figures. Migration 11 fills agent_day from the hourly
  rollup there is (a box upgraded with a year of calls reports them at once): {migration(11)}.
- Survey: a month by day lists some 100,000 rows (day x queue x agent), read from survey_day as
  stored; each row's figures (sums, average, response rate) are worked out once per set of
  counts (about a hundred sets among the rows), and rows that are their own key sorted without a
  key function. What is left is fetching the rows (about half) and making each one's dict. The
  Reports page asks for 200 rows at a time (`page`, `per_page`): read from survey_day in its
  key's order with LIMIT and OFFSET, the count and the totals added up in the database; the
  whole listing is what the CSV and XLSX exports stream.
- Per extension, a day by hour: some 15,000 rows of leg_hour (extension and hour), each hour's
  period and label worked out once for all extensions instead of for each row.
- Queues: queue_hour keeps abandoned calls by the whole second they waited (so that any
  short-abandon threshold splits them); the database now splits them at the report's threshold
  and adds the rest up, so a month by day hands Python some 1,200 rows instead of 12,000.
- Before and after, in turn in the same hour (load average about 4): the code before these
  changes (bd95dc6) and this one, twice each, on a store of 1,000,000 records over 37 days (as
  many calls an hour as the year's, so every query here lists as many rows; one extension's
  calls below the count's cap), CPU p95: extensions a day by hour 249 and 314 ms, now 151 and 168; queues a month
  by day 141 and 214, now 87 and 111; agents a week by day 129 and 142, now 89 and 101; survey
  a month by day 502 and 591, now 369 and 390; traffic a month by day 23 and 28, now 4. On the
  {sizes[-1]:,}-record store, the code before (same hour, load average 7.3): call log, one
  extension 236 ms of CPU, traffic a year by month 277 ms.
- The call log's `total` is added up from traffic_hour when the filters are days, direction
  and outcome at most (all but one extension here), and counted up to 10,000 otherwise
  (`"total_capped": true` past it). One extension over days is counted from the parties'
  (extension, started) index alone (a party is written and pruned with its call's record and
  starts when it does): up to 10,001 index entries, where counting through the records looked
  each one up (one extension's calls are about 12,500 here). Pages past the middle are read
  from the other end.
"""


def markdown(result: dict) -> str:
    import bench_records_cpu as records_cpu

    return f"""
## The reports store

{ingestion_markdown(result["ingestion"])}
{records_cpu.markdown(result.get("calls"))}
{queries_markdown(result)}{ingestion_note()}- This run: load average {result['load']:.1f} on {result['cores']} cores when it began, shared with other
  builds and test suites; the clock's figures count their work too.
"""


def _write_queries(part: str) -> None:
    """The query part in place in BENCHMARKS.md's section, the rest of it as it is."""
    from benchdoc import DOC

    text = DOC.read_text()
    section = text.index("\n## The reports store")
    start = text.index("Queries: generated call records", section)
    end = text.index("- Ingestion: a call", start)
    DOC.write_text(text[:start] + part + text[end:])


def _write_ingestion(part: str) -> None:
    """The ingestion part and its note in place in BENCHMARKS.md's section, the rest of it as it is."""
    from benchdoc import DOC

    text = DOC.read_text()
    section = text.index("\n## The reports store")
    start = text.index("Ingestion: the recorded", section)
    end = text.index("\n", text.index("\n| The recorder alone, per second of the clock", start) + 1) + 1
    text = text[:start] + part + text[end:]
    start = text.index("- Ingestion: a call", section)
    end = text.index("\n- ", start) + 1
    DOC.write_text(text[:start] + ingestion_note() + text[end:])


def main() -> int:
    """Measure, print, and with --write replace this section of BENCHMARKS.md; --keep DIR keeps
    (and reuses) the big store there; --calls starts a box for Asterisk's CPU with call records on
    and off (make bench measures it on its own box); --ingestion measures the ingestion alone, and
    --queries the queries alone (each with --write puts its part in place in the section, the rest
    left as it is)."""
    args = sys.argv[1:]
    keep = None
    if "--keep" in args:
        keep = Path(args[args.index("--keep") + 1])
        del args[args.index("--keep"):args.index("--keep") + 2]
    calls = None
    if "--calls" in args:
        import bench_records_cpu

        calls = bench_records_cpu.on_a_box()
    if "--ingestion" in args:
        part = ingestion_markdown(ingestion())
        print(part)
        if "--write" in sys.argv:
            _write_ingestion(part)
        return 0
    if "--queries" in args:
        sizes = [int(a) for a in args if a.isdigit()] or SIZES
        part = queries_markdown(measure_queries(sizes, keep))
        print(part)
        if "--write" in sys.argv:
            _write_queries(part)
        return 0
    args = [a for a in args if a not in ("--write", "--calls")]
    section = markdown(measure([int(a) for a in args] or SIZES, keep, calls))
    print(section)
    if "--write" in sys.argv:
        from benchdoc import replace_section

        replace_section("The reports store", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
