"""Voicemail lamps between branches: headquarters passes on the mailbox states each branch publishes.

Each end of an inter-site trunk publishes its own mailboxes' counts to the other (render/sites.py),
but Asterisk publishes on only the states that began on it (res_pjsip_publish_asterisk drops a
state whose eid is another box's), and Asterisk has no way to set a mailbox's counts without a
channel (MinivmMWI, whose channel would be a call in the call records). So headquarters' supervisor
reads the counts its Asterisk takes from a branch (MessageWaiting, which Asterisk raises for every
state, whoever published it) and PUBLISHes them itself to every other branch, as that branch's
trunk to headquarters (publish.py), with headquarters' eid: the branch takes them as it takes
headquarters' own, and a phone there watching the mailbox gets them. The branch the mailbox is at
is never sent its own (the MWI cache keeps one state per mailbox, not one per box: the last one
received would replace the branch's own counts).

Only branches dialled by their numbers are passed on (`watched`, as for busy lamps): two branches
dialled by prefix only have the same mailbox names, and a count could not be told apart.

A branch whose Asterisk started again has lost what was sent: when its trunk answers again
(`site_back`), or its report names another run of its Asterisk than the last one (`asterisk_run`;
a restart quicker than the trunk's qualify is noticed too), it is sent every count that is not
nothing. What each branch took is kept on disk (written whole, then renamed), so that after a
restart of headquarters' supervisor a count that went to nothing meanwhile still goes out to the
branches that had it, and the mailboxes of a branch revoked meanwhile are cleared there.

A mailbox no longer watched (its branch revoked, gone to prefix only, or reporting fewer
extensions) is sent as empty to the branches it was passed to, and headquarters' Asterisk is asked
to count it again (VoicemailRefresh): it has no such mailbox, counts nothing, and publishes that
as its own state, which replaces the revoked branch's counts in its memory and goes out to the
branches too (a replacement box for the same range starts from nothing, not from its
predecessor's lamp).

`counts` and `deliveries` decide (pure); `MailboxRelay` sends in a thread of its own, since the
events come on the AMI reader's thread, which must never wait.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
from dataclasses import dataclass
from pathlib import Path

from ..ami import AMIError
from ..pbx.control import entity_id
from ..pbx.render.phones import VM_CONTEXT
from ..pbx.render.sites import endpoint
from .publish import PublishFailed, body, publish

log = logging.getLogger(__name__)

RETRY_EVERY = 30.0  # seconds between tries of what a site did not take
_STOP, _FORGET, _TICK = object(), object(), object()


@dataclass(frozen=True)
class Target:
    """A branch as headquarters publishes to it: its trunk's number, address and credentials."""

    number: int
    address: str
    username: str
    secret: str


def counts(ev, watched: dict[str, int]) -> tuple[str, int, int, int] | None:
    """A MessageWaiting event of a watched branch's mailbox: (number, its site, new, old); else None
    (headquarters' own mailboxes, anything not a number of the box's one voicemail context)."""
    if ev.name != "MessageWaiting":
        return None
    number, _, context = (ev.get("Mailbox") or "").partition("@")
    site = watched.get(number)
    if site is None or context != VM_CONTEXT:
        return None
    try:
        return number, site, int(ev.get("New") or 0), int(ev.get("Old") or 0)
    except ValueError:
        return None


def deliveries(states: dict[str, tuple[int, int, int]], sent: dict[tuple[int, str], tuple[int, int]],
               targets, only: int | None = None, again: bool = False) -> list[tuple[int, str, int, int]]:
    """What to send: (site, mailbox, new, old) for each branch that does not have a mailbox's
    counts yet, never to the mailbox's own branch. `states`: mailbox -> (its site, new, old);
    `sent`: what each branch took; `only`: one branch; `again`: that branch lost what it had (its
    Asterisk started again), so every count that is not nothing goes to it again."""
    out = []
    for t in targets:
        if only is not None and t != only:
            continue
        for number, (site, new, old) in states.items():
            if site == t:
                continue
            had = None if again else sent.get((t, number))
            if had is None and (new, old) == (0, 0):
                continue  # a branch that never had a count shows none
            if had != (new, old):
                out.append((t, number, new, old))
    return out


def cleared(gone: dict[str, int | None], targets, watched: dict[str, int]) -> list[str]:
    """Of the mailboxes no longer passed on (number -> the site they were at; None: not known), those
    whose site is gone (revoked) and that no other site has now: headquarters' Asterisk may count
    them afresh."""
    return [n for n, site in gone.items() if site not in targets and n not in watched]


