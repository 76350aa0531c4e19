"""Reports from the queues' history (queue_call, queue_event): queues, agents, survey.

A queue call counts in the period in which the caller joined the queue. A caller who hangs up
within the short-abandon threshold (`short_abandon` seconds, 5 unless given) most likely
misdialled or was put through at once elsewhere: such calls are counted apart and left out of
offered, the service level and the waits.
"""

from __future__ import annotations

from collections import defaultdict
from operator import itemgetter

from . import survey_days
from .db import CallRecord, QueueCall, QueueEvent, execute, postgresql, whole_sum
from .period import Range
from .usage import _order

SHORT_ABANDON = 5

QUEUE_DEFINITIONS = {
    "queue": "the queue's number (queue_name: its name)",
    "entered": "callers who joined the queue",
    "offered": "answered + abandoned + timed_out + overflowed: calls the queue had to serve "
               "(short abandons and callers who chose a callback left out)",
    "answered": "calls an agent of the queue answered",
    "abandoned": "callers who hung up while waiting, after the short-abandon threshold",
    "short_abandoned": "callers who hung up within the short-abandon threshold (seconds, short_abandon)",
    "timed_out": "callers whose longest wait ran out",
    "overflowed": "callers sent on to the overflow destination (queue full, or no agent)",
    "called_back": "callers who left the queue to be called back",
    "service_level": "calls answered within the queue's service level seconds / offered, in percent",
    "average_speed_of_answer": "average wait of the answered calls, in seconds",
    "average_wait": "average wait of the offered calls until answered or until they left, in seconds",
    "longest_wait": "the longest such wait, in seconds",
    "talk_seconds": "time agents were connected to the queue's callers",
    "loss_rate": "inbound calls through the queue that never reached a person (in the queue or after it) "
                 "/ inbound calls through the queue, in percent (呼损率)",
}
AGENT_DEFINITIONS = {
    "agent": "the agent's extension",
    "logged_in_seconds": "time the agent was logged in to at least one queue (log-ins up to a week before "
                         "the range are seen)",
    "paused_seconds": "time the agent was paused in at least one queue while logged in",
    "paused_by_reason": "paused time by pause reason (no reason: empty name)",
    "calls": "queue calls the agent answered",
    "talk_seconds": "time the agent was connected to those callers",
    "wrapup_seconds": "after-call work: each answered call's queue wrap-up time as set when the call ended, "
                      "cut short by the agent's next call",
    "missed": "times a queue rang the agent and the agent did not answer",
    "survey_average": "average caller score (1-5) of the agent's surveyed calls",
    "surveys": "calls the caller scored",
}
SURVEY_DEFINITIONS = {
    "queue": "the queue's number",
    "agent": "the extension that answered",
    "surveys": "answered calls the caller scored after the call",
    "average": "average score, 1 (poor) to 5 (excellent)",
    "score_1": "callers who gave 1 (likewise score_2 to score_5)",
    "answered": "answered calls of this queue and agent (the survey's base)",
    "response_rate": "surveys / answered, in percent",
}
LOOKBACK = 7 * 86400.0


def _rate(part, whole, digits=1):
    return round(100.0 * part / whole, digits) if whole else None


def _avg(total, n):
    return round(total / n, 1) if n else None


def _queue_calls(r: Range, *fields, answered: bool = False):
    q = QueueCall.select(*fields).where(QueueCall.entered_at >= r.start, QueueCall.entered_at < r.end)
    if answered:
        q = q.where(QueueCall.outcome == "answered", QueueCall.agent.is_null(False))
    return q.tuples().iterator()


COUNTERS = ("entered", "offered", "answered", "abandoned", "short_abandoned", "timed_out", "overflowed", "called_back",
            "in_time", "answered_wait", "waits", "wait_total", "talk_seconds", "inbound", "lost")


