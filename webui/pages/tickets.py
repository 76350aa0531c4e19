"""The tickets pages: the list (with the new-ticket dialog), one ticket, departments and categories."""

from __future__ import annotations

from appliance import box_settings
from appliance.tickets import statuses
from appliance.tickets.schema import CHANNELS, PRIORITIES

from .nav import PAGES
from .render import render


def form_values() -> dict:
    """What the new-ticket dialog (views/ticket_form.tpl) offers: the box's kinds, channels, priorities."""
    return {"kinds": box_settings.load().ticket_kinds, "channels": CHANNELS, "priorities": PRIORITIES}


def install(app, box) -> None:
    page = PAGES["tickets"]

    @app.get(page.path, roles=page.roles)
    def tickets():
        return render("tickets", title_key="nav.tickets", current="tickets", scripts=("ticket_form", "tickets"),
                      statuses=statuses.STATUSES, **form_values())

    @app.get(page.path + "/<number>", roles=page.roles)
    def ticket(number):
        return render("ticket", title_key="tk.title", current="tickets", scripts=("ticket",),
                      boot={"number": number}, number=number, priorities=PRIORITIES)
