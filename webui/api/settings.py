"""/settings: box-wide settings."""

from __future__ import annotations

from appliance import box_settings
from appliance.db import change
from appliance.fields import validate

from ..plugins import current_user, json_body
from .apply import settle


def install(api, box) -> None:
    @api.get("/settings")
    def get_settings():
        """Box-wide settings."""
        return box_settings.load().to_dict()

    @api.patch("/settings", schema=box_settings.BoxSettingsSchema)
    def patch_settings():
        """Change some box-wide settings."""
        values = validate(box_settings.BoxSettingsSchema(), json_body(), partial=True)
        with change(current_user().username, "settings.update", ",".join(sorted(values))) as cs:
            box_settings.save(cs, values)
        settle(box, None if cs.empty else cs.revision)
        storage = getattr(box, "storage", None)
        if storage is not None and not storage.error and any(k.endswith("_quota_mb") for k in values):
            storage.measure_soon()  # the dashboard's quota alerts follow the new quota at once
        return box_settings.load().to_dict()
