"""The reports database: a second SQLite file, so that recording history never
waits for (or blocks) a configuration change; or, for a site that keeps years of
calls of several boxes, a PostgreSQL database (a postgresql:// address).

Its rows are derived from Asterisk's queue_log file together with the position
read up to, in one transaction: after a crash the box reads on from the last
committed position, so no event is lost and none is counted twice. That also
makes synchronous=NORMAL enough here: whatever a power cut undoes is read again.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from peewee import (
    AutoField,
    CharField,
    CompositeKey,
    DatabaseProxy,
    FloatField,
    IntegerField,
    Model,
    SqliteDatabase,
    TextField,
)

from playhouse.pool import PooledPostgresqlDatabase

from ..db.migrations import migrate

reports_db = DatabaseProxy()
reports_write_lock = threading.RLock()

# A queue call's figures, as added to (sign 1) or taken from (sign -1) its hour's rollup rows. A
# report's short-abandon threshold (0 to 600 s) is given when it is read: abandoned calls are kept
# by the whole second they waited (600 for longer), so that any threshold still splits them.
# Other figures do not depend on the report: the service level is the queue's at the time
# (queue_call.service_level, 20 s when unknown), averages are sums and counts, the longest wait
# only grows (a queue call's wait changes only as it leaves "waiting", i.e. its rollup row).
_HOUR = "{floor}(R.entered_at / 3600)"
_WAIT = "COALESCE(R.wait, 0)"
_QUEUE_HOUR = f"""INSERT INTO queue_hour AS t (hour, queue, outcome, waited, calls, wait_total, wait_max, in_time, talk)
    SELECT {_HOUR}, R.queue, R.outcome,
        CASE WHEN R.outcome = 'abandoned' THEN {{least}}({{floor}}({_WAIT}), 600) ELSE 0 END,
        S, S * {_WAIT}, CASE WHEN S > 0 THEN {_WAIT} ELSE 0 END,
        CASE WHEN R.outcome = 'answered' AND {_WAIT} <= COALESCE(R.service_level, 20) THEN S ELSE 0 END,
        S * COALESCE(R.talk, 0)
    WHERE true
    ON CONFLICT (hour, queue, outcome, waited) DO UPDATE SET calls = t.calls + excluded.calls,
        wait_total = t.wait_total + excluded.wait_total, wait_max = {{greatest}}(t.wait_max, excluded.wait_max),
        in_time = t.in_time + excluded.in_time, talk = t.talk + excluded.talk"""
_SCORES = ", ".join(f"score_{i}" for i in range(1, 6))

def _queue_agent_hour(wrapup: bool) -> str:
    """`wrapup`: with each answered call's wrap-up (queue_call.wrapup, from migration 9 on)."""
    extra = ((", wrapup", ", S * COALESCE(R.wrapup, 0)", ", wrapup = t.wrapup + excluded.wrapup") if wrapup
             else ("", "", ""))
    return f"""INSERT INTO queue_agent_hour AS t (hour, queue, agent, answered, talk, {_SCORES}{extra[0]})
    SELECT {_HOUR}, R.queue, R.agent, S, S * COALESCE(R.talk, 0),
        {", ".join(f"CASE WHEN R.survey = {i} THEN S ELSE 0 END" for i in range(1, 6))}{extra[1]}
    WHERE R.outcome = 'answered' AND R.agent IS NOT NULL
    ON CONFLICT (hour, queue, agent) DO UPDATE SET answered = t.answered + excluded.answered,
        talk = t.talk + excluded.talk, {", ".join(f"score_{i} = t.score_{i} + excluded.score_{i}" for i in range(1, 6))}{extra[2]}"""


_QUEUE_INBOUND_HOUR = """INSERT INTO queue_inbound_hour AS t (hour, queue, inbound, lost)
    SELECT {floor}(R.started / 3600), R.queue, 1, CASE WHEN R.outcome = 'answered' THEN 0 ELSE 1 END
    WHERE R.queue IS NOT NULL AND R.direction = 'inbound'
    ON CONFLICT (hour, queue) DO UPDATE SET inbound = t.inbound + excluded.inbound, lost = t.lost + excluded.lost"""


def _dialect(sql: str, postgresql: bool, row: str, sign: str) -> str:
    # SQLite's CAST truncates (the floor, for times after 1970); PostgreSQL's rounds.
    words = ({"floor": "FLOOR", "least": "LEAST", "greatest": "GREATEST"} if postgresql else
             {"floor": "CAST", "least": "MIN", "greatest": "MAX"})
    sql = sql.format(**words)
    if not postgresql:  # nor does it take a table alias inside a trigger: a bare name is the stored row's
        sql = re.sub(r"\bt\.", "", sql.replace(" AS t ", " "))
        sql = re.sub(r"CAST\(([^()]*(?:\([^()]*\))?[^()]*)\)", r"CAST(\1 AS INTEGER)", sql)
    return re.sub(r"\bR\.", row + ".", sql).replace("S * ", sign + " * ").replace(" S,", f" {sign},") \
        .replace("THEN S ELSE", f"THEN {sign} ELSE").replace("WHEN S > 0", f"WHEN {sign} > 0")


def _pg_trigger(name: str, table: str, when: str, body: str) -> str:
    return (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n{body}RETURN NULL;\nEND $$;\n"
            f"CREATE TRIGGER {name} AFTER {when} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()")


def _queue_rollups() -> list:
    """The rollup tables of the queue, agent-call and survey reports, filled from the rows there
    are, and the triggers that keep them: a queue call is written again as it goes on (answered,
    ended, scored), so an update takes the old row's figures out and puts the new one's in."""
    tables = [
        """CREATE TABLE queue_hour (
            hour INTEGER NOT NULL,
            queue VARCHAR(255) NOT NULL,
            outcome VARCHAR(16) NOT NULL,
            waited INTEGER NOT NULL,
            calls INTEGER NOT NULL,
            wait_total REAL NOT NULL,
            wait_max REAL NOT NULL,
            in_time INTEGER NOT NULL,
            talk REAL NOT NULL,
            PRIMARY KEY (hour, queue, outcome, waited)) WITHOUT ROWID""",
        f"""CREATE TABLE queue_agent_hour (
            hour INTEGER NOT NULL,
            queue VARCHAR(255) NOT NULL,
            agent VARCHAR(255) NOT NULL,
            answered INTEGER NOT NULL,
            talk REAL NOT NULL,
            {" ".join(f"score_{i} INTEGER NOT NULL," for i in range(1, 6))}
            PRIMARY KEY (hour, queue, agent)) WITHOUT ROWID""",
        """CREATE TABLE queue_inbound_hour (
            hour INTEGER NOT NULL,
            queue VARCHAR(255) NOT NULL,
            inbound INTEGER NOT NULL,
            lost INTEGER NOT NULL,
            PRIMARY KEY (hour, queue)) WITHOUT ROWID""",
    ]
    statements = (_QUEUE_HOUR, _queue_agent_hour(wrapup=False))

    def fill(sql, table):  # from every existing row in one statement
        return {pg: _dialect(sql, pg == "postgresql", table, "1").replace(" WHERE ", f" FROM {table} WHERE ", 1)
                for pg in ("sqlite", "postgresql")}

    return [
        *tables,
        *(fill(s, "queue_call") for s in statements),
        fill(_QUEUE_INBOUND_HOUR, "call_record"),
        *_queue_call_triggers(statements),
        {"sqlite": _sqlite_trigger("call_record_queue_inbound_hour", "call_record", "INSERT",
                                   [_dialect(_QUEUE_INBOUND_HOUR, False, "NEW", "1")]),
         "postgresql": _pg_trigger("call_record_queue_inbound_hour", "call_record", "INSERT",
                                   _dialect(_QUEUE_INBOUND_HOUR, True, "NEW", "1") + ";\n")},
    ]


