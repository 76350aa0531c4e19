"""The faxes received: one row each in the reports store, the PDF beside the others."""

from __future__ import annotations

import time
from pathlib import Path

from ..errors import NotFound
from ..reports.db import Fax
from ..reports.stats import iso


def record(*, callid: str, from_number: str | None, remote_station: str | None, to_number: str | None, pages: int,
           status: str, error: str | None, detected: bool, path: Path | None, now: float | None = None) -> Fax:
    return Fax.create(callid=callid, received_at=now or time.time(), from_number=from_number or None,
                      remote_station=remote_station or None, to_number=to_number or None, pages=pages,
                      status=status, error=error or None, detected=int(detected),
                      path=str(path) if path is not None else None)


def get(fax_id) -> Fax:
    try:
        found = Fax.get_or_none(Fax.id == int(fax_id))
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound(f"no fax {fax_id}")
    return found


def listing(page: int, per_page: int) -> tuple[list[Fax], int]:
    q = Fax.select()
    return list(q.order_by(Fax.received_at.desc(), Fax.id.desc()).paginate(page, per_page)), q.count()


def pdf_of(fax: Fax) -> Path:
    if fax.path is None or not Path(fax.path).is_file():
        raise NotFound(f"fax {fax.id} has no PDF (no page was received)")
    return Path(fax.path)


def delete(fax_id) -> None:
    fax = get(fax_id)
    if fax.path:
        Path(fax.path).unlink(missing_ok=True)
    fax.delete_instance()


def to_dict(f: Fax) -> dict:
    return {"id": f.id, "callid": f.callid, "received_at": iso(f.received_at), "from": f.from_number,
            "remote_station": f.remote_station, "to": f.to_number, "pages": f.pages, "status": f.status,
            "error": f.error, "detected": bool(f.detected),
            "pdf_available": f.path is not None and Path(f.path).is_file()}
