"""What the dial plan's self-service steps ask the supervisor over FastAGI
(appliance/pbx/render/selfservice.py): a ticket's status, the business's web service, a complaint.

Digits the caller typed are checked again here (digits only, their length) before they touch
the database or leave the box; a caller's number is read from the channel, its digits only.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from urllib.parse import urlsplit

from .. import box_settings, httpjson
from ..agi.protocol import AgiError
from ..customers import service as customers
from ..db.models import Ivr, Prompt
from ..errors import BoxError, NotFound
from ..log import kv
from ..pbx.render.selfservice import COMPLAINT_DIR, ENTRY, LOOKUP_PROMPT, VARIABLE_PREFIX
from ..tickets import audio as ticket_audio
from ..tickets import service as tickets
from . import lookup

log = logging.getLogger(__name__)

_ENTERED = re.compile(r"[0-9]{1,20}")
#: What a complaint's ticket says, in the box's language (the staff read it).
SUMMARY = {"en": "Complaint recorded by phone", "zh": "电话投诉录音"}


def entered(session) -> str | None:
    """The digits the caller entered, if they are digits (20 at most)."""
    value = session.get(ENTRY) or ""
    return value if _ENTERED.fullmatch(value) else None


def caller_of(session) -> str:
    """The caller's number from the channel: its digits, after a + where it has one."""
    raw = session.caller.strip()
    digits = "".join(c for c in raw if c.isascii() and c.isdigit())[:20]
    return "+" + digits if raw.startswith("+") and digits else digits


def ticket_number(digits: str) -> str:
    """2026000123 as typed on a keypad is ticket 2026-000123."""
    return f"{digits[:4]}-{digits[4:]}"


class SelfService:
    def __init__(self, sounds_dir: str, prompts_dir: str, spool_dir: Path, audio_root: Path):
        self.sounds = sounds_dir
        self.prompts = prompts_dir
        self.spool = spool_dir
        self.audio_root = audio_root

    def handlers(self) -> dict:
        return {"ticket-status": self.ticket_status, "ivr-lookup": self.lookup, "complaint": self.complaint}

    def _own(self, session, name: str) -> str:
        return f"{self.sounds}/{session.language()}/{name}"

    def ticket_status(self, session) -> None:
        digits, caller = entered(session), caller_of(session)
        status, reason = None, "not a ticket number"
        if digits and len(digits) > 4:
            try:
                status, reason = tickets.lookup(ticket_number(digits), caller)["status"], None
            except NotFound as exc:
                reason = exc.message
        log.info("ticket status asked by phone", extra=kv(digits=digits, caller=caller, status=status, reason=reason))
        session.stream(self._own(session, f"ticket-status-{status}" if status else "ticket-not-found"))

    def lookup(self, session) -> None:
        """The step's choice and variables set on the channel; nothing set (the fallback) on any failure."""
        step = _step(session.params.get("ivr", ""), session.params.get("step", ""))
        if step is None or step.get("kind") != "http_lookup":
            log.warning("IVR lookup for no such step", extra=kv(**session.params))
            return
        host = urlsplit(step["url"]).hostname  # the host only: a query may carry an access key
        prompts = {c["name"]: c["prompt"] for c in step.get("choices", [])}
        try:
            body = httpjson.fetch(step["url"], {"digits": entered(session) or "", "caller": caller_of(session)},
                                  step["timeout_ms"] / 1000)
            choice, variables = lookup.answer(body, list(prompts))
        except httpjson.Failed as exc:
            log.warning("IVR lookup failed", extra=kv(ivr=session.params.get("ivr"), host=host, reason=str(exc)))
            return
        prompt = Prompt.get_or_none(Prompt.id == prompts[choice])
        if prompt is None or prompt.duration <= 0:
            log.warning("IVR lookup chose a prompt with no audio", extra=kv(choice=choice))
            return
        for name, value in variables.items():
            session.set(f"{VARIABLE_PREFIX}{name.upper()}", value)
        log.info("IVR lookup answered", extra=kv(ivr=session.params.get("ivr"), host=host, choice=choice))
        session.set(LOOKUP_PROMPT, f"{self.prompts}/{prompt.filename.rsplit('.', 1)[0]}")

    def complaint(self, session) -> None:
        """The caller's recording becomes a new complaint ticket, its audio kept with it; the caller
        hears its number digit by digit. Also run for a caller who hung up after speaking."""
        source = self.spool / COMPLAINT_DIR / f"{session.uniqueid}.wav"
        if not source.is_file():  # done already (the caller hung up after hearing the number)
            return
        caller = caller_of(session)
        call_id = session.command("GET FULL VARIABLE ${CHANNEL(linkedid)}").data or session.uniqueid
        language = box_settings.load().language
        try:
            ticket = tickets.create(
                {"kind": "complaint", "summary": SUMMARY.get(language, SUMMARY["en"]),
                 "caller": caller if caller and customers.normalize(caller) else None, "channel": "phone",
                 "call_id": call_id},
                "phone", call_known=lambda c: c)  # the call is going on: its id is its record's to be
        except BoxError as exc:
            log.warning("complaint not recorded", extra=kv(caller=caller, reason=getattr(exc, "message", str(exc))))
            source.unlink(missing_ok=True)
            session.stream(self._own(session, "complaint-failed"))
            return
        ticket_audio.keep(self.audio_root, ticket.number, source)
        log.info("complaint recorded", extra=kv(ticket=ticket.number, caller=caller))
        try:
            session.set("CALLBOX_COMPLAINT", "")
            session.stream(self._own(session, "complaint-recorded"))
            for part in ticket.number.split("-"):
                session.say_digits(part)
        except AgiError:
            pass  # the caller hung up: the ticket is made all the same


def _step(ivr_id: str, index: str) -> dict | None:
    if not (ivr_id.isdigit() and index.isdigit()):
        return None
    ivr = Ivr.get_or_none(Ivr.id == int(ivr_id))
    steps = json.loads(ivr.steps) if ivr is not None else []
    return steps[int(index)] if int(index) < len(steps) else None