def _sqlite_trigger(name: str, table: str, when: str, statements: list[str]) -> str:
    return f"CREATE TRIGGER {name} AFTER {when} ON {table} BEGIN\n" + "".join(s + ";\n" for s in statements) + "END"


def _queue_call_triggers(statements: tuple[str, ...]) -> list:
    add = {pg: [_dialect(s, pg, "NEW", "1") for s in statements] for pg in (False, True)}
    take = {pg: [_dialect(s, pg, "OLD", "-1") for s in statements] for pg in (False, True)}
    return [
        {"sqlite": _sqlite_trigger("queue_call_rollup_insert", "queue_call", "INSERT", add[False]),
         "postgresql": _pg_trigger("queue_call_rollups", "queue_call", "INSERT OR UPDATE",
                                   "IF TG_OP = 'UPDATE' THEN\n" + "".join(s + ";\n" for s in take[True]) + "END IF;\n"
                                   + "".join(s + ";\n" for s in add[True]))},
        {"sqlite": _sqlite_trigger("queue_call_rollup_update", "queue_call", "UPDATE", take[False] + add[False]),
         "postgresql": None},  # the function above does both
    ]


def _queue_wrapups() -> list:
    """Each answered queue call keeps its wrap-up (the queue's setting when the call ended, cut
    short by the agent's next call: the ingester writes it), and queue_agent_hour adds it up, so
    that the agents report counts wrap-up over days whose queue calls are pruned. The calls there
    are get theirs from the queues' settings at the first start after this (ReportsManager)."""
    return [
        "ALTER TABLE queue_call ADD COLUMN wrapup REAL",
        "ALTER TABLE queue_agent_hour ADD COLUMN wrapup REAL NOT NULL DEFAULT 0",
        "CREATE INDEX queue_call_agent ON queue_call (agent, connected_at)",
        {"sqlite": "DROP TRIGGER queue_call_rollup_insert",
         "postgresql": "DROP TRIGGER queue_call_rollups ON queue_call"},
        {"sqlite": "DROP TRIGGER queue_call_rollup_update", "postgresql": "DROP FUNCTION queue_call_rollups()"},
        *_queue_call_triggers((_QUEUE_HOUR, _queue_agent_hour(wrapup=True))),
    ]


# A call leg's part in its hour's rollup row (leg_hour): counted in the hour it began (calls, by
# its call's direction, answered, talk), and its connected time spread over each clock hour it
# spans (load_seconds: the busy hour's Erlang). hour_step numbers hours from one: a leg's load is
# spread over LEG_HOURS at most (a leg connected longer than that is one the reports' LOOKBACK
# leaves out from the raw legs too).
LEG_HOURS = 26
_LEG_FILTER = "R.party IS NOT NULL AND R.kind IN ('phone', 'trunk')"
_LEG_COLUMNS = "kind, hour, party, calls, inbound, outbound, internal, answered, talk, load_seconds"
_LEG_MERGE = ("ON CONFLICT (kind, hour, party) DO UPDATE SET calls = t.calls + excluded.calls, "
              "inbound = t.inbound + excluded.inbound, outbound = t.outbound + excluded.outbound, "
              "internal = t.internal + excluded.internal, answered = t.answered + excluded.answered, "
              "talk = t.talk + excluded.talk, load_seconds = t.load_seconds + excluded.load_seconds")
_LEG_HOUR = f"""INSERT INTO leg_hour AS t ({_LEG_COLUMNS})
    SELECT R.kind, {{floor}}(R.started / 3600), R.party, {{agg}}(S * 1),
        {", ".join(f"{{agg}}(CASE WHEN C.direction = '{d}' THEN S ELSE 0 END)"
                   for d in ("inbound", "outbound", "internal"))},
        {{agg}}(CASE WHEN R.answered IS NOT NULL THEN S ELSE 0 END),
        {{agg}}(CASE WHEN R.answered IS NOT NULL THEN S * {{greatest}}(0, COALESCE(R.ended, R.answered) - R.answered)
            ELSE 0 END), 0
    {{rows}} WHERE C.id = R.call_id AND {_LEG_FILTER} {{group}}
    {_LEG_MERGE}"""
_HOUR_OF_STEP = "({floor}(R.answered / 3600) + H.n)"
_LEG_LOAD = f"""INSERT INTO leg_hour AS t ({_LEG_COLUMNS})
    SELECT R.kind, {_HOUR_OF_STEP}, R.party, 0, 0, 0, 0, 0, 0,
        {{agg}}(S * ({{least}}(R.ended, {_HOUR_OF_STEP} * 3600 + 3600)
            - {{greatest}}(R.answered, {_HOUR_OF_STEP} * 3600)))
    {{rows}} JOIN hour_step H ON H.n < {LEG_HOURS} AND {_HOUR_OF_STEP} * 3600 < R.ended
    WHERE C.id = R.call_id AND {_LEG_FILTER} AND R.answered IS NOT NULL AND R.answered < R.ended {{group}}
    {_LEG_MERGE}"""


def _leg_sql(sql: str, postgresql: bool, row: str | None, sign: str = "1") -> str:
    """A leg rollup statement for a trigger (`row`: NEW or OLD, one leg) or, with row None, the
    migration's fill from every leg there is (summed per hour)."""
    fill = row is None
    sql = sql.replace("{agg}", "SUM" if fill else "").replace("{group}", "GROUP BY 1, 2, 3" if fill else "")
    sql = sql.replace("{rows}", "FROM call_leg R JOIN call_record C ON C.id = R.call_id" if fill else
                      "FROM call_record C")
    if not fill and " JOIN hour_step H ON " in sql:  # one leg: the steps are a plain second table
        sql = sql.replace("FROM call_record C JOIN hour_step H ON ", "FROM call_record C, hour_step H WHERE ")
        sql = sql.replace("\n    WHERE C.id", "\n    AND C.id")
    return _dialect(sql, postgresql, "R" if fill else row, sign)