def queues(r: Range) -> tuple[list[dict], dict]:
    """From the hourly rollups (kept after queue calls and records are pruned) where the zone's
    hours are UTC hours, from the queue calls and records of the range otherwise."""
    acc: dict = defaultdict(lambda: dict.fromkeys(COUNTERS, 0) | {"longest_wait": None})
    (_queues_from_rollups if r.whole_hours else _queues_from_rows)(r, acc)
    names = {q: c.get("name") for q, c in r.config.get("queues", {}).items()}
    rows = [{"period": period, "queue": queue, "queue_name": names.get(queue), **_queue_figures(a)}
            for (period, queue), a in sorted(acc.items(), key=lambda kv: (kv[0][0], _order(kv[0][1])))]
    total = dict.fromkeys(COUNTERS, 0) | {"longest_wait": None}
    for a in acc.values():
        for k in COUNTERS:
            total[k] += a[k]
        if a["longest_wait"] is not None:
            total["longest_wait"] = max(total["longest_wait"] or 0.0, a["longest_wait"])
    return rows, _queue_figures(total)


def _queues_from_rows(r: Range, acc: dict) -> None:
    short = r.options.get("short_abandon", SHORT_ABANDON)
    levels = {q: c.get("service_level", 20) for q, c in r.config.get("queues", {}).items()}
    for queue, entered, outcome, wait, talk in _queue_calls(r, QueueCall.queue, QueueCall.entered_at,
                                                            QueueCall.outcome, QueueCall.wait, QueueCall.talk):
        a = acc[(r.period(entered), queue)]
        a["entered"] += 1
        wait = wait or 0.0
        if outcome == "abandoned" and wait < short:
            a["short_abandoned"] += 1
            continue
        if outcome == "called_back":
            a[outcome] += 1
        if outcome not in ("answered", "abandoned", "timed_out", "overflowed"):
            continue
        a[outcome] += 1
        _served(a, outcome, 1, wait, wait, talk, int(wait <= levels.get(queue, 20)))
    for queue, started, outcome in (CallRecord.select(CallRecord.queue, CallRecord.started, CallRecord.outcome)
                                    .where(CallRecord.started >= r.start, CallRecord.started < r.end,
                                           CallRecord.queue.is_null(False), CallRecord.direction == "inbound")
                                    .tuples().iterator()):
        a = acc[(r.period(started), queue)]
        a["inbound"] += 1
        a["lost"] += outcome != "answered"


def _queues_from_rollups(r: Range, acc: dict) -> None:
    """queue_hour: per hour, queue, outcome (and, for abandoned calls, the whole seconds waited:
    the short-abandon threshold is the report's) the calls, their summed and longest wait, the
    calls answered within the queue's service level and the talk time."""
    short = r.options.get("short_abandon", SHORT_ABANDON)
    bucket, params, start_of = r.bucket()
    periods: dict = {}
    # The abandoned calls are split at the threshold in the database: a month of hours holds one
    # row for each whole second abandoned callers waited.
    for n, queue, outcome, shortly, calls, wait_total, wait_max, in_time, talk in execute(
            f"SELECT {bucket}, queue, outcome, CASE WHEN outcome = 'abandoned' AND waited < ? THEN 1 ELSE 0 END, "
            f"{whole_sum('calls')}, SUM(wait_total), MAX(wait_max), {whole_sum('in_time')}, SUM(talk) FROM queue_hour "
            "WHERE hour >= ? AND hour < ? AND calls > 0 GROUP BY 1, 2, 3, 4",
            (*params, short, *r.hours())):
        period = periods.get(n) or periods.setdefault(n, r.period(start_of(n)))
        a = acc[(period, queue)]
        a["entered"] += calls
        if shortly:
            a["short_abandoned"] += calls
            continue
        if outcome == "called_back":
            a[outcome] += calls
        if outcome not in ("answered", "abandoned", "timed_out", "overflowed"):
            continue
        a[outcome] += calls
        _served(a, outcome, calls, wait_total, wait_max, talk, in_time)
    for n, queue, inbound, lost in execute(
            f"SELECT {bucket}, queue, {whole_sum('inbound')}, {whole_sum('lost')} FROM queue_inbound_hour "
            "WHERE hour >= ? AND hour < ? GROUP BY 1, 2", (*params, *r.hours())):
        a = acc[(periods.get(n) or periods.setdefault(n, r.period(start_of(n))), queue)]
        a["inbound"] += inbound
        a["lost"] += lost


