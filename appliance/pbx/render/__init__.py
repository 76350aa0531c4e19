"""Renderers: pure functions from a Snapshot to {file name: text}.

No renderer reads a file, the clock or the database; the same snapshot always
gives the same bytes, which is what the golden-file tests hold them to.
"""

from __future__ import annotations

from ..snapshot import Snapshot
from . import confbridge, core, dahdi, dialplan, fax, manager, pjsip, queues, voicemail, webrtc

RENDERERS = (core.render, pjsip.render, dialplan.render, voicemail.render, manager.render, queues.render,
             confbridge.render, dahdi.render, fax.render, webrtc.render)


def render_all(snap: Snapshot) -> dict[str, str]:
    files: dict[str, str] = {}
    for renderer in RENDERERS:
        for name, text in renderer(snap).items():
            if name in files:
                raise ValueError(f"two renderers produce {name}")
            files[name] = text
    return dict(sorted(files.items()))
