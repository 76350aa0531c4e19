"""The reports manager: the reports database, and reading queue_log as Asterisk writes it."""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit

from .. import box_settings
from ..db import db
from ..supervisor import Manager
from . import retention, stats, survey_days
from .db import fill_wrapups, open_reports, reports_db
from .ingest import QueueLogReader
from .recorder import CallRecorder

log = logging.getLogger(__name__)
POLL = 0.25
PRUNE_EVERY = 3600.0  # seconds between two retention passes (the first one a minute after start)


def caller_keys():
    """caller_key for many numbers: the box's numbering read once (the call recorder asks for it
    once a batch; reading the settings for each number cost more than the rest of a record)."""
    from ..customers.service import normalizer

    normalize = normalizer()
    return lambda number: normalize(number) or number


def dahdi_lines() -> dict[str, tuple[str, str]]:
    """What the box's DAHDI lines are, keyed as calls.party reads chan_dahdi's channel names: an
    analog phone's port is its extension's, a line's port and an E1 span's channels (and the span's
    PRI calls, "i<span>") their trunk's."""
    from peewee import JOIN

    from ..db.models import DahdiPort, DahdiSpan, Extension
    from ..pbx.render.dahdi import e1_channels

    lines = {}
    for span in DahdiSpan.select().where(DahdiSpan.trunk.is_null(False)):
        trunk = ("trunk", str(span.trunk_id))
        if span.signalling.startswith("pri"):
            lines[f"i{span.dahdi_span}"] = trunk
        lines.update(dict.fromkeys(map(str, e1_channels(span.first_channel)[0]), trunk))
    for port in DahdiPort.select(DahdiPort, Extension).join(Extension, JOIN.LEFT_OUTER):
        if port.kind == "fxs" and port.extension_id is not None:
            lines[str(port.channel)] = ("phone", port.extension.number)
        elif port.kind == "fxo" and port.trunk_id is not None:
            lines[str(port.channel)] = ("trunk", str(port.trunk_id))
    return lines


def caller_key(number: str) -> str:
    """A caller's number as the call history keys it: normalised with this box's numbering."""
    return caller_keys()(number)


def service_level(queue: str) -> int | None:
    """A queue's service level as it is set up now (None: a queue the box no longer has)."""
    from ..db.models import Queue

    found = Queue.get_or_none(Queue.number == queue)
    return found.service_level if found else None


def wrapup(queue: str) -> int | None:
    """A queue's wrap-up seconds as it is set up now (None: a queue the box no longer has)."""
    from ..db.models import Queue

    found = Queue.get_or_none(Queue.number == queue)
    return found.wrapup if found else None


def wrapups() -> dict[str, int]:
    from ..db.models import Queue

    return {q.number: q.wrapup for q in Queue.select(Queue.number, Queue.wrapup)}


def prune(now: float | None = None) -> dict:
    """One retention pass with the box's settings."""
    s = box_settings.load()
    return retention.prune(s.call_event_retention_days, s.call_record_retention_months, now)


class ReportsManager(Manager):
    name = "reports"
    needs = ("settings", "database")

    def load(self) -> None:
        paths = self.box.runtime.paths
        open_reports(self.box.runtime.reports_db or paths.data / "reports.db")
        self.reader = QueueLogReader(paths.asterisk_log / "queue_log", key=caller_key, level=service_level,
                                     wrapup=wrapup)
        fill_wrapups(wrapups())
        try:
            with reports_db.connection_context(), db.connection_context():
                self._sync_days()
        except Exception:  # noqa: BLE001 - the survey report reads the hours meanwhile
            log.exception("making the survey days in the box's time zone failed")
        self._stop = threading.Event()
        self.ingested_at = None
        # Call records come over the telephony's AMI connection, when there is one.
        pbx = getattr(self.box, "pbx", None)
        self.recorder = None
        if pbx is not None and not pbx.error and getattr(pbx, "ami", None) is not None:
            self.recorder = CallRecorder(pbx.ami, keys=caller_keys, published=self._recorded, alert=self._alert,
                                         lines=dahdi_lines)
            pbx.ami.subscribe(self.recorder.on_event)
            pbx.ami.subscribe_connect(self.recorder.on_connect)

    def start(self) -> None:
        self._threads = [threading.Thread(target=self._run, name="reports", daemon=True),
                         threading.Thread(target=self._prune, name="reports-retention", daemon=True)]
        if self.recorder is not None:
            self._threads.append(threading.Thread(target=self._record, name="call-records", daemon=True))
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=5)
        reports_db.close()

    def _record(self) -> None:
        with reports_db.connection_context(), db.connection_context():
            while not self._stop.is_set():
                try:
                    self.recorder.load()
                    self.recorder.run(self._stop)
                except Exception:  # noqa: BLE001 - started again from what is stored
                    log.exception("call records failed")
                    self._stop.wait(1.0)

    def _prune(self) -> None:
        wait = 60.0
        while not self._stop.wait(wait):
            wait = PRUNE_EVERY
            try:
                with reports_db.connection_context(), db.connection_context():
                    prune()
                    self._sync_days()
            except Exception:  # noqa: BLE001 - tried again at the next pass
                log.exception("pruning the reports store failed")

    def _sync_days(self) -> None:
        """The survey report's daily rollup in the box's time zone (made again after the zone or
        its clock changed; the report reads the hours until then)."""
        if survey_days.sync(box_settings.zone(box_settings.load().timezone)):
            log.info("survey days made again in the box's time zone")

    def _alert(self, active: bool, message: str | None) -> None:
        """The dashboard says when call records stop being stored (a full disk), and when they resume."""
        self.box.events.publish("alert", kind="call_records", active=active, message=message,
                                waiting=len(self.recorder.pending))

    def _recorded(self, record: dict) -> None:
        self.box.events.publish("call_recorded", id=record["id"], outcome=record["outcome"],
                                direction=record["direction"])

    def _run(self) -> None:
        with reports_db.connection_context(), db.connection_context():
            while not self._stop.wait(POLL):
                try:
                    touched = self.reader.poll()
                except Exception:  # noqa: BLE001 - retried at the next poll
                    log.exception("reading queue_log failed")
                    continue
                for queue in sorted(touched):
                    self.box.events.publish("queue_stats", queue=queue, **self.queue_day(queue))

    def queue_day(self, queue: str) -> dict:
        settings = box_settings.load()
        level = service_level(queue)
        return stats.queue_day(queue, stats.day_start(settings.timezone), 20 if level is None else level)

    def health(self) -> dict:
        r = self.recorder
        where = self.box.runtime.reports_db
        if where:  # the address without its password
            url = urlsplit(where)
            where = f"postgresql://{url.hostname}:{url.port or 5432}{url.path}"
        return {"reports": {"database": where or str(self.box.runtime.paths.data / "reports.db"),
                            "call_records": None if r is None else {"recorded": r.recorded, "error": r.error,
                                                                    "open": len(r.calls.live),
                                                                    "waiting": len(r.pending)}}}
