"""Music collections and their tracks, as journaled rows plus audio files on the data partition.

Each track is listed in musiconhold.conf (playlist mode), so adding or
removing one is a config change like any other: rendered, applied, verified.
"""

from __future__ import annotations

import re
from pathlib import Path

from marshmallow import validate as mvalidate

from .. import audio
from ..db import change
from ..db.journal import utcnow
from ..db.models import MusicClass, MusicFile, Queue
from ..errors import Conflict, Invalid, NotFound
from ..fields import Name, StrictSchema, StrictString, validate


class MusicClassSchema(StrictSchema):
    name = StrictString(required=True, validate=mvalidate.Regexp(
        r"^[a-z0-9][a-z0-9_-]{0,39}$", error="must be 1 to 40 lower-case letters, digits, - and _"))


class TrackSchema(StrictSchema):
    title = Name(required=True, max_length=80)


def to_dict(c: MusicClass) -> dict:
    files = MusicFile.select().where(MusicFile.music_class == c).order_by(MusicFile.id)
    return {"name": c.name, "tracks": [{"id": f.id, "title": f.title, "duration": f.duration} for f in files],
            "used_by": [q.number for q in Queue.select(Queue.number).where(Queue.music == c.name)]}


def listing() -> list[MusicClass]:
    return list(MusicClass.select().order_by(MusicClass.name))


def get(name: str) -> MusicClass:
    found = MusicClass.get_or_none(MusicClass.name == name)
    if found is None:
        raise NotFound(f"no music collection {name!r}")
    return found


def create(data, actor: str) -> tuple[MusicClass, int | None]:
    values = validate(MusicClassSchema(), data)
    if values["name"] == "default":
        raise Conflict("'default' is the box's own music", "name")
    with change(actor, "music.create", values["name"]) as cs:
        if MusicClass.select().where(MusicClass.name == values["name"]).exists():
            raise Conflict(f"a music collection named {values['name']!r} exists already", "name")
        music = cs.create(MusicClass, name=values["name"], created_at=utcnow())
    return music, cs.revision


def delete(name: str, root: Path, actor: str) -> int:
    with change(actor, "music.delete", name) as cs:
        music = get(name)
        users = [q.number for q in Queue.select(Queue.number).where(Queue.music == name)]
        if users:
            raise Conflict(f"music {name!r} is played by queue {', '.join(users)}")
        files = list(MusicFile.select().where(MusicFile.music_class == music))
        for f in files:
            cs.delete(f)
        cs.delete(music)
    for f in files:
        (root / name / f.filename).unlink(missing_ok=True)
    return cs.revision


def add_track(name: str, title, data: bytes, root: Path, actor: str) -> tuple[MusicFile, int]:
    values = validate(TrackSchema(), {"title": title})
    with change(actor, "music.add_track", name) as cs:
        music = get(name)
        track = cs.create(MusicFile, music_class=music, filename="", title=values["title"], duration=0.0)
        filename = f"track-{track.id}.wav"
        try:
            seconds = audio.convert(data, root / name / filename)
        except audio.AudioError as exc:
            raise Invalid(f"file: {exc}", "file") from None
        _readable(root / name)
        cs.update(track, filename=filename, duration=seconds)
    return track, cs.revision


def remove_track(name: str, track_id, root: Path, actor: str) -> int:
    with change(actor, "music.remove_track", name) as cs:
        music = get(name)
        track = MusicFile.get_or_none(MusicFile.id == _int(track_id), MusicFile.music_class == music)
        if track is None:
            raise NotFound(f"no track {track_id} in {name!r}")
        filename = track.filename
        cs.delete(track)
    (root / name / filename).unlink(missing_ok=True)
    return cs.revision


def _int(value) -> int:
    return int(value) if re.fullmatch(r"[0-9]{1,9}", str(value)) else -1


def _readable(folder: Path) -> None:
    folder.chmod(0o755)
    for f in folder.iterdir():
        f.chmod(0o644)
