"""The campaign runner: places the calls of running campaigns and follows them to their end.

One thread owns every call in progress. AMI events (OriginateResponse, Hangup, the survey's
UserEvents) are queued by the AMI reader and handled here in order, so an attempt is known
before its response is read. Each round it asks decisions.py what may happen: the hour (in the
box's time zone), the pace (calls at once, calls a minute), whether a number may be called
(blacklist, customers' opt-out, the campaign's permission class) and whether a busy or
unanswered number is tried again. Every number is called until it has a final outcome, never
twice at once, never again after that.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from .. import box_settings
from ..customers import service as customers
from ..db import db, write_lock
from ..db.journal import utcnow
from ..db.models import BlacklistEntry, Campaign, CampaignNumber, Customer, CustomerNumber, Extension
from ..log import kv
from ..permissions import service as permissions
from ..pbx.render.surveys import EVENT
from . import answers, decisions
from .dialer import channel_id
from .service import questions_of

log = logging.getLogger(__name__)
TICK = 1.0  # seconds between rounds when nothing happens
#: A call that never reported its end (Asterisk restarted under it) is given up after its ring
#: time and this long; the number is then tried again as if nobody had answered.
LOST_AFTER = 3600
#: How long an unclear OriginateResponse waits for its channel's Hangup (it follows at once where
#: a channel was made: a phone or trunk that answered 486 hangs up with cause 17).
CAUSE_WAIT = 2.0


def _wall(t: float) -> dt.datetime:
    """UTC, naive, as the database keeps times."""
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).replace(tzinfo=None)


@dataclass
class Attempt:
    entry_id: int
    campaign_id: int
    survey_id: int
    questions: int
    started: float
    ring_seconds: int
    action_id: str | None = None
    answered: bool = False
    asking: int | None = None  # the question the caller hears now
    cause: str | None = None  # the Hangup cause of its channel, once seen
    unanswered: tuple[str, float] | None = None  # an unclear Reason, and when: waiting for the cause


@dataclass
class _Pace:
    started: list[float] = field(default_factory=list)


class CampaignRunner:
    def __init__(self, dialer, now: Callable[[], float] = time.time):
        self.dialer = dialer
        self.now = now
        self.events: queue.Queue = queue.Queue()
        self.calls: dict[str, Attempt] = {}
        self.pace: dict[int, _Pace] = {}
        self.placed = 0

    # --- AMI reader thread: only queue what concerns the campaigns or the surveys.
    def on_event(self, ev) -> None:
        if ev.name in ("OriginateResponse", "FullyBooted") \
                or (ev.name == "Hangup" and ev.get("Uniqueid", "") in self.calls) \
                or (ev.name == "UserEvent" and ev.get("UserEvent") == EVENT):
            self.events.put(ev)

    # --- the runner's thread
    def run(self, stop: threading.Event) -> None:
        with db.connection_context():
            self.recover()
            while not stop.is_set():
                try:
                    ev = self.events.get(timeout=TICK)
                except queue.Empty:
                    ev = None
                try:
                    if ev is not None:
                        self.handle(ev)
                    self.tick()
                except Exception:  # noqa: BLE001 - the next round tries again
                    log.exception("campaign round failed")

    def recover(self) -> None:
        """After a restart no call of ours is in progress: one marked calling counts as not
        answered, and is due again only while it has tries left (never one more than that)."""
        with write_lock, db.atomic():
            for entry in (CampaignNumber.select(CampaignNumber, Campaign).join(Campaign)
                          .where(CampaignNumber.state == "calling")):
                again = decisions.after_attempt(decisions.NO_ANSWER, entry.attempts, entry.campaign.retries)
                entry.state, entry.outcome = ("pending" if again else "done"), decisions.NO_ANSWER
                entry.next_try, entry.updated_at = None, utcnow()
                entry.save()

    def handle(self, ev) -> None:
        if ev.name == "UserEvent":
            self._survey_event(ev)
        elif ev.name == "OriginateResponse":
            self._response(ev)
        elif ev.name == "Hangup":
            attempt = self.calls.get(ev.get("Uniqueid", ""))
            if attempt is not None and attempt.answered:
                self._finish(ev.get("Uniqueid"), decisions.answered(answers.answered_in_call(ev.get("Uniqueid")),
                                                                    attempt.questions))
            elif attempt is not None:
                attempt.cause = ev.get("Cause", "")
                if attempt.unanswered is not None:
                    self._finish(ev.get("Uniqueid"), decisions.unanswered(attempt.unanswered[0], attempt.cause))
        elif ev.name == "FullyBooted":
            # Asterisk (re)started: the calls it had are gone.
            for call_id, attempt in list(self.calls.items()):
                self._finish(call_id, decisions.answered(answers.answered_in_call(call_id), attempt.questions)
                             if attempt.answered else decisions.NO_ANSWER)

    def _survey_event(self, ev) -> None:
        attempt = self.calls.get(ev.get("Uniqueid", ""))
        if ev.get("Step") == "answer":
            answers.record(ev)
        elif ev.get("Step") == "ask" and attempt is not None:
            question = ev.get("Question", "")
            attempt.asking = int(question) if question.isascii() and question.isdigit() and len(question) < 4 else None

    def live(self) -> dict[int, dict]:
        """The calls in progress by number entry: answered yet, the question being asked."""
        return {a.entry_id: {"answered": a.answered, "asking": a.asking} for a in list(self.calls.values())}

    def _response(self, ev) -> None:
        call_id = ev.get("Uniqueid", "")
        if call_id not in self.calls:
            action = ev.get("ActionID")
            call_id = next((c for c, a in self.calls.items() if action and a.action_id == action), "")
        attempt = self.calls.get(call_id)
        if attempt is None:
            return
        reason = ev.get("Reason", "")
        if ev.get("Response") == "Success":
            attempt.answered = True
        elif reason in decisions.UNCLEAR_REASONS and attempt.cause is None:
            attempt.unanswered = (reason, self.now())  # the channel's Hangup follows with its cause
        else:
            self._finish(call_id, decisions.unanswered(reason, attempt.cause))

    def _finish(self, call_id: str, outcome: str) -> None:
        attempt = self.calls.pop(call_id)
        with write_lock, db.atomic():
            entry = CampaignNumber.get_or_none(CampaignNumber.id == attempt.entry_id)
            if entry is None:  # the campaign was deleted meanwhile
                return
            c = entry.campaign
            if decisions.after_attempt(outcome, entry.attempts, c.retries):
                entry.state, entry.outcome = "pending", outcome
                entry.next_try = _wall(self.now()) + dt.timedelta(minutes=c.retry_minutes)
            else:
                entry.state, entry.outcome, entry.next_try = "done", outcome, None
            entry.updated_at = utcnow()
            entry.save()
        log.info("campaign call ended", extra=kv(campaign=attempt.campaign_id, number=entry.number, outcome=outcome,
                                                 attempts=entry.attempts, again=entry.state == "pending"))

    def tick(self) -> None:
        now = self.now()
        for call_id, attempt in list(self.calls.items()):
            if attempt.unanswered is not None and now - attempt.unanswered[1] > CAUSE_WAIT:
                self._finish(call_id, decisions.unanswered(attempt.unanswered[0]))  # no channel was made
            elif now - attempt.started > attempt.ring_seconds + LOST_AFTER:
                self._finish(call_id, decisions.NO_ANSWER)
        running = list(Campaign.select().where(Campaign.status == "running").order_by(Campaign.id))
        if not running:
            return
        settings = box_settings.load()
        local = dt.datetime.fromtimestamp(now, box_settings.zone(settings.timezone))
        for c in running:
            self._campaign(c, now, local)

    def _campaign(self, c: Campaign, now: float, local: dt.datetime) -> None:
        active = sum(1 for a in self.calls.values() if a.campaign_id == c.id)
        due = (CampaignNumber.select().where(CampaignNumber.campaign == c, CampaignNumber.state == "pending")
               .order_by(CampaignNumber.position))
        if active == 0 and not due.exists():
            with write_lock:
                Campaign.update(status="finished", updated_at=utcnow()) \
                    .where(Campaign.id == c.id, Campaign.status == "running").execute()
            log.info("campaign finished", extra=kv(campaign=c.id))
            return
        if not decisions.within_hours(local, c.hours_from, c.hours_to):
            return
        pace = self.pace.setdefault(c.id, _Pace())
        pace.started = [t for t in pace.started if now - t < 60]
        slots = decisions.free_slots(c.calls_at_once, c.calls_per_minute, active, pace.started, now)
        if slots <= 0:
            return
        questions = len(questions_of(c.survey))
        wall = _wall(now)
        for entry in due.where((CampaignNumber.next_try.is_null()) | (CampaignNumber.next_try <= wall)):
            if slots <= 0:
                break
            skip = decisions.screen(*self._screening(entry.number, c.permission_class))
            if skip is not None:
                with write_lock:
                    entry.state, entry.outcome, entry.updated_at = "done", skip, utcnow()
                    entry.save()
                log.info("campaign number skipped", extra=kv(campaign=c.id, number=entry.number, why=skip))
                continue
            self._place(c, entry, questions, now)
            pace.started.append(now)
            slots -= 1

    def _screening(self, number: str, permission_class: str) -> tuple[bool, bool, str | None]:
        """(on the blacklist, a customer who opted out, the permission class's refusal)."""
        keys = customers.alike(number) or [number]  # 13800138000 is +8613800138000 on the blacklist
        blacklisted = BlacklistEntry.select().where(BlacklistEntry.number.in_(keys)).exists()
        opted_out = (CustomerNumber.select().join(Customer)
                     .where(CustomerNumber.number.in_(keys), Customer.sms_opt_out == True).exists())  # noqa: E712
        refusal = None
        if not Extension.select().where(Extension.number == number).exists():
            refusal = permissions.check(permission_class, number)
        return blacklisted, opted_out, refusal

    def _place(self, c: Campaign, entry: CampaignNumber, questions: int, now: float) -> None:
        with write_lock:
            entry.attempts += 1
            entry.state, entry.updated_at = "calling", utcnow()
            call_id = channel_id(entry.id, entry.attempts)
            entry.call_id = call_id
            entry.save()
        attempt = Attempt(entry.id, c.id, c.survey_id, questions, now, c.ring_seconds)
        self.calls[call_id] = attempt
        try:
            attempt.action_id = self.dialer.call(call_id=call_id, number=entry.number, survey_id=c.survey_id,
                                                 campaign_id=c.id, entry_id=entry.id,
                                                 permission_class=c.permission_class, ring_seconds=c.ring_seconds)
        except Exception as exc:  # noqa: BLE001 - Asterisk away or refusing: the number waits for the next round
            log.warning("campaign call not placed", extra=kv(campaign=c.id, number=entry.number, error=str(exc)))
            self.calls.pop(call_id, None)
            with write_lock:
                entry.attempts -= 1
                entry.state, entry.updated_at = "pending", utcnow()
                entry.save()
            return
        self.placed += 1
