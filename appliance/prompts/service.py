"""Prompts as journaled rows plus an audio file in the data partition.

The row is the config (journaled, rolled back like any change); the audio
file beside it is data: written before the row is committed (so a committed
prompt always has its file), removed after the row is gone.
"""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path

from .. import audio
from ..db import change
from ..db.journal import utcnow
from ..db.models import Ivr, Prompt, Survey
from ..errors import Conflict, Invalid, NotFound
from ..fields import Name, StrictSchema, validate
from ..ivrs import service as ivrs

RECORD_CODE = "*77"


class PromptSchema(StrictSchema):
    name = Name(required=True, max_length=60)


def audio_path(root: Path, prompt: Prompt) -> Path:
    return root / prompt.filename


def to_dict(p: Prompt) -> dict:
    return {"id": p.id, "name": p.name, "duration": p.duration, "source": p.source,
            "recorded": p.duration > 0, "record_code": f"{RECORD_CODE}{p.id}",
            "created_at": p.created_at.isoformat() + "Z"}


def get(prompt_id) -> Prompt:
    try:
        found = Prompt.get_or_none(Prompt.id == int(prompt_id))
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound(f"no prompt {prompt_id}")
    return found


def listing() -> list[Prompt]:
    return list(Prompt.select().order_by(Prompt.name))


def _check_name(name: str) -> None:
    if Prompt.select().where(Prompt.name == name).exists():
        raise Conflict(f"a prompt named {name!r} exists already", "name")


def _readable_by_asterisk(path: Path) -> None:
    try:
        owner = pwd.getpwnam("asterisk")
    except KeyError:
        return
    os.chown(path, owner.pw_uid, owner.pw_gid)


def create(name, data: bytes | None, root: Path, actor: str) -> tuple[Prompt, int]:
    """A prompt from uploaded audio, or (data None) one waiting to be recorded from a phone."""
    values = validate(PromptSchema(), {"name": name})
    with change(actor, "prompt.create", values["name"]) as cs:
        _check_name(values["name"])
        prompt = cs.create(Prompt, name=values["name"], filename="", duration=0.0,
                           source="upload" if data is not None else "phone", created_at=utcnow())
        filename = f"prompt-{prompt.id}.wav"
        duration = 0.0
        if data is not None:
            try:
                duration = audio.convert(data, root / filename)
            except audio.AudioError as exc:
                raise Invalid(f"file: {exc}", "file") from None
            _readable_by_asterisk(root / filename)
        cs.update(prompt, filename=filename, duration=duration)
    return prompt, cs.revision


def recorded(prompt_id: int, source: Path, root: Path) -> Prompt | None:
    """Take a phone recording (Asterisk's file in the spool) as the prompt's audio."""
    prompt = Prompt.get_or_none(Prompt.id == prompt_id)
    if prompt is None or not source.is_file():
        return None
    try:
        duration = audio.convert(source.read_bytes(), root / prompt.filename)
    except audio.AudioError:
        return None
    finally:
        source.unlink(missing_ok=True)
    _readable_by_asterisk(root / prompt.filename)
    with change("phone", "prompt.record", prompt.name) as cs:
        cs.update(Prompt.get_by_id(prompt_id), duration=duration, source="phone")
    return Prompt.get_by_id(prompt_id)


def delete(prompt_id, root: Path, actor: str) -> int:
    with change(actor, "prompt.delete", str(prompt_id)) as cs:
        prompt = get(prompt_id)
        users = [i.name for i in Ivr.select().where(Ivr.prompt == prompt)]
        users += [i.name for i in Ivr.select().where(Ivr.steps != "[]")
                  if i.name not in users and any(prompt.id in ivrs.prompts_of(s) for s in ivrs.steps_of(i))]
        if users:
            raise Conflict(f"prompt {prompt.name!r} is played by IVR {', '.join(map(repr, users))}")
        asking = [s.name for s in Survey.select() if any(q["prompt"] == prompt.id for q in json.loads(s.questions))]
        if asking:
            raise Conflict(f"prompt {prompt.name!r} is a question of survey {', '.join(map(repr, asking))}")
        filename = prompt.filename
        cs.delete(prompt)
    (root / filename).unlink(missing_ok=True)
    return cs.revision
