"""Callbacks: a caller who pressed 1 hangs up and keeps their place.

A placeholder (a Local channel) takes the caller's place in the queue at the
position they left; when an agent answers it, its other half calls the
caller back. Requests are stored, so a placeholder lost to an Asterisk
restart is put back.
"""

from __future__ import annotations

import logging
import time

from ..ami import AMIError
from ..log import kv
from ..reports.db import Callback, QueueCall

log = logging.getLogger(__name__)
KEEP_SECONDS = 4 * 3600  # a callback nobody answered for this long is dropped


class Callbacks:
    def __init__(self, ami, live, publish=None):
        self.ami = ami
        self.live = live
        self.publish = publish or (lambda topic, **data: None)

    def refused(self, queue: str, permission_class: str, number: str, reason: str) -> None:
        """A callback the queue may not place (a forged or foreign number): nothing is dialled;
        logged and told to the pages like the dial plan's own refusals."""
        log.warning("callback refused", extra=kv(queue=queue, number=number, permission_class=permission_class,
                                                 reason=reason))
        self.publish("call_refused", by=f"queue-{queue}", permission_class=permission_class, number=number,
                     reason=reason)

    def request(self, queue: str, number: str, callid: str, position: int) -> Callback:
        cb, _ = Callback.get_or_create(callid=callid, defaults={
            "queue": queue, "number": number, "position": max(position, 1), "requested_at": time.time(),
            "placed": 0})
        self.place(cb)
        return cb

    def place(self, cb: Callback) -> None:
        variables = {
            "__CALLBOX_CALLBACK_QUEUE": cb.queue,
            "__CALLBOX_CALLBACK_POSITION": cb.position,
            "__CALLBOX_CALLBACK_NUMBER": cb.number,
            "__CALLBOX_CALLBACK_OF": cb.callid,
        }
        try:
            self.ami.action("Originate", [("Channel", "Local/wait@callbox-callback/n"),
                                          ("Context", "callbox-callback"), ("Exten", "call"), ("Priority", 1),
                                          ("CallerID", f"Callback <{cb.number}>"), ("Async", "true"),
                                          ("Timeout", KEEP_SECONDS * 1000)]
                            + [("Variable", f"{k}={v}") for k, v in variables.items()])
        except AMIError as exc:
            log.error("callback not placed", extra=kv(callid=cb.callid, error=str(exc)))
            return
        Callback.update(placed=Callback.placed + 1).where(Callback.id == cb.id).execute()
        log.info("callback placed", extra=kv(queue=cb.queue, number=cb.number, position=cb.position))

    def resume(self) -> int:
        """After Asterisk (re)starts: put back the placeholders of callbacks still owed."""
        resumed = 0
        cutoff = time.time() - KEEP_SECONDS
        for cb in Callback.select().where(Callback.requested_at > cutoff):
            served = QueueCall.select().where(QueueCall.callback_of == cb.callid,
                                              QueueCall.outcome == "answered").exists()
            waiting = any(c["number"] == cb.number for c in self.live.queue_live(cb.queue)["callers"])
            if not served and not waiting:
                self.place(cb)
                resumed += 1
        return resumed
