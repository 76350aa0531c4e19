"""The setup wizard's steps and its final apply.

Each step is checked and kept as a draft (the wizard_step table), never as live
config: an installer who leaves half-way leaves the box as it was. The last
step applies every draft in ONE change, so the box gets all of it or, if
anything is refused, none of it.
"""

from __future__ import annotations

import json

from .. import box_settings, numbers
from ..db import change, write_lock
from ..db.journal import utcnow
from ..db.models import Extension, InboundRoute, Ivr, OutboundPattern, OutboundRoute, Trunk, User, WizardStep
from ..errors import Invalid
from ..extensions import csvio
from ..extensions import service as extensions
from ..fields import validate
from ..ivrs import service as ivrs
from ..ringgroups import service as ringgroups
from ..routes import inbound, outbound
from ..trunks import service as trunks
from ..trunks.schema import DEFAULTS as TRUNK_DEFAULTS
from .schema import STEPS

ORDER = ("role", "network", "time", "trunk", "extensions", "inbound")
SECRET_KEYS = {"secret"}


def drafts() -> dict[str, dict]:
    return {row.step: json.loads(row.data) for row in WizardStep.select()}


def state() -> dict:
    saved = drafts()
    return {
        "steps": [{"name": name, "done": name in saved,
                   "data": {k: ("(secret)" if k in SECRET_KEYS and v else v) for k, v in saved.get(name, {}).items()}}
                  for name in ORDER],
        "next": next((name for name in ORDER if name not in saved), "summary"),
        "wizard_done": box_settings.load().wizard_done,
    }


def save_step(step: str, data) -> dict:
    if step not in STEPS:
        raise Invalid(f"there is no wizard step {step!r}; the steps are {', '.join(ORDER)}", "step")
    if step == "trunk" and isinstance(data, dict) and data.get("secret") == "(secret)":
        # The page shows a saved secret as "(secret)"; sent back unchanged, it means "keep it".
        data = {**data, "secret": drafts().get("trunk", {}).get("secret")}
    values = validate(STEPS[step](), data)
    if step == "time":
        validate(box_settings.BoxSettingsSchema(), {"timezone": values["timezone"]}, partial=True)
    if step == "extensions":
        _extension_rows(values)  # reports bad ranges and bad CSV lines now, not at the end
    if step == "inbound":
        _check_inbound(values, _planned_numbers(drafts()))
    with write_lock:
        WizardStep.replace(step=step, data=json.dumps(values, ensure_ascii=False), updated_at=utcnow()).execute()
    return values


def reset() -> None:
    with write_lock:
        WizardStep.delete().execute()


# -- the plan ----------------------------------------------------------------------------

def _extension_rows(values: dict) -> list[dict]:
    if "csv" in values:
        try:
            parsed = csvio.parse(values["csv"].encode())
        except csvio.CsvError as exc:
            raise Invalid(f"csv: {exc}", "csv") from None
        rows = [row for _, row in parsed]
        lines = [line for line, _ in parsed]
    else:
        width = len(values["first"])
        rows = [{"number": str(n).zfill(width), "name": values["name_pattern"].replace("{n}", str(n).zfill(width))}
                for n in range(int(values["first"]), int(values["last"]) + 1)]
        lines = None
    checked, errors = extensions.check_rows(rows, values.get("pin_length", 6))
    if errors:
        where = (lambda e: f"line {lines[e['index']]}") if lines else (lambda e: f"number {rows[e['index']]['number']}")
        err = Invalid(f"{len(errors)} of the extensions cannot be made; first: {where(errors[0])}: "
                      f"{errors[0]['error']}", "csv" if lines else "first")
        err.details = [{"line" if lines else "number": lines[e["index"]] if lines else rows[e["index"]]["number"],
                        "field": e["field"], "error": e["error"]} for e in errors]
        raise err
    return checked


def _planned_numbers(saved: dict) -> set[str]:
    if "extensions" not in saved:
        return set()
    try:
        return {row["number"] for row in _extension_rows(saved["extensions"])}
    except Invalid:
        return set()


def _check_inbound(values: dict, planned: set[str]) -> None:
    def known(number: str, field: str) -> None:
        if number not in planned and not Extension.select().where(Extension.number == number).exists():
            raise Invalid(f"{field}: extension {number} is neither on the box nor in this setup", field)

    if values["kind"] == "extension":
        known(values["extension"], "extension")
    elif values["kind"] == "ring_group":
        for m in values["members"]:
            known(m, "members")
    else:
        for opt in values["options"]:
            known(opt["extension"], "options")
    own = values.get("number")
    if own and (own in planned or numbers.in_use(own)):
        raise Invalid(f"number: {own} is already taken", "number")


def summary() -> dict:
    saved = drafts()
    missing = [name for name in ORDER if name not in saved]
    if missing:
        raise Invalid(f"finish the step {missing[0]!r} first", missing[0])
    rows = _extension_rows(saved["extensions"])
    trunk = saved["trunk"]
    return {
        "role": saved["role"]["role"],
        "hostname": saved["network"]["hostname"],
        "network": {k: v for k, v in saved["network"].items() if k != "hostname"},
        "time": saved["time"],
        "trunk": None if trunk.get("skip") else {k: v for k, v in trunk.items() if k not in ("skip", "secret")},
        "extensions": {"count": len(rows), "first": rows[0]["number"], "last": rows[-1]["number"]},
        "inbound": saved["inbound"],
    }


