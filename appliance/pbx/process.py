"""Asterisk as the supervisor's child: start, watch, restart with backoff, stop.

Asterisk runs as its own user in its own session (a Ctrl-C meant for the
supervisor must not reach it directly) and gets SIGKILL if the supervisor
dies, so a killed supervisor never leaves an orphan holding the SIP port.
"""

from __future__ import annotations

import ctypes
import grp
import logging
import os
import pwd
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable

from ..log import kv

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
BACKOFF_MAX = 30.0
STABLE_AFTER = 60.0


def _die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class AsteriskProcess:
    def __init__(
        self,
        binary: str,
        config: Path,
        user: str,
        console_log: Path,
        *,
        before_start: Callable[[], None],
        after_exit: Callable[[int | None], None],
    ):
        self.binary = binary
        self.config = config
        self.user = user
        self.console_log = console_log
        self.before_start = before_start
        self.after_exit = after_exit
        self.proc: subprocess.Popen | None = None
        self.started_at: float | None = None
        self.restarts = 0
        self.last_exit: int | None = None
        self._stop = threading.Event()
        self._restart = threading.Event()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc and self.proc.poll() is None else None

    def request_restart(self, reason: str) -> None:
        log.info("Asterisk restart requested", extra=kv(reason=reason))
        self._restart.set()

    def run(self) -> None:
        delay = 0.0
        while not self._stop.is_set():
            if delay and self._stop.wait(delay):
                break
            try:
                self.before_start()
                self.proc = self._spawn()
            except Exception:
                log.exception("could not start Asterisk")
                delay = min(max(delay * 2, 1.0), BACKOFF_MAX)
                continue
            self.started_at = time.monotonic()
            log.info("Asterisk started", extra=kv(pid=self.proc.pid))
            code, requested = self._watch()
            lived = time.monotonic() - self.started_at
            self.last_exit = code
            self.after_exit(code)
            if self._stop.is_set():
                break
            self.restarts += 1
            if requested:
                delay = 0.0
            else:
                # A crash right after start backs off; one after a long run restarts at once.
                delay = 1.0 if lived > STABLE_AFTER else min(max(delay * 2, 1.0), BACKOFF_MAX)
                log.error("Asterisk exited", extra=kv(code=code, lived=round(lived, 1), restart_in=delay))

    def _watch(self) -> tuple[int | None, bool]:
        assert self.proc is not None
        while True:
            try:
                return self.proc.wait(timeout=0.2), False
            except subprocess.TimeoutExpired:
                pass
            if self._stop.is_set() or self._restart.is_set():
                requested = self._restart.is_set()
                self._restart.clear()
                return self._terminate(), requested

    def _terminate(self, grace: float = 10.0) -> int | None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return proc.returncode if proc else None
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            log.warning("Asterisk ignored SIGTERM; killing it", extra=kv(pid=proc.pid))
            proc.kill()
            return proc.wait()

    def stop(self) -> None:
        self._stop.set()

    def _spawn(self) -> subprocess.Popen:
        user = pwd.getpwnam(self.user)
        groups = [g for g in os.getgrouplist(self.user, user.pw_gid)]
        self.console_log.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.console_log, "ab")
        try:
            return subprocess.Popen(
                [self.binary, "-f", "-n", "-C", str(self.config)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd="/",
                user=user.pw_uid,
                group=user.pw_gid,
                extra_groups=groups,
                start_new_session=True,
                preexec_fn=_die_with_parent,
                env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": user.pw_dir},
            )
        finally:
            out.close()


def group_id(name: str) -> int | None:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return None