def _served(a: dict, outcome: str, calls: int, wait_total: float, wait_max: float, talk, in_time: int) -> None:
    a["offered"] += calls
    a["waits"] += calls
    a["wait_total"] += wait_total
    a["longest_wait"] = max(a["longest_wait"] or 0.0, wait_max)
    if outcome == "answered":
        a["answered_wait"] += wait_total
        a["in_time"] += in_time
        a["talk_seconds"] += talk or 0.0


def _queue_figures(a: dict) -> dict:
    keep = ("entered", "offered", "answered", "abandoned", "short_abandoned", "timed_out", "overflowed",
            "called_back")
    return {**{k: a[k] for k in keep},
            "service_level": _rate(a["in_time"], a["offered"]),
            "average_speed_of_answer": _avg(a["answered_wait"], a["answered"]),
            "average_wait": _avg(a["wait_total"], a["waits"]),
            "longest_wait": round(a["longest_wait"], 1) if a["longest_wait"] is not None else None,
            "talk_seconds": round(a["talk_seconds"], 1),
            "loss_rate": _rate(a["lost"], a["inbound"])}


def _member_events(r: Range):
    return (QueueEvent.select(QueueEvent.time, QueueEvent.queue, QueueEvent.agent, QueueEvent.event, QueueEvent.data)
            .where(QueueEvent.time >= r.start - LOOKBACK, QueueEvent.time < r.end,
                   QueueEvent.event.in_(("ADDMEMBER", "REMOVEMEMBER", "PAUSE", "UNPAUSE", "RINGNOANSWER")))
            .order_by(QueueEvent.time, QueueEvent.id).tuples().iterator())


class _AgentState:
    """One agent's log-ins and pauses, turned into seconds per period as time goes on."""

    def __init__(self):
        self.queues: set[str] = set()
        self.paused: dict[str, str] = {}  # queue -> reason
        self.since: float | None = None

    def advance(self, r: Range, row_of, t: float) -> None:
        """Count the time since the last event up to t, split at period boundaries."""
        if self.since is not None and self.queues:
            a = max(self.since, r.start)
            bounds = [b for b in r.boundaries if a < b < t]
            for lo, hi in zip([a, *bounds], [*bounds, t]):
                if hi <= lo:
                    continue
                row = row_of(r.period(lo))
                row["logged_in_seconds"] += hi - lo
                paused_in = [self.paused[q] for q in sorted(self.queues) if q in self.paused]
                if paused_in:
                    row["paused_seconds"] += hi - lo
                    reason = paused_in[0]
                    row["paused_by_reason"][reason] = row["paused_by_reason"].get(reason, 0.0) + hi - lo
        self.since = t


def agents(r: Range) -> tuple:
    """From the hourly rollups (agent_hour, agent_pause_hour, queue_agent_hour) where the zone's hours
    are UTC hours, from the queue events and calls of the range otherwise. Wrap-up is each answered
    call's own, as the ingester wrote it (its queue's setting then, cut short by the agent's next
    call)."""
    rows: dict = {}

    def row(period: str, agent: str) -> dict:
        k = (period, agent)
        if k not in rows:
            rows[k] = {"logged_in_seconds": 0.0, "paused_seconds": 0.0, "paused_by_reason": {}, "calls": 0,
                       "talk_seconds": 0.0, "wrapup_seconds": 0.0, "missed": 0, "score_total": 0, "surveys": 0}
        return rows[k]

    if r.whole_hours:
        _agents_from_rollups(r, row)
    else:
        _agents_from_rows(r, row)
    keys = sorted(rows, key=lambda k: (k[0], _order(k[1])))
    shown = keys[r.page[0]:r.page[0] + r.page[1]] if r.page else keys  # only the page's are written out
    out = [{"period": period, "agent": agent, **_agent_figures(rows[period, agent])} for period, agent in shown]
    total = {k: sum((a[k] for a in rows.values()), start) for k, start in _AGENT_SUMS}
    total["paused_by_reason"] = by_reason = {}
    for a in rows.values():
        for reason, seconds in a["paused_by_reason"].items():
            by_reason[reason] = by_reason.get(reason, 0.0) + seconds
    return (out, _agent_figures(total), len(keys)) if r.page else (out, _agent_figures(total))


