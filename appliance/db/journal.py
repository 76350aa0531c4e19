"""The change journal: every config change is a revision with row before/after images.

Services never write config tables directly; they open a change:

    with change(actor="admin", action="extension.create", target="8001") as cs:
        ext = cs.create(Extension, number="8001", ...)

and the journal records each row's image before and after. That gives three
things from one mechanism: a revision number the applier waits on, an exact
undo when Asterisk rejects what a change rendered to, and the audit log of who
changed what and when.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

from .core import db, write_lock  # noqa: F401
from .models import CONFIG_MODELS, Change, ChangeRow

PENDING, APPLIED, REJECTED = "pending", "applied", "rejected"

_MODELS = {m._meta.table_name: m for m in CONFIG_MODELS}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _image(instance) -> dict:
    """The row as stored: column name -> database value (JSON-safe)."""
    out = {}
    for field in instance._meta.sorted_fields:
        value = field.db_value(getattr(instance, field.name))
        if isinstance(value, (dt.datetime, dt.date)):
            value = str(value)
        out[field.column_name] = value
    return out


class ChangeSet:
    def __init__(self, record: Change):
        self.record = record
        self._seq = 0

    @property
    def revision(self) -> int:
        return self.record.id

    def _log(self, instance, before, after) -> None:
        self._seq += 1
        ChangeRow.create(
            change=self.record,
            tbl=instance._meta.table_name,
            row_id=json.dumps(instance._pk),
            before=None if before is None else json.dumps(before, ensure_ascii=False),
            after=None if after is None else json.dumps(after, ensure_ascii=False),
            seq=self._seq,
        )

    def create(self, model, **fields):
        instance = model.create(**fields)
        self._log(instance, None, _image(instance))
        return instance

    def update(self, instance, **fields):
        before = _image(instance)
        for name, value in fields.items():
            setattr(instance, name, value)
        after = _image(instance)
        if after != before:
            instance.save()
            self._log(instance, before, after)
        return instance

    def delete(self, instance) -> None:
        before = _image(instance)
        instance.delete_instance()
        self._log(instance, before, None)

    @property
    def empty(self) -> bool:
        return self._seq == 0


class Journal:
    """Revision bookkeeping for the applier, and commit notifications."""

    def __init__(self):
        self._listeners: list[Callable[[int], None]] = []
        self._settled = threading.Condition()

    def on_commit(self, callback: Callable[[int], None]) -> None:
        self._listeners.append(callback)

    def committed(self, revision: int) -> None:
        for callback in list(self._listeners):
            callback(revision)

    @staticmethod
    def pending() -> list[int]:
        return [c.id for c in Change.select(Change.id).where(Change.status == PENDING).order_by(Change.id)]

    @staticmethod
    def latest() -> int:
        return Change.select(Change.id).order_by(Change.id.desc()).scalar() or 0

    def mark_applied(self, revisions: list[int]) -> None:
        if revisions:
            Change.update(status=APPLIED).where(Change.id.in_(revisions), Change.status == PENDING).execute()
        self._notify()

    def reject(self, revisions: list[int], error: str) -> int | None:
        """Undo these pending changes, newest first, and mark them rejected.

        Returns the revision of the undo itself (a change of its own, so the
        applier renders again and the audit log shows it), or None if no row
        needed undoing. Caller holds write_lock.
        """
        if not revisions:
            return None
        undone = 0
        undo_revision = None
        with db.atomic():
            for change_id in sorted(revisions, reverse=True):
                rows = ChangeRow.select().where(ChangeRow.change == change_id).order_by(ChangeRow.seq.desc())
                for row in rows:
                    _undo(row)
                    undone += 1
            Change.update(status=REJECTED, error=error[:2000]).where(Change.id.in_(revisions)).execute()
            if undone:
                undo_revision = Change.create(
                    at=utcnow(),
                    actor="system",
                    action="revert",
                    target=",".join(str(r) for r in sorted(revisions)),
                    status=PENDING,
                    error=error[:2000],
                ).id
        self._notify()
        return undo_revision

    def _notify(self) -> None:
        with self._settled:
            self._settled.notify_all()

    def wait_settled(self, revision: int, timeout: float) -> Change:
        """Block until the change leaves 'pending' or the timeout passes."""
        import time

        deadline = time.monotonic() + timeout
        with self._settled:
            while True:
                record = Change.get_by_id(revision)
                left = deadline - time.monotonic()
                if record.status != PENDING or left <= 0:
                    return record
                self._settled.wait(min(left, 0.5))


def _undo(row: ChangeRow) -> None:
    model = _MODELS[row.tbl]
    pk = json.loads(row.row_id)
    pk_field = model._meta.primary_key
    if row.before is None:
        model.delete().where(pk_field == pk).execute()
        return
    before = json.loads(row.before)
    columns = {model._meta.columns[c]: v for c, v in before.items()}
    if row.after is None:
        model.insert(columns).execute()
    else:
        model.update(columns).where(pk_field == pk).execute()


journal = Journal()


@contextmanager
def change(actor: str, action: str, target: str = "", *, settled: bool = False) -> Iterator[ChangeSet]:
    """A config change as one transaction and one revision.

    `settled=True` marks changes that render into nothing Asterisk loads (a
    user's password, say): they are recorded for the audit log but need no apply.
    A change that touched no row leaves no revision behind.
    """
    with write_lock:
        with db.atomic() as txn:
            record = Change.create(
                at=utcnow(), actor=actor, action=action, target=target,
                status=APPLIED if settled else PENDING,
            )
            cs = ChangeSet(record)
            yield cs
            if cs.empty:
                txn.rollback()
        if not cs.empty and not settled:
            journal.committed(cs.revision)
