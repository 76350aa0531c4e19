"""IVRs and their key options as journaled changes."""

from __future__ import annotations

import json

from .. import destinations, numbers
from ..db import change
from ..db.journal import utcnow
from ..db.models import Ivr, IvrOption, Prompt
from ..errors import Conflict, Invalid, NotFound
from ..fields import validate
from .schema import DEFAULTS, IvrSchema, step_values


def options_of(ivr: Ivr) -> list[dict]:
    order = {d: i for i, d in enumerate("1234567890*#")}
    opts = sorted(IvrOption.select().where(IvrOption.ivr == ivr), key=lambda o: order[o.digit])
    return [{"digit": o.digit, **destinations.as_dict(o.dest_kind, o.dest_target)} for o in opts]


def to_dict(ivr: Ivr) -> dict:
    return {
        "id": ivr.id, "name": ivr.name, "number": ivr.number, "prompt": ivr.prompt_id,
        "timeout": ivr.timeout, "max_tries": ivr.max_tries, "direct_dial": ivr.direct_dial, "language": ivr.language,
        "options": options_of(ivr),
        "on_timeout": destinations.as_dict(ivr.timeout_kind, ivr.timeout_target),
        "on_invalid": destinations.as_dict(ivr.invalid_kind, ivr.invalid_target),
        "steps": steps_of(ivr),
    }


def steps_of(ivr: Ivr) -> list[dict]:
    return json.loads(ivr.steps or "[]")


def prompts_of(step: dict) -> list[int]:
    """The prompts a step plays."""
    return [p for p in [step.get("prompt"), *(c["prompt"] for c in step.get("choices", []))] if p is not None]


def _steps(steps: list[dict], own_id: int | None) -> str:
    """Checked steps (their prompts and fallbacks exist) as stored."""
    out = []
    for i, raw in enumerate(steps):
        step = step_values(raw)
        for prompt in prompts_of(step):
            if not Prompt.select().where(Prompt.id == prompt).exists():
                raise Invalid(f"steps: step {i + 1} plays prompt {prompt}, which does not exist", "steps")
        if "fallback" in step:
            kind, target = _target(step["fallback"], "steps", own_id)
            step["fallback"] = destinations.as_dict(kind, target)
        out.append(step)
    return json.dumps(out, ensure_ascii=False)


def get(ivr_id) -> Ivr:
    try:
        found = Ivr.get_or_none(Ivr.id == int(ivr_id))
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound(f"no IVR {ivr_id}")
    return found


def listing() -> list[Ivr]:
    return list(Ivr.select().order_by(Ivr.name))


def _fields(values: dict, own_id: int | None) -> dict:
    """Checked columns from validated values (targets exist, names and numbers free)."""
    out = {k: values[k] for k in ("name", "timeout", "max_tries", "direct_dial", "language") if k in values}
    if "name" in values:
        q = Ivr.select().where(Ivr.name == values["name"])
        if own_id is not None:
            q = q.where(Ivr.id != own_id)
        if q.exists():
            raise Conflict(f"an IVR named {values['name']!r} exists already", "name")
    if "prompt" in values:
        if values["prompt"] is not None and not Prompt.select().where(Prompt.id == values["prompt"]).exists():
            raise Invalid(f"prompt: there is no prompt {values['prompt']}", "prompt")
        out["prompt"] = values["prompt"]
    if "steps" in values:
        out["steps"] = _steps(values["steps"], own_id)
    for key, kind_col, target_col in (("on_timeout", "timeout_kind", "timeout_target"),
                                      ("on_invalid", "invalid_kind", "invalid_target")):
        if key in values:
            out[kind_col], out[target_col] = _target(values[key], key, own_id)
    return out


def _target(dest: dict, field: str, own_id: int | None) -> tuple[str, str | None]:
    # An IVR may send callers back to itself (a menu loops); it must exist for others.
    if dest["kind"] == "ivr" and own_id is not None and dest.get("target") == str(own_id):
        return "ivr", str(own_id)
    return destinations.check_exists(dest, field)


def _set_options(cs, ivr: Ivr, options: list[dict]) -> None:
    for old in IvrOption.select().where(IvrOption.ivr == ivr):
        cs.delete(old)
    for i, opt in enumerate(options):
        kind, target = _target(opt, f"options.{i}", ivr.id)
        cs.create(IvrOption, ivr=ivr, digit=opt["digit"], dest_kind=kind, dest_target=target)


def _number(cs, ivr: Ivr, number: str | None) -> None:
    if ivr.number == number:
        return
    if ivr.number:
        numbers.release(cs, ivr.number)
    if number:
        numbers.claim(cs, number, "ivr", ivr.id)
    cs.update(ivr, number=number)


def create(data, actor: str) -> tuple[Ivr, int]:
    values = validate(IvrSchema(), data)
    with change(actor, "ivr.create", values["name"]) as cs:
        ivr = add(cs, values)
    return ivr, cs.revision


def add(cs, values: dict) -> Ivr:
    """Create within the change `cs` from validated values."""
    values = {**DEFAULTS, **values}
    if values["number"]:
        numbers.ensure_free(values["number"])
    now = utcnow()
    # Created first so its options may point back at it.
    ivr = cs.create(Ivr, name=values["name"], number=None, prompt=None, timeout=values["timeout"],
                    max_tries=values["max_tries"], direct_dial=values["direct_dial"],
                    timeout_kind="hangup", timeout_target=None, invalid_kind="hangup", invalid_target=None,
                    steps="[]", created_at=now, updated_at=now)
    cs.update(ivr, **_fields(values, ivr.id))
    _number(cs, ivr, values["number"])
    _set_options(cs, ivr, values["options"])
    return ivr


def update(ivr_id, data, actor: str, *, partial: bool) -> tuple[Ivr, int | None]:
    get(ivr_id)
    values = validate(IvrSchema(), data, partial=partial)
    if not partial:
        values = {**DEFAULTS, **values}
    with change(actor, "ivr.update", str(ivr_id)) as cs:
        ivr = get(ivr_id)
        cs.update(ivr, **_fields(values, ivr.id))
        if "number" in values:
            _number(cs, ivr, values["number"])
        if "options" in values and values["options"] != options_of(ivr):
            _set_options(cs, ivr, values["options"])
        if not cs.empty:
            cs.update(ivr, updated_at=utcnow())
    return ivr, None if cs.empty else cs.revision


def delete(ivr_id, actor: str) -> int:
    with change(actor, "ivr.delete", str(ivr_id)) as cs:
        ivr = get(ivr_id)
        users = [u for u in destinations.referrers("ivr", str(ivr.id)) if u != f"IVR {ivr.name!r}"
                 and not u.startswith(f"IVR {ivr.name!r} (")]
        if users:
            raise Conflict(f"IVR {ivr.name!r} is in use by {', '.join(users[:5])}")
        for opt in IvrOption.select().where(IvrOption.ivr == ivr):
            cs.delete(opt)
        if ivr.number:
            numbers.release(cs, ivr.number)
        cs.delete(ivr)
    return cs.revision