# Trunk occupancy: the most channels of each trunk in use at one instant of each hour, and the
# first instant it was reached, by a running count over the legs' starts and ends (ends first at
# the same instant; a channel up when the hour begins counts at its start). Peaks do not add up
# over hours as counts do, but a period's peak is its hours' highest (first reached at the
# earliest of them), so hourly rows serve any period of whole hours. They are written once an
# hour is over and no call in progress can still add a channel to it (rollup_horizon).
# Parameters: first hour, hour after the last, (first hour, hour after the last) in seconds.
_OCCUPANCY = """WITH RECURSIVE hours (h) AS (
        SELECT {lo} WHERE {lo} < {hi} UNION ALL SELECT h + 1 FROM hours WHERE h + 1 < {hi}),
    legs AS (SELECT L.party AS party, L.started AS s, COALESCE(L.ended, L.started) AS e FROM call_leg L
        WHERE L.kind = 'trunk' AND L.party IS NOT NULL AND L.started >= {lo} * 3600 - {lookback}
        AND L.started < {hi} * 3600 AND COALESCE(L.ended, L.started) >= {lo} * 3600
        AND EXISTS (SELECT 1 FROM call_record C WHERE C.id = L.call_id)),
    marks AS (SELECT party, s AS tm, 1 AS o, 1 AS d FROM legs
        UNION ALL SELECT party, e, 0, -1 FROM legs
        UNION ALL SELECT P.party, hours.h * 3600, 2, 0 FROM hours, (SELECT DISTINCT party FROM legs) P),
    running AS (SELECT party, tm, o, SUM(d) OVER (PARTITION BY party ORDER BY tm, o) AS n FROM marks),
    noted AS (SELECT {floor}(tm / 3600) AS hour, party, n, tm,
            ROW_NUMBER() OVER (PARTITION BY {floor}(tm / 3600), party ORDER BY n DESC, tm) AS k FROM running
        WHERE n > 0 AND (o = 2 OR (o = 1 AND tm >= {lo} * 3600 AND tm < {hi} * 3600)))
    SELECT hour, party, n, tm FROM noted WHERE k = 1"""
OCCUPANCY_LOOKBACK = 86400  # as the raw legs' (usage.LOOKBACK)


def occupancy_sql(postgresql: bool, lo: str = "?", hi: str = "?") -> str:
    """Per trunk and hour of [lo, hi) (hours since 1970): (hour, trunk, peak, peak_at)."""
    sql = _OCCUPANCY.format(lo=lo, hi=hi, lookback=OCCUPANCY_LOOKBACK, floor="FLOOR" if postgresql else "CAST")
    return sql if postgresql else re.sub(r"CAST\(([^()]*)\)", r"CAST(\1 AS INTEGER)", sql)


def _occupancy_fill(postgresql: bool) -> list[str]:
    """The hours of the legs there are, up to the hour of the last one's end or of the first event of a
    call still in progress (its legs are not written yet); the recorder rolls on from there."""
    last_end = "MAX(COALESCE(ended, started))"
    if postgresql:
        first_open = "(SELECT MIN(CAST(data::json->>'time' AS DOUBLE PRECISION)) FROM cel_event WHERE open = 1)"
        upto = f"COALESCE(FLOOR(LEAST(COALESCE({first_open}, {last_end}), {last_end}) / 3600), 0)"
        first = "COALESCE(FLOOR(MIN(started) / 3600), 0)"
    else:
        first_open = "(SELECT MIN(json_extract(data, '$.time')) FROM cel_event WHERE open = 1)"
        upto = f"COALESCE(CAST(MIN(COALESCE({first_open}, {last_end}), {last_end}) / 3600 AS INTEGER), 0)"
        first = "COALESCE(CAST(MIN(started) / 3600 AS INTEGER), 0)"
    upto, first = (f"(SELECT {x} FROM call_leg WHERE kind = 'trunk')" for x in (upto, first))
    return [f"INSERT INTO trunk_peak_hour (hour, trunk, peak, peak_at) {occupancy_sql(postgresql, first, upto)}",
            f"INSERT INTO rollup_horizon (name, hour) SELECT 'trunk_peak_hour', {upto}"]


def _leg_rollups() -> list:
    """The rollup tables of the per extension, per trunk and trunk occupancy reports, filled from the
    legs there are; triggers keep leg_hour (a leg is written again when its call's record is)."""
    tables = [
        "CREATE TABLE hour_step (n INTEGER NOT NULL PRIMARY KEY)",
        "INSERT INTO hour_step (n) VALUES " + ", ".join(f"({i})" for i in range(LEG_HOURS)),
        """CREATE TABLE leg_hour (
            kind VARCHAR(16) NOT NULL,
            hour INTEGER NOT NULL,
            party VARCHAR(255) NOT NULL,
            calls INTEGER NOT NULL,
            inbound INTEGER NOT NULL,
            outbound INTEGER NOT NULL,
            internal INTEGER NOT NULL,
            answered INTEGER NOT NULL,
            talk REAL NOT NULL,
            load_seconds REAL NOT NULL,
            PRIMARY KEY (kind, hour, party)) WITHOUT ROWID""",
        """CREATE TABLE trunk_peak_hour (
            hour INTEGER NOT NULL,
            trunk VARCHAR(255) NOT NULL,
            peak INTEGER NOT NULL,
            peak_at REAL NOT NULL,
            PRIMARY KEY (hour, trunk)) WITHOUT ROWID""",
        """CREATE TABLE rollup_horizon (
            name VARCHAR(255) NOT NULL PRIMARY KEY,
            hour INTEGER NOT NULL)""",
    ]
    statements = (_LEG_HOUR, _LEG_LOAD)

    def both(make):
        return {"sqlite": make(False), "postgresql": make(True)}

    def sqlite_trigger(when, row_signs):
        name = f"call_leg_rollup_{when.lower()}"
        body = "".join(_leg_sql(s, False, row, sign) + ";\n" for row, sign in row_signs for s in statements)
        return f"CREATE TRIGGER {name} AFTER {when} ON call_leg BEGIN\n{body}END"

    pg_add = "".join(_leg_sql(s, True, "NEW") + ";\n" for s in statements)
    pg_take = "".join(_leg_sql(s, True, "OLD", "-1") + ";\n" for s in statements)
    return [
        *tables,
        *(both(lambda pg, s=s: _leg_sql(s, pg, None)) for s in statements),
        {"sqlite": _occupancy_fill(False)[0], "postgresql": _occupancy_fill(True)[0]},
        {"sqlite": _occupancy_fill(False)[1], "postgresql": _occupancy_fill(True)[1]},
        {"sqlite": sqlite_trigger("INSERT", [("NEW", "1")]),
         "postgresql": _pg_trigger("call_leg_rollup", "call_leg", "INSERT OR UPDATE",
                                   f"IF TG_OP = 'UPDATE' THEN\n{pg_take}END IF;\n{pg_add}")},
        {"sqlite": sqlite_trigger("UPDATE", [("OLD", "-1"), ("NEW", "1")]), "postgresql": None},
    ]


