"""POST /webcall: a website visitor asks to be called back.

Checked in this order, each refusal clear and changing nothing: web callbacks on; the page's
origin on the allow list; the address within its requests a minute (every request counts, good
or bad); the proof of work; the number's form; the number within the permission class web
callbacks are checked against and the queue's own callback class (the dial plan checks the
latter again when it dials); the number within its callbacks an hour. Then the callback is
queued like a caller's who pressed 1 (appliance/callcenter/callbacks.py), at the queue's end.

What the visitor learns: their position and a wait estimate. Nothing else of the box: not its
queues' names, nor why a number is not accepted beyond "not one we call back".
"""

from __future__ import annotations

import logging
import math
import secrets
import time

from peewee import fn

from ..db.models import Queue
from ..errors import BoxError, Forbidden, Invalid, NotFound
from ..fields import Name, Number, PhoneNumber, StrictSchema, validate
from ..log import kv
from ..permissions import service as permissions
from ..reports.db import QueueCall
from .limits import WindowLimiter
from .proof import Proofs

log = logging.getLogger(__name__)
PER_CALLER_SECONDS = 180  # a caller's share of an agent's time when the queue has no history yet
HISTORY_DAYS = 7


class RequestSchema(StrictSchema):
    number = PhoneNumber(required=True)
    queue = Number()
    topic = Name(max_length=40)


class TooMany(BoxError):
    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(f"{message}; try again in {retry_after} s")
        self.headers = {"Retry-After": str(retry_after)}


class WebCallbacks:
    def __init__(self, on_abuse=lambda address, reason: None):
        # A request no visitor's browser makes (a bad proof) or one past the address's limit:
        # told to the ban engine, which bans an address that keeps at it.
        self.on_abuse = on_abuse
        self.addresses = WindowLimiter(60)
        self.numbers = WindowLimiter(3600)
        self.proofs = Proofs()

    def restart_limits(self) -> None:
        """New limits count from now."""
        self.addresses.reset()
        self.numbers.reset()

    def request(self, settings: dict, origin: str | None, address: str, proof: str | None, data,
                callcenter) -> dict:
        if not settings["enabled"]:
            raise NotFound("web callbacks are off")
        if origin not in settings["origins"]:
            raise Forbidden("origin: this website may not ask for callbacks here")
        wait = self.addresses.take(address or "", settings["per_address"])
        if wait is not None:
            self.on_abuse(address, "webcall over the address limit")
            raise TooMany("too many requests from your address", wait)
        reason = self.proofs.check(proof or "")
        if reason is not None:
            self.on_abuse(address, "webcall without a good proof of work")
            raise Forbidden(f"proof: {reason}")
        values = validate(RequestSchema(), data)
        queue = self._queue(settings, values)
        number = values["number"]
        q = Queue.get(Queue.number == queue)
        refused = permissions.check(settings["permission_class"], number) or permissions.check(q.callback_class,
                                                                                                  number)
        if refused is not None:
            log.info("web callback refused", extra=kv(number=number, queue=queue, reason=refused))
            raise Invalid("number: not a number we can call back (local and national numbers only, "
                          "written as you would dial them here)", "number")
        wait = self.numbers.take(number, settings["per_number"])
        if wait is not None:
            raise TooMany("this number has asked for callbacks too often", wait)
        live = callcenter.live.queue_live(queue)
        position = len(live["callers"]) + 1
        callcenter.callbacks.request(queue, number, f"web-{secrets.token_hex(8)}", position)
        log.info("web callback queued", extra=kv(number=number, queue=queue, position=position, origin=origin))
        return {"position": position, "estimated_wait": estimate(queue, position, live["agents"])}

    @staticmethod
    def _queue(settings: dict, values: dict) -> str:
        if "topic" in values:
            found = next((t for t in settings["topics"] if t["name"] == values["topic"]), None)
            if found is None:
                raise Invalid("topic: not one of the topics offered", "topic")
            if values.get("queue", found["queue"]) != found["queue"]:
                raise Invalid("queue: the topic chosen is served by another queue", "queue")
            return found["queue"]
        if "queue" in values:
            if values["queue"] not in settings["queues"]:
                raise Invalid("queue: not a queue offered for callbacks", "queue")
            return values["queue"]
        return settings["queues"][0]


def estimate(queue: str, position: int, agents: list[dict]) -> int:
    """Seconds until the callback is served: the callers ahead and this one, each taking the
    queue's recent average talk time, shared among the agents taking calls."""
    since = time.time() - HISTORY_DAYS * 86400
    talk = (QueueCall.select(fn.AVG(QueueCall.talk))
            .where(QueueCall.queue == queue, QueueCall.outcome == "answered", QueueCall.entered_at >= since)
            .scalar())
    working = sum(1 for a in agents if a["state"] not in ("logged_out", "paused"))
    per_caller = talk or PER_CALLER_SECONDS
    return int(math.ceil((position - 1) * per_caller / max(working, 1)))
