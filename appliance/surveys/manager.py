"""The surveys manager: the campaign runner's thread (runner.py), fed by the box's AMI events;
it also keeps the answers of surveys asked after queue calls."""

from __future__ import annotations

import threading

from ..supervisor import Manager
from .dialer import AmiDialer
from .runner import CampaignRunner


class SurveysManager(Manager):
    name = "surveys"
    needs = ("database", "pbx")

    def load(self) -> None:
        self.runner = CampaignRunner(AmiDialer(self.box.pbx.ami))
        self._unsubscribe = self.box.pbx.ami.subscribe(self.runner.on_event)
        self._stop = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.runner.run, args=(self._stop,), name="campaigns", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def health(self) -> dict:
        return {"surveys": {"calls": len(self.runner.calls), "placed": self.runner.placed}}