# An agent's log-ins and pauses, turned into seconds per hour as queue_log's member events are
# written: each event closes the time since the agent's previous one, in the state that held
# over it (agent_member: the queues the agent is in, paused or not and why), spread over the
# hours it spans (a week at most, as far as the reports look back), then changes the state.
# Paused time counts only while logged in, under the reason of the first paused queue by number.
AGENT_HOURS = 170
_AGENT = "NEW.agent NOT IN ('', 'NONE')"
_MEMBER_EVENTS = "('ADDMEMBER', 'REMOVEMEMBER', 'PAUSE', 'UNPAUSE')"
# (no LIKE '%...': psycopg2 reads a % in a statement as a placeholder)
_QUEUE_OF = ("CASE WHEN substr(NEW.queue, length(NEW.queue) - 6) = '-memory' "
             "THEN substr(NEW.queue, 1, length(NEW.queue) - 7) ELSE NEW.queue END")
_STEP_HOUR = "({floor}(S.since / 3600) + H.n)"
_STEP_SECONDS = f"({{least}}(NEW.time, {_STEP_HOUR} * 3600 + 3600) - {{greatest}}(S.since, {_STEP_HOUR} * 3600))"
_LOGGED_IN = "EXISTS (SELECT 1 FROM agent_member M WHERE M.agent = NEW.agent AND M.member = 1)"
_PAUSED_REASON = ("(SELECT M.reason FROM agent_member M WHERE M.agent = NEW.agent AND M.member = 1 AND M.paused = 1 "
                  "ORDER BY M.queue LIMIT 1)")
_SPANS = f"""FROM agent_since S, hour_step H WHERE S.agent = NEW.agent AND NEW.time > S.since AND H.n < {AGENT_HOURS}
        AND {_STEP_HOUR} * 3600 < NEW.time AND {_AGENT} AND NEW.event IN {_MEMBER_EVENTS}"""
_AGENT_EVENT = [
    f"""INSERT INTO agent_hour AS t (hour, agent, logged_in, paused, missed)
    SELECT {_STEP_HOUR}, NEW.agent, {_STEP_SECONDS},
        CASE WHEN {_PAUSED_REASON} IS NOT NULL THEN {_STEP_SECONDS} ELSE 0 END, 0
    {_SPANS} AND {_LOGGED_IN}
    ON CONFLICT (hour, agent) DO UPDATE SET logged_in = t.logged_in + excluded.logged_in,
        paused = t.paused + excluded.paused""",
    f"""INSERT INTO agent_pause_hour AS t (hour, agent, reason, seconds)
    SELECT {_STEP_HOUR}, NEW.agent, {_PAUSED_REASON}, {_STEP_SECONDS}
    {_SPANS} AND {_PAUSED_REASON} IS NOT NULL
    ON CONFLICT (hour, agent, reason) DO UPDATE SET seconds = t.seconds + excluded.seconds""",
    f"""INSERT INTO agent_hour AS t (hour, agent, logged_in, paused, missed)
    SELECT {{floor}}(NEW.time / 3600), NEW.agent, 0, 0, 1 WHERE NEW.event = 'RINGNOANSWER' AND {_AGENT}
    ON CONFLICT (hour, agent) DO UPDATE SET missed = t.missed + 1""",
    f"""INSERT INTO agent_member AS t (agent, queue, member, paused, reason)
    SELECT NEW.agent, {_QUEUE_OF}, 1, 0, '' WHERE NEW.event = 'ADDMEMBER' AND {_AGENT}
    ON CONFLICT (agent, queue) DO UPDATE SET member = 1""",
    f"""INSERT INTO agent_member AS t (agent, queue, member, paused, reason)
    SELECT NEW.agent, {_QUEUE_OF}, 0, 1, {{reason}} WHERE NEW.event = 'PAUSE' AND {_AGENT}
    ON CONFLICT (agent, queue) DO UPDATE SET paused = 1, reason = excluded.reason""",
    f"""UPDATE agent_member SET paused = 0 WHERE NEW.event = 'UNPAUSE' AND agent = NEW.agent AND queue = {_QUEUE_OF}""",
    f"""DELETE FROM agent_member WHERE NEW.event = 'REMOVEMEMBER' AND agent = NEW.agent AND queue = {_QUEUE_OF}""",
    f"""INSERT INTO agent_since AS t (agent, since) SELECT NEW.agent, NEW.time
    WHERE {_AGENT} AND NEW.event IN {_MEMBER_EVENTS}
    ON CONFLICT (agent) DO UPDATE SET since = excluded.since""",
]


def _agent_sql(sql: str, postgresql: bool) -> str:
    words = ({"floor": "FLOOR", "least": "LEAST", "greatest": "GREATEST", "reason": "split_part(NEW.data, '|', 1)"}
             if postgresql else
             {"floor": "CAST", "least": "MIN", "greatest": "MAX",
              "reason": "CASE WHEN instr(NEW.data, '|') > 0 THEN substr(NEW.data, 1, instr(NEW.data, '|') - 1) "
                        "ELSE NEW.data END"})
    sql = sql.format(**words)
    if not postgresql:
        sql = re.sub(r"\bt\.", "", sql.replace(" AS t ", " "))
        sql = re.sub(r"CAST\(([^()]*)\)", r"CAST(\1 AS INTEGER)", sql)
    return sql


