"""Queues, agents, calls in progress, call history and recordings."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from bottle import request, response, static_file
from marshmallow import validate as mvalidate

from appliance import box_settings
from appliance.callcenter import pause_reasons
from appliance.customers import service as customers
from appliance.db.models import Extension, QueueMember
from appliance.errors import Forbidden, Invalid, NotFound, Unavailable
from appliance.music import service as music
from appliance.permissions import service as permissions
from appliance.fields import Number, StrictSchema, StrictString, validate
from appliance.queues import service as queues
from appliance.queues.schema import QueueSchema
from appliance.reports import stats
from appliance.reports.db import CallNote, QueueCall, Recording, upsert
from appliance.tickets import service as tickets

from ..plugins import current_user, json_body
from .apply import settle
from .crud import install_crud
from .extensions import _int

STAFF = ("admin", "supervisor")
ANYONE = ("admin", "supervisor", "agent")


class PauseSchema(StrictSchema):
    reason = StrictString(allow_none=True)


class SpySchema(StrictSchema):
    supervisor = Number(required=True)
    mode = StrictString(required=True, validate=mvalidate.OneOf(("listen", "whisper", "barge")))


class MoveSchema(StrictSchema):
    kind = StrictString(required=True, validate=mvalidate.OneOf(("extension", "queue", "external")))
    target = StrictString(required=True, validate=mvalidate.Regexp(r"^\+?[0-9]{2,20}$"))


class NotesSchema(StrictSchema):
    notes = StrictString(required=True, validate=mvalidate.Length(max=4000))


def _day(name: str) -> dt.date | None:
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        if len(raw) == 10:  # fromisoformat takes other forms too (20250630, 2025-W26)
            return dt.date.fromisoformat(raw)
    except ValueError:
        pass
    raise Invalid(f"{name}: must be a day such as 2025-06-30", name)


def _music(api, box) -> None:
    root = box.runtime.paths.music

    @api.get("/music", roles=STAFF)
    def list_music():
        """Music collections for queues, with their tracks."""
        return {"items": [music.to_dict(m) for m in music.listing()]}

    @api.post("/music", schema=music.MusicClassSchema)
    def create_music():
        """A new, empty music collection."""
        created, revision = music.create(json_body(), current_user().username)
        settle(box, revision)
        response.status = 201
        return music.to_dict(created)

    @api.delete("/music/<name>")
    def delete_music(name):
        """Delete a collection no queue plays."""
        settle(box, music.delete(name, root, current_user().username))
        response.status = 204

    @api.post("/music/<name>/tracks", body="multipart/form-data")
    def add_track(name):
        """Add a track: multipart `title` and `file` (WAV or MP3, converted on the box)."""
        upload = request.files.get("file")
        if upload is None:
            raise Invalid("file: choose a WAV or MP3 file", "file")
        _, revision = music.add_track(name, request.forms.getunicode("title"),
                                      upload.file.read(music.audio.MAX_BYTES + 1), root, current_user().username)
        settle(box, revision)
        response.status = 201
        return music.to_dict(music.get(name))

    @api.delete("/music/<name>/tracks/<track>")
    def remove_track(name, track):
        """Remove a track."""
        settle(box, music.remove_track(name, track, root, current_user().username))
        response.status = 204


def install(api, box) -> None:
    def cc():
        manager = getattr(box, "callcenter", None)
        if manager is None or manager.error:
            raise Unavailable("the call center is not running")
        return manager

    def since() -> float:
        return stats.day_start(box_settings.load().timezone)

    def own_or_staff(ext: str) -> None:
        user = current_user()
        if user.role == "agent" and (user.extension is None or user.extension.number != ext):
            raise Forbidden("agents may only act for themselves")

    # Supervisors read queues (their wallboard); agents read pause reasons (to pause with one).
    install_crud(api, box, "/queues", queues, queues.to_dict, lambda q: q.number, schema=QueueSchema,
                 read_roles=STAFF)
    install_crud(api, box, "/pause-reasons", pause_reasons, pause_reasons.to_dict, lambda r: r.id,
                 schema=pause_reasons.PauseReasonSchema, read_roles=ANYONE)

    @api.get("/queues/<number>/live", roles=STAFF)
    def queue_live(number):
        """A queue right now: callers waiting and for how long, agents by state, and today's figures."""
        queue = queues.get(number)
        return {**cc().live.queue_live(number),
                "today": stats.queue_day(number, since(), queue.service_level)}

    @api.get("/agents", roles=STAFF)
    def list_agents():
        """Every queue member: state, and today's calls and satisfaction."""
        numbers = sorted({m.extension.number for m in QueueMember.select(QueueMember, Extension).join(Extension)},
                         key=lambda n: (len(n), n))
        start = since()
        return {"items": [{**cc().live.agent_state(n), "today": stats.agent_day(n, start)} for n in numbers]}

    @api.get("/agents/<ext>", roles=ANYONE)
    def get_agent(ext):
        """One agent's page: state, queues, today's calls, satisfaction."""
        own_or_staff(ext)
        start = since()
        calls = (QueueCall.select().where(QueueCall.agent == ext, QueueCall.entered_at >= start)
                 .order_by(QueueCall.entered_at.desc()).limit(100))
        return {**cc().live.agent_state(ext), "today": stats.agent_day(ext, start),
                "calls": [stats.to_dict(c) for c in calls]}

    @api.post("/agents/<ext>/login", roles=ANYONE, success="200")
    def agent_login(ext):
        """Log in to the queues the agent belongs to."""
        own_or_staff(ext)
        return cc().agents.login(ext)

    @api.post("/agents/<ext>/logout", roles=ANYONE, success="200")
    def agent_logout(ext):
        """Log out of every queue."""
        own_or_staff(ext)
        return cc().agents.logout(ext)

    @api.post("/agents/<ext>/pause", roles=ANYONE, success="200", schema=PauseSchema)
    def agent_pause(ext):
        """Stop taking calls, with a reason."""
        own_or_staff(ext)
        reason = validate(PauseSchema(), json_body() if request.content_length else {}).get("reason")
        return cc().agents.pause(ext, reason)

    @api.post("/agents/<ext>/unpause", roles=ANYONE, success="200")
    def agent_unpause(ext):
        """Take calls again."""
        own_or_staff(ext)
        return cc().agents.unpause(ext)

    @api.get("/calls", roles=STAFF)
    def live_calls():
        """Queue calls in progress (ringing an agent or connected)."""
        return {"items": cc().live.calls()}

    @api.post("/calls/<callid>/spy", roles=STAFF, success="202", schema=SpySchema)
    def spy(callid):
        """Ring a supervisor's phone to listen, whisper or barge on the agent's side of the call."""
        values = validate(SpySchema(), json_body())
        cc().supervision.spy(callid, values["supervisor"], values["mode"])
        response.status = 202
        return {"ringing": values["supervisor"]}

    @api.post("/calls/<callid>/hangup", roles=STAFF, success="204")
    def hangup(callid):
        """End a call in progress."""
        cc().supervision.hangup(callid)
        response.status = 204

    @api.post("/calls/<callid>/move", roles=STAFF, success="204", schema=MoveSchema)
    def move(callid):
        """Send the caller to an extension, a queue or an outside number."""
        values = validate(MoveSchema(), json_body())
        user = current_user()
        cc().supervision.move(callid, values["kind"], values["target"], permissions.class_of_user(user),
                              f"user-{user.username}")
        response.status = 204

    @api.get("/calls/<callid>/notes", roles=ANYONE)
    def get_notes(callid):
        """The notes written during a call."""
        note = CallNote.get_or_none(CallNote.callid == callid)
        return {"call": callid, "notes": note.notes if note else "", "author": note.author if note else None}

    @api.put("/calls/<callid>/notes", roles=ANYONE, schema=NotesSchema)
    def put_notes(callid):
        """Write the notes of a call (agents: during or after their own call)."""
        values = validate(NotesSchema(), json_body())
        user = current_user()
        if user.role == "agent":
            live = cc().live.call(callid)
            past = QueueCall.get_or_none(QueueCall.callid == callid)
            agent = live.agent if live else past.agent if past else None
            if user.extension is None or agent != user.extension.number:
                raise Forbidden("agents may write notes on their own calls only")
        upsert(CallNote, callid=callid, notes=values["notes"], author=user.username, updated_at=time.time())
        return {"call": callid, "notes": values["notes"], "author": user.username}

    @api.get("/history", roles=STAFF)
    def history():
        """Queue calls, newest first, by queue, agent, outcome and days (from, to); page, per_page.

        from and to are days (YYYY-MM-DD) in the box's time zone, both included. Each call names the
        caller's customer where the number is known, and says whether its recording can be played."""
        page, per_page = _int("page", 1), min(_int("per_page", 50), 500)
        q = QueueCall.select()
        for field in ("queue", "agent", "outcome"):
            value = request.query.getunicode(field)
            if value:
                q = q.where(getattr(QueueCall, field) == value)
        timezone = box_settings.load().timezone
        first, last = _day("from"), _day("to")
        if first is not None:
            q = q.where(QueueCall.entered_at >= stats.date_start(timezone, first))
        if last is not None:
            q = q.where(QueueCall.entered_at < stats.date_start(timezone, last + dt.timedelta(days=1)))
        total = q.count()
        rows = list(q.order_by(QueueCall.entered_at.desc()).paginate(max(page, 1), max(per_page, 1)))
        ids = [r.callid for r in rows]
        notes = {n.callid: n.notes for n in CallNote.select().where(CallNote.callid.in_(ids))}
        playable = {r.callid for r in Recording.select().where(Recording.callid.in_(ids)) if Path(r.path).is_file()}
        names = {number: c.name for number, c in customers.owners({r.caller_key for r in rows if r.caller_key}).items()}
        return {"items": [{**stats.to_dict(r), "notes": notes.get(r.callid), "customer": names.get(r.caller_key),
                           "recording_available": r.callid in playable} for r in rows],
                "page": page, "per_page": per_page, "total": total}

    @api.get("/recordings", roles=ANYONE)
    def list_recordings():
        """Recorded calls, newest first (agents: their own): page, per_page, queue."""
        page, per_page = _int("page", 1), min(max(_int("per_page", 50), 1), 500)
        q = Recording.select()
        user = current_user()
        if user.role == "agent":
            own = user.extension.number if user.extension else ""
            q = q.where((Recording.callee == own) | (Recording.caller == own))
        if request.query.get("queue"):
            q = q.where(Recording.queue == request.query.get("queue"))
        total = q.count()
        rows = q.order_by(Recording.started_at.desc()).paginate(max(page, 1), per_page)
        return {"items": [{"id": r.callid, "queue": r.queue, "caller": r.caller, "callee": r.callee,
                           "started_at": stats.iso(r.started_at), "on_demand": bool(r.on_demand),
                           "available": Path(r.path).is_file()} for r in rows],
                "page": page, "per_page": per_page, "total": total}

    _music(api, box)

    @api.get("/recordings/<callid>", roles=ANYONE + ("department",), produces="audio/wav")
    def recording(callid):
        """A call's recording as WAV (agents: their own calls; department users: the calls of their tickets)."""
        row = Recording.get_or_none(Recording.callid == callid)
        user = current_user()
        if row is None:
            raise NotFound(f"call {callid} has no recording")
        if user.role == "agent" and (user.extension is None or user.extension.number not in (row.callee, row.caller)):
            raise Forbidden("agents may listen to their own calls only")
        if user.role == "department" and not tickets.department_holds_call(user.department_id, callid):
            raise Forbidden("department users may listen to the calls of their tickets only")
        path = cc().recordings.find(callid)
        if path is None:
            raise NotFound(f"the recording of call {callid} is gone (retention)")
        return static_file(path.name, root=str(path.parent), mimetype="audio/wav",
                           download=f"call-{callid}.wav" if request.query.get("download") else False)
