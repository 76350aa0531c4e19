"""More pjsua2 phones than one process can hold: worker processes (tests/phone_worker.py) of
up to PER_WORKER phones each, driven from the test as if they were local phones.

A phone's calls record what they hear to WAV files the test reads with tests/audio.Listener,
as it does for local phones; call states come from the workers when the farm is asked.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pjsua2 as pj

from .audio import Listener

REPO = Path(__file__).resolve().parent.parent
PER_WORKER = 4  # this pjsua2 build holds 4 calls (and 8 transports, 8 accounts) per process


class Worker:
    def __init__(self, bind_ip: str, workdir: Path, index: int, netns: str | None = None):
        workdir.mkdir(parents=True, exist_ok=True)
        self.log = open(workdir / f"worker-{index}.log", "w")
        within = ["ip", "netns", "exec", netns] if netns else []  # phones in a namespace of the test's
        self.proc = subprocess.Popen([*within, sys.executable, "-m", "tests.phone_worker", bind_ip, str(workdir)],
                                     cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                     text=True, bufsize=1)
        self.count = 0

    def ask(self, **cmd) -> dict:
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"phone worker died (see {self.log.name})")
        answer = json.loads(line)
        if not answer.get("ok", True):
            raise AssertionError(f"phone worker refused {cmd}: {answer.get('error')}")
        return answer

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.ask(op="quit")
                self.proc.wait(timeout=10)
            except (AssertionError, OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class FarmCall:
    def __init__(self, phone: "FarmPhone", index: int, recording: str):
        self.phone = phone
        self.index = index
        self.listener = Listener(Path(recording))

    def _ask(self, op: str, **kw) -> dict:
        return self.phone.worker.ask(op=op, phone=self.phone.number, call=self.index, **kw)

    @property
    def status(self) -> dict:
        return self.phone.farm.phone_status(self.phone.number)["calls"][self.index]

    @property
    def connected(self) -> bool:
        s = self.status
        return s["state"] == pj.PJSIP_INV_STATE_CONFIRMED and s["media"]

    @property
    def ended(self) -> bool:
        return self.status["state"] == pj.PJSIP_INV_STATE_DISCONNECTED

    def wait_confirmed(self, timeout: float = 10) -> None:
        self.phone.farm.wait(lambda: self.connected, timeout, f"the call of {self.phone.number} to be answered")

    def wait_disconnected(self, timeout: float = 10) -> None:
        self.phone.farm.wait(lambda: self.ended, timeout, f"the call of {self.phone.number} to end")

    def send_dtmf(self, digits: str) -> None:
        self._ask("dtmf", digits=digits)

    def play(self, wav: Path, loop: bool = False) -> None:
        self._ask("play", wav=str(wav), loop=loop)

    def hangup_call(self) -> None:
        self._ask("hangup")


class FarmPhone:
    def __init__(self, farm: "Farm", worker: Worker, number: str):
        self.farm = farm
        self.worker = worker
        self.number = number
        self.calls: list[FarmCall] = []

    def _call(self, answer: dict) -> FarmCall:
        call = FarmCall(self, answer["call"], answer["recording"])
        self.calls.append(call)
        return call

    def call(self, dial: str) -> FarmCall:
        return self._call(self.worker.ask(op="call", phone=self.number, dial=dial))

    def answer(self) -> FarmCall:
        return self._call(self.worker.ask(op="answer", phone=self.number))

    def hang_up_all(self) -> None:
        for call in self.calls:
            call.hangup_call()

    @property
    def registered(self) -> bool:
        return self.farm.phone_status(self.number)["reg"] == 200


class Farm:
    def __init__(self, bind_ip: str, server: str, workdir: Path, per_worker: int = PER_WORKER,
                 netns: str | None = None):
        self.bind_ip = bind_ip
        self.netns = netns
        self.server = server
        self.workdir = workdir
        self.per_worker = per_worker
        self.workers: list[Worker] = []
        self.phones: dict[str, FarmPhone] = {}
        self._status: dict[str, dict] = {}

    def add(self, number: str, secret: str) -> FarmPhone:
        if not self.workers or self.workers[-1].count >= self.per_worker:
            index = len(self.workers)
            self.workers.append(Worker(self.bind_ip, self.workdir / f"w{index}", index, self.netns))
        worker = self.workers[-1]
        worker.ask(op="add", number=number, secret=secret, server=self.server)
        worker.count += 1
        phone = self.phones[number] = FarmPhone(self, worker, number)
        return phone

    def refresh(self) -> None:
        for w in self.workers:
            self._status.update(w.ask(op="status")["phones"])

    def phone_status(self, number: str) -> dict:
        return self._status[number]

    def wait(self, predicate: Callable[[], object], timeout: float, what: str = "condition"):
        deadline = time.monotonic() + timeout
        while True:
            self.refresh()
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            time.sleep(0.05)

    def close(self) -> None:
        for w in self.workers:
            w.close()
        self.workers.clear()