def _agent_rollups() -> list:
    """The agents report's rollups: log-ins, pauses and missed calls per hour from queue events (kept
    by a trigger, filled by playing the stored events through it in order); calls, talk and surveys
    come from queue_agent_hour."""
    tables = [
        "INSERT INTO hour_step (n) VALUES " + ", ".join(f"({i})" for i in range(LEG_HOURS, AGENT_HOURS)),
        """CREATE TABLE agent_member (
            agent VARCHAR(255) NOT NULL,
            queue VARCHAR(255) NOT NULL,
            member INTEGER NOT NULL,
            paused INTEGER NOT NULL,
            reason VARCHAR(255) NOT NULL,
            PRIMARY KEY (agent, queue))""",
        """CREATE TABLE agent_since (
            agent VARCHAR(255) NOT NULL PRIMARY KEY,
            since REAL NOT NULL)""",
        """CREATE TABLE agent_hour (
            hour INTEGER NOT NULL,
            agent VARCHAR(255) NOT NULL,
            logged_in REAL NOT NULL,
            paused REAL NOT NULL,
            missed INTEGER NOT NULL,
            PRIMARY KEY (hour, agent)) WITHOUT ROWID""",
        """CREATE TABLE agent_pause_hour (
            hour INTEGER NOT NULL,
            agent VARCHAR(255) NOT NULL,
            reason VARCHAR(255) NOT NULL,
            seconds REAL NOT NULL,
            PRIMARY KEY (hour, agent, reason)) WITHOUT ROWID""",
    ]
    sqlite = "CREATE TRIGGER queue_event_agent_hour AFTER INSERT ON queue_event BEGIN\n" + \
        "".join(_agent_sql(s, False) + ";\n" for s in _AGENT_EVENT) + "END"
    pg = _pg_trigger("queue_event_agent_hour", "queue_event", "INSERT",
                     "".join(_agent_sql(s, True) + ";\n" for s in _AGENT_EVENT))
    columns = "id, time, callid, queue, agent, event, data"
    return [
        *tables,
        {"sqlite": sqlite, "postgresql": pg},
        # The events there are, written again in their order through the trigger.
        f"CREATE TEMPORARY TABLE queue_event_replay AS SELECT {columns} FROM queue_event",
        "DELETE FROM queue_event",
        f"INSERT INTO queue_event ({columns}) SELECT {columns} FROM queue_event_replay ORDER BY time, id",
        "DROP TABLE queue_event_replay",
    ]


# The daily rollups: hourly rollups' rows added up by day, a day running from midnight to midnight
# at the offset from UTC in rollup_offset 'survey_day' (survey_days.py keeps it the box's zone's):
# from queue_agent_hour, survey_day per queue and agent for the survey report and agent_day per
# agent for the agents report's calls; from traffic_hour, traffic_day for the traffic report. Kept
# by triggers on the hourly rollup: an hour's row is written again as its calls are (answered,
# scored, wrapped up; another record of the hour), so an update adds the difference.
_SURVEY_COUNTS = ("answered", *(f"score_{i}" for i in range(1, 6)))
_AGENT_DAY_SUMS = ("answered", "talk", "wrapup", *(f"score_{i}" for i in range(1, 6)))
_DAY_OF = "(R.hour * 3600 + O.seconds) / 86400"  # whole numbers: the division is the floor
# Each daily rollup: (the hourly one it adds up, its keys besides the day, its sums).
_DAILY = {"survey_day": ("queue_agent_hour", ("queue", "agent"), _SURVEY_COUNTS),
          "agent_day": ("queue_agent_hour", ("agent",), _AGENT_DAY_SUMS),
          "traffic_day": ("traffic_hour", ("direction", "outcome"), ("calls", "talk"))}


def _day_fill(table: str) -> str:
    source, keys, sums = _DAILY[table]
    return (f"INSERT INTO {table} (day, {', '.join(keys)}, {', '.join(sums)}) "
            f"SELECT {_DAY_OF}, {', '.join(f'R.{k}' for k in keys)}, {', '.join(f'SUM(R.{c})' for c in sums)} "
            f"FROM {source} R, rollup_offset O WHERE O.name = 'survey_day' GROUP BY "
            + ", ".join(str(i) for i in range(1, len(keys) + 2)))


DAY_FILLS = {table: _day_fill(table) for table in _DAILY}


def _day_add(table: str, postgresql: bool, update: bool) -> str:
    """The trigger's statement: NEW's figures added to its day (less OLD's, for an update)."""
    _, keys, sums = _DAILY[table]
    values = ", ".join(f"NEW.{c} - OLD.{c}" if update else f"NEW.{c}" for c in sums)
    t = "t." if postgresql else ""
    return (f"INSERT INTO {table}{' AS t' if postgresql else ''} (day, {', '.join(keys)}, {', '.join(sums)}) "
            f"SELECT {_DAY_OF.replace('R.', 'NEW.')}, {', '.join(f'NEW.{k}' for k in keys)}, {values} "
            "FROM rollup_offset O WHERE O.name = 'survey_day' "
            f"ON CONFLICT (day, {', '.join(keys)}) DO UPDATE SET "
            + ", ".join(f"{c} = {t}{c} + excluded.{c}" for c in sums))


def _day_triggers(table: str) -> list:
    source = _DAILY[table][0]
    name = f"{source}_{table}"
    return [
        {"sqlite": f"CREATE TRIGGER {name}_insert AFTER INSERT ON {source} BEGIN\n"
                   f"{_day_add(table, False, False)};\nEND",
         "postgresql": _pg_trigger(name, source, "INSERT OR UPDATE",
                                   f"IF TG_OP = 'UPDATE' THEN\n{_day_add(table, True, True)};\n"
                                   f"ELSE\n{_day_add(table, True, False)};\nEND IF;\n")},
        {"sqlite": f"CREATE TRIGGER {name}_update AFTER UPDATE ON {source} BEGIN\n"
                   f"{_day_add(table, False, True)};\nEND",
         "postgresql": None},  # the function above does both
    ]


def _survey_days() -> list:
    return [
        f"""CREATE TABLE survey_day (
            day INTEGER NOT NULL,
            queue VARCHAR(255) NOT NULL,
            agent VARCHAR(255) NOT NULL,
            {" ".join(f"{c} INTEGER NOT NULL," for c in _SURVEY_COUNTS)}
            PRIMARY KEY (day, queue, agent)) WITHOUT ROWID""",
        """CREATE TABLE rollup_offset (
            name VARCHAR(255) NOT NULL PRIMARY KEY,
            seconds INTEGER NOT NULL)""",
        "INSERT INTO rollup_offset (name, seconds) VALUES ('survey_day', 0)",
        DAY_FILLS["survey_day"],
        *_day_triggers("survey_day"),
    ]


def _agent_days() -> list:
    """The agents report's calls, talk, wrap-up and scores per agent and day: a week of an 800-seat
    center is some 5,600 rows, where its hours per queue are 30,000 and more. Filled from the hourly
    rollup at the days' offset there is (the box's zone's once it has started)."""
    return [
        f"""CREATE TABLE agent_day (
            day INTEGER NOT NULL,
            agent VARCHAR(255) NOT NULL,
            answered INTEGER NOT NULL,
            talk REAL NOT NULL,
            wrapup REAL NOT NULL,
            {" ".join(f"score_{i} INTEGER NOT NULL," for i in range(1, 6))}
            PRIMARY KEY (day, agent)) WITHOUT ROWID""",
        DAY_FILLS["agent_day"],
        *_day_triggers("agent_day"),
    ]


