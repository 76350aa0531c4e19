"""/wizard: the setup wizard's steps, summary and final apply."""

from __future__ import annotations

from bottle import response

from appliance.wizard import service as wizard

from ..plugins import current_user, json_body
from .apply import settle

APPLY_WAIT = 60.0
STEP_BODY = {"type": "object", "description": "the step's answers; see the steps in GET /wizard"}


def install(api, box) -> None:
    def network():
        return getattr(box, "network", None)

    @api.get("/wizard")
    def get_state():
        """The wizard's steps, what is saved of each, and the box's network interfaces."""
        net = network()
        return {**wizard.state(),
                "interfaces": net.interfaces() if net is not None else [],
                "manages_host": box.runtime.manage_network}

    @api.put("/wizard/steps/<step>", schema=STEP_BODY)
    def save_step(step):
        """Check one step's answers and keep them as a draft (nothing is applied yet)."""
        return {"step": step, "data": wizard.save_step(step, json_body()), "next": wizard.state()["next"]}

    @api.get("/wizard/summary")
    def summary():
        """What applying the wizard will do."""
        return wizard.summary()

    @api.post("/wizard/apply", success="200")
    def apply():
        """Apply every step as one change; progress goes out as "wizard" events."""
        def progress(stage: str, percent: int) -> None:
            box.events.publish("wizard", stage=stage, percent=percent)

        net = network()
        ports = net.interfaces() if net is not None else []
        first = next((i["name"] for i in ports if i["up"]), ports[0]["name"] if ports else None)
        revision, plan = wizard.apply(current_user().username, progress, default_interface=first)
        progress("applying", 60)
        settle(box, revision, APPLY_WAIT)  # a refusal raises here and keeps the drafts for another try
        wizard.reset()
        host = net.last if net is not None else None
        progress("done", 100)
        return {"applied": True, "revision": revision, "summary": plan, "host": host}

    @api.delete("/wizard")
    def restart():
        """Forget the saved steps and start again."""
        wizard.reset()
        response.status = 204