def apply(actor: str, progress=lambda stage, percent: None, default_interface: str | None = None) -> tuple[int, dict]:
    """Everything the wizard collected, as one change. Returns (revision, summary).

    `default_interface`: the port a network answer without one means (the first the box found)."""
    progress("checking", 10)
    plan = summary()
    saved = drafts()
    progress("saving", 30)
    with change(actor, "wizard.apply", plan["hostname"]) as cs:
        net = saved["network"]
        box_settings.save(cs, {
            "role": saved["role"]["role"],
            "hostname": net["hostname"],
            "network": _network(net, default_interface),
            "timezone": saved["time"]["timezone"],
            "ntp_servers": saved["time"].get("ntp_servers", []),
            "language": saved["time"].get("language") or _language_of(actor),
            "wizard_done": True,
        })
        trunk = saved["trunk"]
        if not trunk.get("skip"):
            fields = {k: v for k, v in trunk.items() if k in TRUNK_DEFAULTS or k in ("name", "host")}
            t = trunks.add(cs, {**fields, "name": _free_name(Trunk, fields["name"])})
            prefix = trunk.get("outside_prefix")
            if prefix is not None:
                _outside_line(cs, t, prefix)
        extensions.add_many(cs, _extension_rows(saved["extensions"]))
        dest = _inbound_destination(cs, saved["inbound"])
        catch_all = InboundRoute.get_or_none(InboundRoute.did.is_null(), InboundRoute.cid.is_null())
        if catch_all is None:
            inbound.add(cs, {"name": "All calls", "destination": dest})
        else:  # the wizard ran before: calls now go where this run says
            cs.update(catch_all, dest_kind=dest["kind"], dest_target=dest["target"])
    # The drafts stay until the caller knows Asterisk took the change (then: reset()).
    return cs.revision, plan


def _network(answer: dict, default_interface: str | None) -> dict:
    """The wizard's one port in the network document, the rest of the document kept
    (VLANs, routes and other ports made on the Network page stay)."""
    from ..network.schema import from_wizard

    current = box_settings.load().network
    doc = from_wizard({**answer, "interface": answer.get("interface") or default_interface},
                      default_interface or "eth0")
    port = {i["name"] for i in doc["interfaces"]}
    routes = [r for r in current["routes"] if r["destination"] not in ("0.0.0.0/0", "::/0")] \
        if doc["routes"] else current["routes"]
    return {**current, "interfaces": doc["interfaces"] + [i for i in current["interfaces"] if i["name"] not in port],
            "routes": doc["routes"] + routes, "dns": doc["dns"]}


def _language_of(username: str) -> str:
    """A box set up in Chinese speaks Chinese to its callers."""
    user = User.get_or_none(User.username == username)
    return user.language if user is not None else "en"


def _inbound_destination(cs, values: dict) -> dict:
    if values["kind"] == "extension":
        return {"kind": "extension", "target": values["extension"]}
    if values["kind"] == "ring_group":
        group = ringgroups.add(cs, {"number": values.get("number") or _free("600"), "name": "Reception",
                                    "members": values["members"]})
        return {"kind": "ring_group", "target": group.number}
    menu = ivrs.add(cs, {"name": _free_name(Ivr, "Main menu"), "number": values.get("number"), "direct_dial": True,
                         "options": [{"digit": o["digit"], "kind": "extension", "target": o["extension"]}
                                     for o in values["options"]]})
    return {"kind": "ivr", "target": str(menu.id)}


def outside_line_patterns(prefix: str, national_prefix: str, country_code: str) -> list[dict]:
    """Whatever follows the outside-line prefix, sorted by the kind of number it is, so that
    permission classes can tell them apart: 00... abroad, 0... (the national prefix) and, in
    China, 1... (mobiles) another city, the rest local. Asterisk picks the most specific."""
    def pattern(rest: str, reach: str) -> dict:
        return {"pattern": f"_{prefix}{rest}X.", "strip": len(prefix), "prefix": "", "reach": reach}

    out = [pattern("00", "international")]
    if national_prefix and national_prefix != "00":
        out.append(pattern(national_prefix, "national"))
    if country_code in ("", "86"):
        out.append(pattern("1", "national"))
    out.append(pattern("", "local"))
    return out


def _outside_line(cs, trunk, prefix: str) -> None:
    """A route dialling out through the trunk after the prefix; if one already takes that
    prefix (the wizard ran before), the new trunk becomes its next choice."""
    s = box_settings.load()
    patterns = outside_line_patterns(prefix, s.national_prefix, s.country_code)
    existing = OutboundPattern.get_or_none(OutboundPattern.pattern == patterns[-1]["pattern"])
    if existing is None:
        outbound.add(cs, {"name": _free_name(OutboundRoute, "Outside line"), "trunks": [trunk.id],
                          "patterns": patterns})
    else:
        route = existing.route
        outbound.set_trunks(cs, route, outbound.trunks_of(route) + [trunk.id])


def _free_name(model, base: str) -> str:
    """`base`, or "base 2", "base 3"...: the wizard may run again on a configured box."""
    name, n = base, 1
    while model.select().where(model.name == name).exists():
        n += 1
        name = f"{base} {n}"
    return name


def _free(start: str) -> str:
    n = int(start)
    while numbers.in_use(str(n)):
        n += 1
    return str(n)