def _traffic_table(name: str, unit: str) -> str:
    """traffic_hour's table, or traffic_day's: calls and talk per hour (or day), direction and outcome."""
    return f"""CREATE TABLE {name} (
                {unit} INTEGER NOT NULL,
                direction VARCHAR(16) NOT NULL,
                outcome VARCHAR(16) NOT NULL,
                calls INTEGER NOT NULL,
                talk REAL NOT NULL,
                PRIMARY KEY ({unit}, direction, outcome)) WITHOUT ROWID"""


def _traffic_days() -> list:
    """The traffic report's calls and talk per day, direction and outcome: a year by month is some
    5,500 rows, where its hours are 130,000 (the Reports page's trend chart asks for it each time)."""
    return [
        _traffic_table("traffic_day", "day"),
        DAY_FILLS["traffic_day"],
        *_day_triggers("traffic_day"),
    ]


MIGRATIONS = [
    (
        1,
        "queue calls, raw queue events, the read position in queue_log, call notes",
        [
            """CREATE TABLE ingest_position (
                source VARCHAR(255) NOT NULL PRIMARY KEY,
                inode INTEGER NOT NULL,
                offset INTEGER NOT NULL)""",
            """CREATE TABLE queue_event (
                id INTEGER NOT NULL PRIMARY KEY,
                time REAL NOT NULL,
                callid VARCHAR(255) NOT NULL,
                queue VARCHAR(255) NOT NULL,
                agent VARCHAR(255) NOT NULL,
                event VARCHAR(255) NOT NULL,
                data TEXT NOT NULL)""",
            "CREATE INDEX queue_event_callid ON queue_event (callid)",
            "CREATE INDEX queue_event_time ON queue_event (time)",
            """CREATE TABLE queue_call (
                callid VARCHAR(255) NOT NULL PRIMARY KEY,
                queue VARCHAR(255) NOT NULL,
                caller VARCHAR(255),
                caller_key VARCHAR(255),
                entered_at REAL NOT NULL,
                position INTEGER,
                agent VARCHAR(255),
                connected_at REAL,
                wait REAL,
                talk REAL,
                ended_at REAL,
                outcome VARCHAR(255) NOT NULL,
                ring_attempts INTEGER NOT NULL,
                memory INTEGER NOT NULL,
                survey INTEGER,
                recording VARCHAR(255),
                callback_of VARCHAR(255))""",
            "CREATE INDEX queue_call_queue_entered ON queue_call (queue, entered_at)",
            "CREATE INDEX queue_call_agent_entered ON queue_call (agent, entered_at)",
            "CREATE INDEX queue_call_caller ON queue_call (caller_key, entered_at)",
            """CREATE TABLE call_note (
                callid VARCHAR(255) NOT NULL PRIMARY KEY,
                notes TEXT NOT NULL,
                author VARCHAR(255) NOT NULL,
                updated_at REAL NOT NULL)""",
            """CREATE TABLE callback (
                id INTEGER NOT NULL PRIMARY KEY,
                queue VARCHAR(255) NOT NULL,
                number VARCHAR(255) NOT NULL,
                callid VARCHAR(255) NOT NULL UNIQUE,
                position INTEGER NOT NULL,
                requested_at REAL NOT NULL,
                placed INTEGER NOT NULL)""",
            """CREATE TABLE recording (
                callid VARCHAR(255) NOT NULL PRIMARY KEY,
                path VARCHAR(255) NOT NULL,
                started_at REAL NOT NULL,
                caller VARCHAR(255),
                callee VARCHAR(255),
                queue VARCHAR(255),
                on_demand INTEGER NOT NULL)""",
            "CREATE INDEX recording_started ON recording (started_at)",
        ],
    ),
    (
        2,
        "call records from channel events: the events of calls in progress, records, legs, parties",
        [
            """CREATE TABLE cel_event (
                id INTEGER NOT NULL PRIMARY KEY,
                linkedid VARCHAR(255) NOT NULL,
                data TEXT NOT NULL,
                open INTEGER NOT NULL)""",
            "CREATE INDEX cel_event_open ON cel_event (open, id)",
            "CREATE INDEX cel_event_linkedid ON cel_event (linkedid)",
            """CREATE TABLE call_record (
                id VARCHAR(255) NOT NULL PRIMARY KEY,
                started REAL NOT NULL,
                answered REAL,
                ended REAL NOT NULL,
                direction VARCHAR(16) NOT NULL,
                from_number VARCHAR(255),
                from_key VARCHAR(255),
                from_name VARCHAR(255),
                to_number VARCHAR(255),
                to_key VARCHAR(255),
                did VARCHAR(255),
                trunk INTEGER,
                queue VARCHAR(255),
                path TEXT NOT NULL,
                answered_by VARCHAR(255),
                wait REAL NOT NULL,
                talk REAL NOT NULL,
                hold REAL NOT NULL,
                transfers TEXT NOT NULL,
                outcome VARCHAR(16) NOT NULL)""",
            "CREATE INDEX call_record_started ON call_record (started)",
            "CREATE INDEX call_record_direction ON call_record (direction, started)",
            "CREATE INDEX call_record_outcome ON call_record (outcome, started)",
            "CREATE INDEX call_record_trunk ON call_record (trunk, started)",
            "CREATE INDEX call_record_queue ON call_record (queue, started)",
            "CREATE INDEX call_record_from ON call_record (from_key, started)",
            "CREATE INDEX call_record_to ON call_record (to_key, started)",
            """CREATE TABLE call_leg (
                uniqueid VARCHAR(255) NOT NULL PRIMARY KEY,
                call_id VARCHAR(255) NOT NULL,
                channel VARCHAR(255) NOT NULL,
                kind VARCHAR(16) NOT NULL,
                party VARCHAR(255),
                started REAL NOT NULL,
                answered REAL,
                ended REAL,
                cause INTEGER,
                dialstatus VARCHAR(32))""",
            "CREATE INDEX call_leg_call ON call_leg (call_id)",
            """CREATE TABLE call_party (
                extension VARCHAR(255) NOT NULL,
                call_id VARCHAR(255) NOT NULL,
                started REAL NOT NULL,
                PRIMARY KEY (extension, call_id))""",
            "CREATE INDEX call_party_started ON call_party (extension, started)",
        ],
    ),
    (
        3,
        "the legs of a kind over days: the per extension and per trunk reports",
        ["CREATE INDEX call_leg_kind_started ON call_leg (kind, started)",
         "CREATE INDEX queue_call_entered ON queue_call (entered_at)"],
    ),
    (
        4,
        "hourly traffic rollups, kept up by a trigger on call records and never pruned",
        [
            _traffic_table("traffic_hour", "hour"),
            {"sqlite": """INSERT INTO traffic_hour (hour, direction, outcome, calls, talk)
                SELECT CAST(started / 3600 AS INTEGER), direction, outcome, COUNT(*), SUM(talk)
                FROM call_record GROUP BY 1, 2, 3""",
             # CAST rounds there; the hour a call began is the floor.
             "postgresql": """INSERT INTO traffic_hour (hour, direction, outcome, calls, talk)
                SELECT FLOOR(started / 3600), direction, outcome, COUNT(*), SUM(talk)
                FROM call_record GROUP BY 1, 2, 3"""},
            {"sqlite": """CREATE TRIGGER call_record_traffic_hour AFTER INSERT ON call_record BEGIN
                INSERT INTO traffic_hour (hour, direction, outcome, calls, talk)
                VALUES (CAST(NEW.started / 3600 AS INTEGER), NEW.direction, NEW.outcome, 1, NEW.talk)
                ON CONFLICT (hour, direction, outcome) DO UPDATE SET calls = calls + 1, talk = talk + excluded.talk;
            END""",
             "postgresql": """CREATE FUNCTION call_record_traffic_hour() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO traffic_hour AS t (hour, direction, outcome, calls, talk)
                VALUES (FLOOR(NEW.started / 3600), NEW.direction, NEW.outcome, 1, NEW.talk)
                ON CONFLICT (hour, direction, outcome) DO UPDATE SET calls = t.calls + 1, talk = t.talk + excluded.talk;
                RETURN NULL;
            END $$;
            CREATE TRIGGER call_record_traffic_hour AFTER INSERT ON call_record
                FOR EACH ROW EXECUTE FUNCTION call_record_traffic_hour()"""},
        ],
    ),
    (
        5,
        "received faxes",
        ["""CREATE TABLE fax (
                id INTEGER NOT NULL PRIMARY KEY,
                callid VARCHAR(255) NOT NULL,
                received_at REAL NOT NULL,
                from_number VARCHAR(255),
                remote_station VARCHAR(255),
                to_number VARCHAR(255),
                pages INTEGER NOT NULL,
                status VARCHAR(16) NOT NULL,
                error VARCHAR(255),
                detected INTEGER NOT NULL,
                path VARCHAR(255))""",
         "CREATE INDEX fax_received ON fax (received_at)"],
    ),
    (
        6,
        "hourly queue and survey rollups, kept up by triggers and never pruned; a queue call keeps its "
        "queue's service level at the time",
        ["ALTER TABLE queue_call ADD COLUMN service_level INTEGER",
         *_queue_rollups()],
    ),
    (
        7,
        "hourly rollups of the per extension, per trunk and trunk occupancy reports, never pruned",
        _leg_rollups(),
    ),
    (
        8,
        "hourly rollups of the agents report's log-ins, pauses and missed calls, never pruned",
        _agent_rollups(),
    ),
    (
        9,
        "each answered queue call's wrap-up, and its hourly rollup",
        _queue_wrapups(),
    ),
    (
        10,
        "a daily rollup of the survey report, in the box's time zone, kept by triggers on the hourly one",
        _survey_days(),
    ),
    (
        11,
        "a daily rollup of each agent's queue calls, talk, wrap-up and scores, in the box's time zone, kept by triggers "
        "on the hourly one",
        _agent_days(),
    ),
    (
        12,
        "a daily rollup of the traffic report, in the box's time zone, kept by triggers on the hourly one",
        _traffic_days(),
    ),
]


