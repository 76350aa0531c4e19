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
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from appliance.reports import calllog, reports  # noqa: E402
from appliance.reports.db import (CallLeg, CallParty, CallRecord, QueueCall, open_reports,  # noqa: E402
                                  reports_db)
from appliance.reports.recorder import BATCH, CallRecorder  # noqa: E402

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


def ingestion(copies: int = 2000) -> dict:
    events, calls = event_stream(copies)
    with tempfile.TemporaryDirectory() as tmp:
        open_reports(Path(tmp) / "reports.db")
        with reports_db.connection_context():
            recorder = CallRecorder(_Ami())
            started = time.perf_counter()
            for i in range(0, len(events), BATCH):
                recorder.pending = events[i:i + BATCH]
                recorder._flush()
            elapsed = time.perf_counter() - started
            recorded = CallRecord.select().count()
        reports_db.close()
    return {"events": len(events), "records": recorded, "calls": calls, "seconds": elapsed,
            "records_per_second": recorded / elapsed, "events_per_second": len(events) / elapsed}


def generate(n: int, days: int, end: float) -> None:
    """n call records over `days` days before `end`, with their legs and parties."""
    rnd = random.Random(n)
    span = days * 86400.0
    outcomes = ("answered",) * 7 + ("missed", "busy", "abandoned", "voicemail", "failed")
    batch_r, batch_l, batch_p, batch_q = [], [], [], []

    def flush():
        with reports_db.atomic():
            for model, rows in ((CallRecord, batch_r), (CallLeg, batch_l), (CallParty, batch_p), (QueueCall, batch_q)):
                for i in range(0, len(rows), 2000):
                    model.insert_many(rows[i:i + 2000]).execute()
        for rows in (batch_r, batch_l, batch_p, batch_q):
            rows.clear()

    for i in range(n):
        started = end - span + span * i / n
        ext = str(8000 + rnd.randrange(800))
        direction = rnd.choice(("inbound", "inbound", "outbound", "internal"))
        outcome = rnd.choice(outcomes)
        talk = rnd.uniform(20, 600) if outcome == "answered" else 0.0
        answered = started + rnd.uniform(1, 30) if outcome == "answered" else None
        queue = str(600 + rnd.randrange(8)) if direction == "inbound" and rnd.random() < 0.6 else None
        call = f"g{i}"
        batch_r.append({"id": call, "started": started, "answered": answered, "ended": (answered or started) + talk + 1,
                        "direction": direction, "from_number": "0755" + str(rnd.randrange(10**8)), "from_key": None,
                        "to_number": ext, "to_key": ext, "trunk": 1 if direction != "internal" else None,
                        "queue": queue, "path": "[]", "answered_by": ext if answered else None,
                        "wait": rnd.uniform(0, 40), "talk": talk, "hold": 0.0, "transfers": "[]", "outcome": outcome})
        batch_l.append({"uniqueid": call + ".1", "call_id": call, "channel": f"PJSIP/{ext}-1", "kind": "phone",
                        "party": ext, "started": started, "answered": answered,
                        "ended": (answered or started) + talk + 1})
        if direction != "internal":
            batch_l.append({"uniqueid": call + ".2", "call_id": call, "channel": "PJSIP/trunk-1", "kind": "trunk",
                            "party": "1", "started": started, "answered": answered,
                            "ended": (answered or started) + talk + 1})
        batch_p.append({"extension": ext, "call_id": call, "started": started})
        if queue:
            q_outcome = "answered" if answered else rnd.choice(("abandoned", "timed_out", "overflowed"))
            batch_q.append({"callid": call + ".1", "queue": queue, "entered_at": started, "outcome": q_outcome,
                            "agent": ext if answered else None, "wait": rnd.uniform(0, 60), "talk": talk or None,
                            "connected_at": answered, "ended_at": started + talk + 60,
                            "survey": rnd.choice((None, None, 3, 4, 5)) if answered else None,
                            "ring_attempts": 0, "memory": 0})
        if len(batch_r) >= 20000:
            flush()
    flush()