class MailboxRelay:
    def __init__(self, ami, path: Path | None = None):
        self.ami = ami
        self._path = path
        self._written: str | None = None  # what the file holds, as last written here
        self.enabled = False  # headquarters with branches (set after each apply)
        self.watched: dict[str, int] = {}  # a branch's extension -> its site number
        self._targets: dict[int, Target] = {}
        self._own = endpoint(1)
        self._port = 5060
        self._eid: str | None = None
        self._states: dict[str, tuple[int, int, int]] = {}  # mailbox -> (site, new, old)
        self._sent: dict[tuple[int, str], tuple[int, int]] = _load(path)  # (site, mailbox) -> counts it took
        self._runs: dict[int, str] = {}  # a branch's Asterisk's run, as it last reported it
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mailbox-relay", daemon=True)
        self._thread.start()
        threading.Thread(target=self._tick, name="mailbox-relay-retry", daemon=True).start()

    def stop(self) -> None:
        self._stopped.set()
        self._queue.put(_STOP)

    def forget(self) -> None:
        """Asterisk started again: its eid is read anew (the branches keep what they were sent, and
        the counts come again as they publish theirs)."""
        self._queue.put(_FORGET)

    def configure(self, snap) -> None:
        """After an apply: the branches and the extensions watched there now."""
        sites = snap.sites
        self.enabled = sites.own == 1 and len(sites.trunks) > 1
        watched = dict(sites.watched) if self.enabled else {}
        # With one branch left, nothing is passed on; what was is still cleared there.
        targets = {t.number: Target(t.number, t.address, t.username, t.secret) for t in sites.trunks} \
            if sites.own == 1 else {}
        self.watched = watched
        self._queue.put(("sites", watched, targets, endpoint(sites.own), snap.system.sip_port))

    def offer(self, ev) -> None:
        """Called on the AMI reader's thread: never blocks."""
        if self.enabled and (found := counts(ev, self.watched)) is not None:
            self._queue.put(("counts", *found))

    def site_back(self, number: int) -> None:
        """A branch's trunk answers again: it may have started afresh."""
        if self.enabled:
            self._queue.put(("back", number))

    def asterisk_run(self, number: int, run: str) -> None:
        """A branch's report named the run of its Asterisk (a token made at each of its starts)."""
        if self.enabled:
            self._queue.put(("run", number, run))

    def _tick(self) -> None:
        while not self._stopped.wait(RETRY_EVERY):
            self._queue.put(_TICK)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            if item is _FORGET:
                self._eid = None
            elif item is _TICK:
                self._deliver(deliveries(self._states, self._sent, self._targets))
            elif item[0] == "back":
                self._deliver(deliveries(self._states, self._sent, self._targets, only=item[1], again=True))
            elif item[0] == "run":
                if self._runs.get(item[1]) != item[2]:  # the first report after a start here too
                    self._runs[item[1]] = item[2]
                    self._deliver(deliveries(self._states, self._sent, self._targets, only=item[1], again=True))
            elif item[0] == "sites":
                self._configure(*item[1:])
            else:
                number, site, new, old = item[1:]
                self._states[number] = (site, new, old)
                self._deliver(deliveries({number: self._states[number]}, self._sent, self._targets))

    def _configure(self, watched: dict[str, int], targets: dict[int, Target], own: str, port: int) -> None:
        self._targets, self._own, self._port = targets, own, port
        for key in [k for k in self._sent if k[0] not in targets]:
            del self._sent[key]
        gone = {n: state[0] for n, state in self._states.items() if watched.get(n) != state[0]}
        # Passed on before this supervisor started, and no longer watched: whose it was is not known.
        gone.update({n: None for _t, n in self._sent if n not in watched and n not in gone})
        # The lamps of mailboxes no longer watched go out where they were passed on.
        self._deliver([(t, n, 0, 0) for (t, n), had in list(self._sent.items()) if n in gone and had != (0, 0)])
        for key in [k for k in self._sent if k[1] in gone]:
            del self._sent[key]
        self._save()
        for number in gone:
            self._states.pop(number, None)
        # A revoked branch's counts in headquarters' own memory: counted again, as nobody's (never a
        # number another site has now: its own counts would be replaced at that site).
        for number in sorted(cleared(gone, targets, watched)):
            try:
                self.ami.action("VoicemailRefresh", Context=VM_CONTEXT, Mailbox=number)
            except (AMIError, OSError) as exc:
                log.warning("could not clear a revoked branch's mailbox: %s", exc)

    def _own_eid(self) -> str | None:
        if self._eid is None:
            try:
                self._eid = entity_id(self.ami)
            except (AMIError, OSError) as exc:
                log.warning("could not read Asterisk's entity id: %s", exc)
                return None
        return self._eid

    def _deliver(self, sends) -> None:
        if not sends:
            return
        eid = self._own_eid()
        if eid is None:
            return  # sent at the next try
        down = set()  # a branch that did not answer is not asked again this round
        for site, number, new, old in sends:
            t = self._targets.get(site)
            if t is None or site in down:
                continue
            try:
                publish(t.address, self._port, self._own, t.username, t.secret,
                        body(f"{number}@{VM_CONTEXT}", new, old, eid))
            except (PublishFailed, OSError) as exc:
                log.info("branch %s did not take a voicemail lamp: %s", site, exc)
                down.add(site)
                continue  # tried again at the next round, or when its trunk answers
            self._sent[(site, number)] = (new, old)
        self._save()

    def _save(self) -> None:
        if self._path is None:
            return
        text = json.dumps(sorted([site, number, *counts] for (site, number), counts in self._sent.items()))
        if text == self._written:
            return  # nothing taken or dropped since (a round where the branches did not answer)
        tmp = self._path.with_suffix(".tmp")
        try:
            tmp.write_text(text)
            os.replace(tmp, self._path)
            self._written = text
        except OSError as exc:
            log.warning("could not keep the voicemail lamps sent to branches: %s", exc)


def _load(path: Path | None) -> dict[tuple[int, str], tuple[int, int]]:
    """What each branch took, as `MailboxRelay._save` wrote it (nothing if it is missing or damaged)."""
    if path is None or not path.exists():
        return {}
    try:
        return {(int(site), str(number)): (int(new), int(old))
                for site, number, new, old in json.loads(path.read_text())}
    except (OSError, ValueError, TypeError) as exc:
        log.warning("the voicemail lamps sent to branches are not known: %s", exc)
        return {}