class ReportsModel(Model):
    class Meta:
        database = reports_db
        legacy_table_names = False


class IngestPosition(ReportsModel):
    source = CharField(primary_key=True)
    inode = IntegerField()
    offset = IntegerField()


class QueueEvent(ReportsModel):
    id = AutoField()
    time = FloatField()
    callid = CharField()
    queue = CharField()
    agent = CharField()
    event = CharField()
    data = TextField()


class QueueCall(ReportsModel):
    """One caller's visit to a queue, from joining to the end."""

    callid = CharField(primary_key=True)
    queue = CharField()
    caller = CharField(null=True)  # the number as Asterisk had it
    caller_key = CharField(null=True)  # the same, normalised: matches however it is written
    entered_at = FloatField()
    position = IntegerField(null=True)
    agent = CharField(null=True)  # the extension that answered
    connected_at = FloatField(null=True)
    wait = FloatField(null=True)
    talk = FloatField(null=True)
    ended_at = FloatField(null=True)
    #: waiting | answered | abandoned | timed_out | overflowed | called_back
    outcome = CharField()
    ring_attempts = IntegerField()
    memory = IntegerField()  # answered by the caller's previous agent, rung first
    survey = IntegerField(null=True)
    recording = CharField(null=True)
    callback_of = CharField(null=True)  # the call whose caller asked to be called back
    service_level = IntegerField(null=True)  # the queue's when the call came (its hourly rollup counts with it)
    wrapup = FloatField(null=True)  # after-call work of an answered call, once it ended (see ingest.py)


class CallNote(ReportsModel):
    callid = CharField(primary_key=True)
    notes = TextField()
    author = CharField()
    updated_at = FloatField()


class Callback(ReportsModel):
    """A caller who chose to be called back instead of waiting."""

    id = AutoField()
    queue = CharField()
    number = CharField()
    callid = CharField(unique=True)  # the call that left the queue
    position = IntegerField()
    requested_at = FloatField()
    placed = IntegerField()  # times its placeholder was put in the queue


class Recording(ReportsModel):
    callid = CharField(primary_key=True)
    path = CharField()
    started_at = FloatField()
    caller = CharField(null=True)
    callee = CharField(null=True)
    queue = CharField(null=True)
    on_demand = IntegerField()


class Fax(ReportsModel):
    """A fax received (appliance/fax): its PDF under `path` when any page arrived."""

    id = AutoField()
    callid = CharField()
    received_at = FloatField()
    from_number = CharField(null=True)
    remote_station = CharField(null=True)  # the sender's station id (T.30 TSI)
    to_number = CharField(null=True)  # the DID it was sent to
    pages = IntegerField()
    status = CharField()  # received | partial | failed
    error = CharField(null=True)
    detected = IntegerField()  # 1: a voice route heard the fax tone and passed it on
    path = CharField(null=True)


class CelEvent(ReportsModel):
    """A channel event as received; `open` until its call's record is written."""

    id = AutoField()
    linkedid = CharField()
    data = TextField()  # JSON (appliance/reports/calls.event_of)
    open = IntegerField()


