"""The update page: both system slots, uploading an update with its progress, factory reset."""

from __future__ import annotations

from .nav import ADMIN
from .render import render


def install(app, box) -> None:
    @app.get("/update", roles=ADMIN)
    def update_page():
        updates = getattr(box, "update", None)
        if updates is None or not box.runtime.can_reboot:
            status = {"available": False}
        else:
            status = updates.status()
        return render("update", title_key="nav.update", current="update", scripts=("update",),
                      boot={"update": status}, available=status["available"])