_AGENT_SUMS = (("logged_in_seconds", 0.0), ("paused_seconds", 0.0), ("calls", 0), ("talk_seconds", 0.0),
               ("wrapup_seconds", 0.0), ("missed", 0), ("score_total", 0), ("surveys", 0))


def _agents_from_rollups(r: Range, row) -> None:
    bucket, params, start_of = r.bucket()  # the database adds a period's hours up
    args = (*params, *r.hours())
    periods: dict = {}

    def period(n) -> str:
        return periods.get(n) or periods.setdefault(n, r.period(start_of(n)))

    for n, agent, logged_in, paused, missed in execute(
            f"SELECT {bucket}, agent, SUM(logged_in), SUM(paused), {whole_sum('missed')} FROM agent_hour "
            "WHERE hour >= ? AND hour < ? GROUP BY 1, 2", args):
        if logged_in > 0 or missed > 0:
            a = row(period(n), agent)
            a["logged_in_seconds"] += logged_in
            a["paused_seconds"] += paused
            a["missed"] += missed
    for n, agent, reason, seconds in execute(
            f"SELECT {bucket}, agent, reason, SUM(seconds) FROM agent_pause_hour WHERE hour >= ? AND hour < ? "
            "GROUP BY 1, 2, 3", args):
        by_reason = row(period(n), agent)["paused_by_reason"]
        by_reason[reason] = by_reason.get(reason, 0.0) + seconds
    # Since each agent's last log-in or pause event, in the state it left (the rollups have the
    # time up to that event).
    members: dict = defaultdict(list)
    for agent, queue, member, paused, reason in execute(
            "SELECT agent, queue, member, paused, reason FROM agent_member ORDER BY agent, queue"):
        members[agent].append((queue, member, paused, reason))
    for agent, since in execute("SELECT agent, since FROM agent_since WHERE since >= ? AND since < ?",
                                (r.start - LOOKBACK, r.end)):
        state = _AgentState()
        state.queues = {q for q, member, _, _ in members.get(agent, ()) if member}
        state.paused = {q: reason for q, _, paused, reason in members.get(agent, ()) if paused}
        state.since = since
        state.advance(r, lambda p, a=agent: row(p, a), r.end)
    # Calls from the daily rollup where its days are the zone's over the range and the periods are
    # whole days, from the hourly one per queue otherwise.
    offset = survey_days.offset_for(r)
    if offset is None:
        table, unit, calls_bucket, calls_args, period_of = "queue_agent_hour", "hour", bucket, args, period
    else:
        calls_bucket, day_params, day_start = r.bucket("day", survey_days.DAY, offset)
        table, unit, calls_args = "agent_day", "day", (*day_params, *r.units(survey_days.DAY, offset))
        days: dict = {}

        def period_of(n) -> str:
            return days.get(n) or days.setdefault(n, r.period(day_start(n)))

    scores = ", ".join(whole_sum(f"score_{i}") for i in range(1, 6))
    for n, agent, answered, talk, wrapup, *counts in execute(
            f"SELECT {calls_bucket}, agent, {whole_sum('answered')}, SUM(talk), SUM(wrapup), {scores} FROM {table} "
            f"WHERE {unit} >= ? AND {unit} < ? GROUP BY 1, 2", calls_args):
        if answered > 0:
            a = row(period_of(n), agent)
            a["calls"] += answered
            a["talk_seconds"] += talk
            a["wrapup_seconds"] += wrapup
            a["surveys"] += sum(counts)
            a["score_total"] += sum((i + 1) * c for i, c in enumerate(counts))


