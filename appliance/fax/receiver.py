"""What the receiver's hangup handler (FastAGI `fax`) does: read how the fax went, keep its
pages as PDF, record it. Runs for every fax call, however it ended, and never raises on a
bad or missing TIFF: the fax is recorded with its error instead."""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

from .. import box_settings, mail
from ..log import kv
from ..mail import templates
from . import store
from .pdf import PdfError, tiff_to_pdf

log = logging.getLogger(__name__)
_CALLID = re.compile(r"[0-9]{1,20}\.[0-9]{1,10}")
STATUSES = ("received", "partial", "failed")


def outcome(fax_status: str | None, pages: int) -> str:
    """received: res_fax says SUCCESS; partial: it failed after some pages; failed: no page."""
    if (fax_status or "").upper() == "SUCCESS" and pages > 0:
        return "received"
    return "partial" if pages > 0 else "failed"


def _int(value: str | None) -> int:
    try:
        return max(int(value or 0), 0)
    except ValueError:
        return 0


class Receiver:
    def __init__(self, root: Path, convert=tiff_to_pdf):
        self.root = root
        self.convert = convert

    def handle(self, session) -> None:
        callid = session.uniqueid
        if not _CALLID.fullmatch(callid):
            log.warning("fax from a call without a call id", extra=kv(callid=callid))
            return
        # FAXOPT reads the fax session's own results; FAXSTATUS and friends are set only when
        # ReceiveFax returns, not when the caller hangs up in the middle.
        status = session.get("FAXOPT(status)") or session.get("FAXSTATUS")
        error = session.get("FAXOPT(error)") or session.get("FAXERROR")
        pages = _int(session.get("FAXOPT(pages)") or session.get("FAXPAGES"))
        remote = session.get("FAXOPT(remotestationid)") or session.get("REMOTESTATIONID")
        detected = session.get("CALLBOX_FAX_DETECTED") == "1"
        self.save(callid=callid, status=status, error=error, pages=pages, remote=remote,
                  from_number=session.caller, to_number=session.env.get("agi_dnid"), detected=detected)

    def save(self, *, callid: str, status: str | None, error: str | None, pages: int, remote: str | None,
             from_number: str | None, to_number: str | None, detected: bool):
        tiff = self.root / f"{callid}.tif"
        result = outcome(status, pages)
        pdf = problem = None
        if pages > 0:
            if not tiff.is_file():
                problem = "the fax file is missing"
            else:
                pdf = self.root / f"{callid}.pdf"
                try:
                    self.convert(tiff, pdf)
                except PdfError as exc:
                    problem, pdf = str(exc), None
        if problem:  # pages came but none can be shown: as good as none
            log.error("fax pages lost", extra=kv(callid=callid, error=problem))
            error, result = f"{error}; {problem}" if error else problem, "failed"
        if result != "received" and not error:
            error = "no page received"
        tiff.unlink(missing_ok=True)
        if from_number in ("unknown", ""):
            from_number = None
        fax = store.record(callid=callid, from_number=from_number, remote_station=remote, to_number=to_number,
                           pages=pages, status=result, error=error if result != "received" else None,
                           detected=detected, path=pdf)
        log.info("fax", extra=kv(callid=callid, status=result, pages=pages, error=error))
        if pdf is not None:
            try:
                self.mail(fax, pdf)
            except Exception:  # noqa: BLE001 - the fax is kept whatever the mail does
                log.exception("fax not queued for mail", extra=kv(callid=callid))
        return fax

    def mail(self, fax, pdf: Path) -> None:
        """Mail the pages to the box's fax addresses, if it has any (once per fax)."""
        settings = box_settings.load()
        if not settings.fax_email:
            return
        lang = settings.language
        local = dt.datetime.fromtimestamp(fax.received_at, box_settings.zone(settings.timezone))
        sender = " ".join(x for x in (fax.from_number, fax.remote_station) if x) or templates.word("unknown_caller", lang)
        problem = "" if fax.status == "received" else templates.word("fax_partial", lang).format(error=fax.error)
        values = {"box": settings.hostname, "sender": sender, "to": fax.to_number or "", "pages": fax.pages,
                  "received": f"{local:%Y-%m-%d %H:%M:%S} ({settings.timezone})", "problem": problem}
        mail.queue_template(list(settings.fax_email), "fax", values, key=f"fax:{fax.callid}", lang=lang,
                            attachments=[{"path": str(pdf), "name": f"fax-{local:%Y%m%d-%H%M%S}.pdf",
                                          "type": "application/pdf"}])