def p95(fn, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    times.sort()
    return times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))] * 1000


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
    "report agents, a week by day": lambda: reports.report("agents", {"from": "2026-11-24", "to": "2026-11-30"},
                                                           "Asia/Shanghai"),
    "report survey, a month by day": lambda: reports.report("survey", {"from": "2026-11-01", "to": "2026-11-30"},
                                                            "Asia/Shanghai"),
    "call log, first page": lambda: calllog.query({}, "Asia/Shanghai", str),
    "call log, direction + outcome": lambda: calllog.query({"direction": "inbound", "outcome": "missed"},
                                                           "Asia/Shanghai", str),
    "call log, one extension": lambda: calllog.query({"extension": "8123"}, "Asia/Shanghai", str),
    "call log, a week, sorted by talk": lambda: calllog.query({"from": "2026-11-24", "to": "2026-11-30",
                                                               "sort": "-talk_seconds"}, "Asia/Shanghai", str),
    "call log, last page": lambda: calllog.query({"page": str(LAST_PAGE[0]), "per_page": "50"}, "Asia/Shanghai", str),
}
LAST_PAGE = [1]


def queries(n: int, days: int = 365) -> dict[str, float]:
    import datetime as dt

    end = dt.datetime(2026, 12, 1, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()
    with tempfile.TemporaryDirectory() as tmp:
        open_reports(Path(tmp) / "reports.db")
        with reports_db.connection_context():
            started = time.perf_counter()
            generate(n, days, end)
            made = time.perf_counter() - started
            reports_db.execute_sql("ANALYZE")
            LAST_PAGE[0] = max(1, (n + 49) // 50)
            out = {name: p95(fn) for name, fn in QUERIES.items()}
            out["(generating the records, s)"] = made
        reports_db.close()
    return out


SIZES = (100_000, 1_000_000)


def measure(sizes=SIZES) -> dict:
    return {"ingestion": ingestion(), "queries": {n: queries(n) for n in sizes}}


def markdown(result: dict) -> str:
    ing, results = result["ingestion"], result["queries"]
    sizes = sorted(results)
    head = " | ".join(f"p95, {n:,} records" for n in sizes)
    lines = [f"| {name} | " + " | ".join(f"{results[n][name]:.0f} s" if name.startswith("(") else
                                          f"{results[n][name]:.1f} ms" for n in sizes) + " |"
             for name in results[sizes[0]]]
    table = "\n".join(lines)
    return f"""
## The reports store

Ingestion: the recorded channel-event streams of tests/unit/data/cel (answered, busy,
blind and attended transfers, hold, IVR to extension, ring group, outbound, queue answered
and abandoned), copied with fresh ids into one stream of {ing['calls']:,} calls
({ing['events']:,} events), fed to the call recorder in its batches of 500 events into a
new SQLite store (WAL, synchronous=NORMAL), each batch one transaction holding its events
and the records of the calls it ends.

| What | Figure | Target |
|---|---|---|
| Ingestion from a recorded event stream | {ing['records_per_second']:,.0f} records/s ({ing['events_per_second']:,.0f} events/s) | 10,000 records/s |

Queries: generated call records over a year (an 800-seat center's mix: half inbound, 60 %
of those through one of 8 queues; a leg per phone and trunk, a party per call), each query
run 7 times, p95; in process, without HTTP.

| Query | {head} |
|---|{'---|' * len(sizes)}
{table}

Notes
- Sizes: {', '.join(f'{n:,}' for n in sizes)} records, not 10 million: generating 10 million
  here (about 160 s per million on this shared machine) and then timing every query would
  take most of an hour; the ratio between the two sizes shows how each query grows.
- The traffic report reads hourly rollups (traffic_hour, kept by a trigger): a year is a few
  thousand rows whatever the number of calls. The other reports read the records, legs or
  queue calls of their range through indexes: they grow with the calls in the range, not
  with the store.
- The call log counts the matching records for `total` on every page; that count is what
  grows with the store. Pages past the middle are read from the other end.
"""


def main() -> int:
    """Measure, print, and with --write replace this section of BENCHMARKS.md."""
    args = [a for a in sys.argv[1:] if a != "--write"]
    section = markdown(measure([int(a) for a in args] or SIZES))
    print(section)
    if "--write" in sys.argv:
        path = REPO / "BENCHMARKS.md"
        text = path.read_text()
        start = text.find("\n## The reports store")
        if start >= 0:
            end = text.find("\n## ", start + 1)
            text = text[:start] + (text[end:] if end >= 0 else "")
        path.write_text(text.rstrip("\n") + "\n" + section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