def _agents_from_rows(r: Range, row) -> None:
    states: dict[str, _AgentState] = defaultdict(_AgentState)
    for t, queue, agent, event, data in _member_events(r):
        if agent in ("", "NONE"):
            continue
        queue = queue.removesuffix("-memory")
        state = states[agent]
        if t >= r.start:
            state.advance(r, lambda p, a=agent: row(p, a), t)
        else:
            state.since = t
        if event == "ADDMEMBER":
            state.queues.add(queue)
        elif event == "REMOVEMEMBER":
            state.queues.discard(queue)
            state.paused.pop(queue, None)
        elif event == "PAUSE":
            state.paused[queue] = data.split("|")[0]
        elif event == "UNPAUSE":
            state.paused.pop(queue, None)
        elif event == "RINGNOANSWER" and t >= r.start:
            row(r.period(t), agent)["missed"] += 1
    for agent, state in states.items():
        state.advance(r, lambda p, a=agent: row(p, a), r.end)
    answered = (QueueCall.select(QueueCall.agent, QueueCall.entered_at, QueueCall.talk, QueueCall.wrapup,
                                 QueueCall.survey)
                .where(QueueCall.entered_at >= r.start, QueueCall.entered_at < r.end,
                       QueueCall.outcome == "answered", QueueCall.agent.is_null(False)).tuples())
    for agent, entered, talk, wrapup, survey in answered:
        a = row(r.period(entered), agent)
        a["calls"] += 1
        a["talk_seconds"] += talk or 0.0
        a["wrapup_seconds"] += wrapup or 0.0
        if survey is not None:
            a["score_total"] += survey
            a["surveys"] += 1


def _agent_figures(a: dict) -> dict:
    return {"logged_in_seconds": round(a["logged_in_seconds"], 1), "paused_seconds": round(a["paused_seconds"], 1),
            "paused_by_reason": {k: round(v, 1) for k, v in sorted(a["paused_by_reason"].items())},
            "calls": a["calls"], "talk_seconds": round(a["talk_seconds"], 1),
            "wrapup_seconds": round(a["wrapup_seconds"], 1), "missed": a["missed"],
            "survey_average": round(a["score_total"] / a["surveys"], 2) if a["surveys"] else None,
            "surveys": a["surveys"]}


def survey(r: Range) -> tuple:
    """From the daily rollup (survey_day) where its days are the zone's over the range and the
    periods are whole days, from the hourly one (queue_agent_hour: answered calls and the count of
    each score) where the zone's hours are UTC hours, from the answered queue calls of the range
    otherwise. A month by day of an 800-seat center lists some 100,000 rows: each is a tuple
    (period, queue, agent, answered, then each score's count) until its figures are written, its
    period a number (the rollups': in time order) or a label, as `labels` names them. One page
    (r.page) of them is read as a page from survey_day, in its key's order, where that is the
    report's (with the count of all rows)."""
    offset = survey_days.offset_for(r)
    if offset is not None and r.page and r.by == "day":
        paged = _survey_day_page(r, offset)
        if paged is not None:
            return paged
    if offset is not None:
        rows, labels = _survey_rollup(r, "survey_day", "day", survey_days.DAY, offset)
    elif r.whole_hours:
        rows, labels = _survey_rollup(r, "queue_agent_hour", "hour", 3600, 0)
    else:
        acc: dict = {}
        for queue, agent, entered, score in _queue_calls(r, QueueCall.queue, QueueCall.agent, QueueCall.entered_at,
                                                         QueueCall.survey, answered=True):
            counts = acc.setdefault((r.period(entered), queue, agent), [0] * 6)
            counts[0] += 1
            if score is not None and 1 <= score <= 5:
                counts[score] += 1
        rows = [(*key, *counts) for key, counts in acc.items()]
        labels = {row[0]: row[0] for row in rows}  # (a period's label sorts as its time does)
    names = set(map(itemgetter(1), rows)) | set(map(itemgetter(2), rows))
    if sorted(names) == sorted(names, key=_order):  # numbers of one length: as text is in order
        rows.sort()  # (period, queue, agent) is each row's own: the rest of a row never decides
    else:
        order = {name: _order(name) for name in names}
        rows.sort(key=lambda row: (row[0], order[row[1]], order[row[2]]))
    totals = _survey_totals([sum(map(itemgetter(i), rows)) for i in range(3, 9)])
    if r.page:  # only the page's rows are written out
        first, count = r.page
        return _survey_rows(rows[first:first + count], labels), totals, len(rows)
    return _survey_rows(rows, labels), totals


