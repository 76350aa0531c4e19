"""/settings: box-wide settings."""

from __future__ import annotations

from appliance import box_settings
from appliance.db import change
from appliance.errors import Invalid
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
        hardware = getattr(box, "hardware", None)
        if values.get("software_spans"):
            # DAHDI must be there before the change applies: the change renders chan_dahdi in.
            problem = "the box has no hardware manager" if hardware is None or hardware.error else \
                hardware.load_software_spans()
            if problem:
                raise Invalid(f"software_spans: this box cannot make DAHDI software spans ({problem})",
                              "software_spans")
        with change(current_user().username, "settings.update", ",".join(sorted(values))) as cs:
            box_settings.save(cs, values)
        settle(box, None if cs.empty else cs.revision)
        if "software_spans" in values and hardware is not None and not hardware.error:
            hardware.set_software_spans(values["software_spans"])
        storage = getattr(box, "storage", None)
        if storage is not None and not storage.error and any(k.endswith("_quota_mb") for k in values):
            storage.measure_soon()  # the dashboard's quota alerts follow the new quota at once
        return box_settings.load().to_dict()