class CallRecord(ReportsModel):
    """One call, from the first ring to the last hang-up (appliance/reports/calls.build)."""

    id = CharField(primary_key=True)  # the oldest linkedid of the call
    started = FloatField()
    answered = FloatField(null=True)
    ended = FloatField()
    direction = CharField()  # inbound | outbound | internal
    from_number = CharField(null=True)
    from_key = CharField(null=True)  # normalised: matches however the number is written
    from_name = CharField(null=True)
    to_number = CharField(null=True)
    to_key = CharField(null=True)
    did = CharField(null=True)
    trunk = IntegerField(null=True)
    queue = CharField(null=True)  # the first queue on its path
    path = TextField()  # JSON [{kind, target}]
    answered_by = CharField(null=True)
    wait = FloatField()
    talk = FloatField()
    hold = FloatField()
    transfers = TextField()  # JSON [{from, to, kind}]
    outcome = CharField()


class CallLeg(ReportsModel):
    """One channel of a call."""

    uniqueid = CharField(primary_key=True)
    call_id = CharField()
    channel = CharField()
    kind = CharField()  # phone | trunk | other
    party = CharField(null=True)  # the extension, or the trunk's id
    started = FloatField()
    answered = FloatField(null=True)
    ended = FloatField(null=True)
    cause = IntegerField(null=True)
    dialstatus = CharField(null=True)


class CallParty(ReportsModel):
    """An extension that took part in a call: the extension filter, and what an agent may see."""

    extension = CharField()
    call_id = CharField()
    started = FloatField()

    class Meta:
        primary_key = CompositeKey("extension", "call_id")


REPORT_MODELS = [IngestPosition, QueueEvent, QueueCall, CallNote, Callback, Recording, Fax, CelEvent, CallRecord,
                 CallLeg, CallParty]


def for_postgresql(sql: str | dict) -> str:
    """A migration's statement as PostgreSQL takes it. The schema is written once, in SQLite's
    words; the few that differ are mapped here: REAL is single precision there (a timestamp
    would lose minutes), INTEGER is 32 bits (inodes and file offsets are not), an integer
    primary key does not number itself, and OFFSET is a reserved word."""
    if isinstance(sql, dict):
        return sql["postgresql"]
    sql = re.sub(r"\bREAL\b", "DOUBLE PRECISION", sql)
    sql = re.sub(r"\bid INTEGER NOT NULL PRIMARY KEY", "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", sql)
    sql = re.sub(r"\bINTEGER\b", "BIGINT", sql)
    sql = re.sub(r"^(\s*)offset ", r'\1"offset" ', sql, flags=re.M)
    return sql.replace(" WITHOUT ROWID", "")


def migrations_for(database) -> list:
    postgres = isinstance(database, PooledPostgresqlDatabase)
    mapped = [[for_postgresql(sql) if postgres else (sql["sqlite"] if isinstance(sql, dict) else sql)
               for sql in statements] for _number, _description, statements in MIGRATIONS]
    # None: a statement this database does without
    return [(number, description, [sql for sql in statements if sql is not None])
            for (number, description, _), statements in zip(MIGRATIONS, mapped)]


def reports_ready() -> bool:
    """Whether the reports store is set up (it is not in a box that failed to start it)."""
    return reports_db.obj is not None


def open_reports(where: Path | str):
    """Open the reports store: a SQLite file at a path, or a postgresql://user:password@host:port/name
    address; bring its schema up to date."""
    previous = reports_db.obj
    if isinstance(previous, PooledPostgresqlDatabase):
        previous.close_all()
    elif previous is not None and not previous.is_closed():
        previous.close()
    if isinstance(where, str) and where.startswith("postgresql://"):
        url = urlsplit(where)
        # Pooled: the web layer opens the store for every request.
        database = PooledPostgresqlDatabase(url.path.lstrip("/"), user=unquote(url.username or "") or None,
                                            password=unquote(url.password or "") or None, host=url.hostname,
                                            port=url.port, max_connections=32, stale_timeout=300)
    else:
        path = Path(where)
        path.parent.mkdir(parents=True, exist_ok=True)
        database = SqliteDatabase(str(path), pragmas={"journal_mode": "wal", "synchronous": "normal",
                                                      "foreign_keys": 1, "busy_timeout": 5000},
                                  check_same_thread=False)
    reports_db.initialize(database)
    with reports_db.connection_context():
        migrate(database, migrations_for(database))
    if isinstance(database, SqliteDatabase):
        Path(where).chmod(0o600)
    return reports_db


def upsert(model, **row) -> None:
    """Insert a row, or overwrite the one with its key (SQLite's INSERT OR REPLACE, in words
    PostgreSQL takes too)."""
    key = model._meta.primary_key
    model.insert(**row).on_conflict(conflict_target=[key],
                                    preserve=[model._meta.fields[n] for n in row if n != key.name]).execute()


def fill_wrapups(settings: dict[str, int]) -> int:
    """Once, after migration 9: the answered queue calls stored before it get their wrap-up, each
    from its queue's setting (`settings`: queue number to seconds), cut short by the agent's next
    call, as the ingester gives it to each call from then on. The rollups follow by the trigger."""
    with reports_write_lock, reports_db.atomic():
        if execute("SELECT 1 FROM rollup_horizon WHERE name = 'queue_call_wrapup'").fetchone():
            return 0
        least, greatest = ("LEAST", "GREATEST") if postgresql() else ("MIN", "MAX")
        setting = ("CASE queue " + "WHEN ? THEN ? " * len(settings) + "ELSE 0 END") if settings else "0"
        following = ("(SELECT MIN(N.connected_at) FROM queue_call N WHERE N.agent = queue_call.agent "
                     "AND N.outcome = 'answered' AND N.connected_at > queue_call.connected_at)")
        done = execute(
            f"""UPDATE queue_call SET wrapup = CASE WHEN {following} IS NULL THEN {setting}
                    ELSE {greatest}(0, {least}({setting}, {following} - ended_at)) END
                WHERE wrapup IS NULL AND outcome = 'answered' AND agent IS NOT NULL AND ended_at IS NOT NULL""",
            [v for q, w in settings.items() for v in (q, float(w))] * 2).rowcount
        execute("INSERT INTO rollup_horizon (name, hour) VALUES ('queue_call_wrapup', 0)")
        return done


def execute(sql: str, params=()):
    """A statement written with ? placeholders, on whichever database the store is."""
    return reports_db.execute_sql(sql.replace("?", reports_db.param), params)


def postgresql() -> bool:
    """Whether the store is PostgreSQL (for the few statements written in each one's words)."""
    return isinstance(reports_db.obj, PooledPostgresqlDatabase)


def whole_sum(column: str) -> str:
    """SQL: the sum of a column of whole numbers, as one (PostgreSQL's SUM of a BIGINT is a NUMERIC)."""
    return f"CAST(SUM({column}) AS BIGINT)"


def execute_many(sql: str, rows) -> None:
    """One prepared statement for many rows (building each INSERT through the ORM costs more
    than the database's own work)."""
    reports_db.cursor().executemany(sql.replace("?", reports_db.param), rows)