def _survey_totals(sums) -> dict:
    totals = _survey_rows([(None, None, None, *sums)], {None: None})[0]
    for key in ("period", "queue", "agent"):
        del totals[key]
    return totals


def _survey_day_page(r: Range, offset: int) -> tuple | None:
    """One page of the survey by day from survey_day, read in its key's order (day, queue, agent)
    when that is the report's: queue numbers all of one length, agents' too, digits only. The
    count and the totals are added up in the database. None when the names are otherwise."""
    where = "FROM survey_day WHERE day >= ? AND day < ? AND answered > 0"
    bounds = r.units(survey_days.DAY, offset)
    counts = ("answered", *(f"score_{i}" for i in range(1, 6)))
    digits = "{0} ~ '^[0-9]+$'" if postgresql() else "{0} <> '' AND {0} NOT GLOB '*[^0-9]*'"
    others = ", ".join(whole_sum(f"CASE WHEN {digits.format(c)} THEN 0 ELSE 1 END") for c in ("queue", "agent"))
    found = execute(f"SELECT COUNT(*), {', '.join(whole_sum(c) for c in counts)}, MIN(length(queue)), "
                    f"MAX(length(queue)), MIN(length(agent)), MAX(length(agent)), {others} {where}", bounds).fetchone()
    total, sums, (q_short, q_long, a_short, a_long, q_others, a_others) = found[0], found[1:7], found[7:]
    if not total:
        return [], _survey_totals([0] * 6), 0
    if q_short != q_long or a_short != a_long or q_others or a_others:
        return None
    first, count = r.page
    rows = execute(f"SELECT day, queue, agent, {', '.join(counts)} {where} ORDER BY day, queue, agent "
                   "LIMIT ? OFFSET ?", (*bounds, count, first)).fetchall()
    start_of = r.bucket("day", survey_days.DAY, offset)[2]
    return _survey_rows(rows, {n: r.period(start_of(n)) for n in {row[0] for row in rows}}), _survey_totals(sums), total


def _survey_rollup(r: Range, table: str, column: str, seconds: int, offset: int) -> tuple[list[tuple], dict]:
    """A rollup's rows of the range as they are where a row is a period, added up per period in the
    database otherwise; and the label of each period's number."""
    bucket, params, start_of = r.bucket(column, seconds, offset)
    counts = ("answered", *(f"score_{i}" for i in range(1, 6)))
    if bucket == column:
        select, group = ", ".join(counts), ""
    else:
        select, group = ", ".join(whole_sum(c) for c in counts), " GROUP BY 1, 2, 3"
    rows = execute(f"SELECT {bucket}, queue, agent, {select} FROM {table} WHERE {column} >= ? AND {column} < ? "
                   f"AND answered > 0{group}", (*params, *r.units(seconds, offset))).fetchall()
    return rows, {n: r.period(start_of(n)) for n in {row[0] for row in rows}}


def _survey_figures(answered: int, s1: int, s2: int, s3: int, s4: int, s5: int) -> dict:
    surveys = s1 + s2 + s3 + s4 + s5
    return {"answered": answered, "surveys": surveys,
            "average": round((s1 + 2 * s2 + 3 * s3 + 4 * s4 + 5 * s5) / surveys, 2) if surveys else None,
            "score_1": s1, "score_2": s2, "score_3": s3, "score_4": s4, "score_5": s5,
            "response_rate": round(100.0 * surveys / answered, 1) if answered else None}


def _survey_rows(rows: list[tuple], labels: dict) -> list[dict]:
    # Most rows are a few calls and scores: their figures are worked out once per set of counts.
    figures: dict = {}
    return [{"period": labels[row[0]], "queue": row[1], "agent": row[2],
             **(figures.get(counts := row[3:]) or figures.setdefault(counts, _survey_figures(*counts)))}
            for row in rows]
