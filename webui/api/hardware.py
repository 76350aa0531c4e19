"""/hardware: the telephony cards the box found, and the settings of their spans and ports;
the board's sensors and front panel where the box model declares them.

Alarms and channel states come from DAHDI where the box has it; elsewhere they
are null and "dahdi" is false (the cards list is then empty too: no driver).
"""

from __future__ import annotations

from appliance.hardware import config, live
from appliance.hardware.manager import board_doc

from ..plugins import current_user, json_body
from .apply import settle


def install(api, box) -> None:
    def found() -> dict:
        manager = getattr(box, "hardware", None)
        if manager is None or manager.error:
            return {"cards": [], "unsupported": []}
        return manager.found

    def board() -> dict:
        manager = getattr(box, "hardware", None)
        if manager is None or manager.error:
            return board_doc()
        return manager.board()

    def _calls() -> dict[int, bool] | None:
        """chan_dahdi's channels and which carry a call, where Asterisk runs with DAHDI."""
        pbx = getattr(box, "pbx", None)
        if pbx is None or pbx.error or not getattr(pbx, "ready", False) or not live.PROC.is_dir():
            return None
        try:
            return pbx.control.dahdi_calls()
        except Exception:  # noqa: BLE001 - the page shows DAHDI's own states without them
            return None

    @api.get("/hardware", roles=("admin",))
    def hardware():
        """The cards found (with the profile each matched), their spans with alarms and settings,
        their ports with channel states and what each serves, and devices no profile fits; the
        board's sensors (readings, levels, alarms; the CPU's temperature where the kernel has it)
        and its front panel (declared or not, the lines it shows)."""
        scan = found()
        status = live.read(calls=_calls())
        cards = []
        for card in scan["cards"]:
            spans = [{**config.span_doc(s["span"], card, s), "alarms": status.span_alarms(s["dahdi_span"])}
                     for s in card["spans"]]
            ports = [{**config.port_doc(p["port"], card, p), "state": status.channel_state(p["channel"])}
                     for p in card["ports"]]
            for span in spans:
                span["channels"] = [{"channel": c, "state": status.channel_state(c)} for c in
                                    range(span["first_channel"], span["first_channel"] + 31)] if status.dahdi else []
            cards.append({**card, "spans": spans, "ports": ports})
        return {"dahdi": status.dahdi, "cards": cards, "unsupported": scan["unsupported"], **board()}

    @api.post("/hardware/scan", roles=("admin",), success="200")
    def scan():
        """Look for cards again now (the box also does on every PCI or USB hot change); answers as GET."""
        manager = getattr(box, "hardware", None)
        if manager is not None and not manager.error:
            manager.rescan()
        return hardware()

    @api.get("/hardware/spans/<n>", roles=("admin",))
    def get_span(n):
        """One span's settings: signalling, framing, coding, CRC4, timing, the R2 variant, its trunk."""
        return config.get_span(found(), n)

    @api.put("/hardware/spans/<n>", roles=("admin",), schema=config.SpanSchema)
    def put_span(n):
        """Set a span: PRI network or CPE side, MFC/R2 (China variant by default) or unused."""
        settle(box, config.put_span(found(), n, json_body(), current_user().username))
        return config.get_span(found(), n)

    @api.get("/hardware/ports/<n>", roles=("admin",))
    def get_port(n):
        """One analog port: FXS (the extension it rings) or FXO (the trunk it is a line of)."""
        return config.get_port(found(), n)

    @api.put("/hardware/ports/<n>", roles=("admin",), schema=config.PortSchema)
    def put_port(n):
        """Set a port: FXS with an extension, or FXO in a DAHDI trunk."""
        settle(box, config.put_port(found(), n, json_body(), current_user().username))
        return config.get_port(found(), n)
