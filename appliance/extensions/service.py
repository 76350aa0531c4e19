"""Creating, changing and removing extensions, each as one journaled change."""

from __future__ import annotations

from peewee import IntegrityError, fn

from .. import destinations, numbers, secrets
from ..paging import service as paging
from ..permissions import service as permissions
from ..provisioning import service as provisioning
from ..queues import service as queues
from ..ringgroups import service as ringgroups
from ..vpn import seats
from ..db import change
from ..db.journal import utcnow
from ..db.models import DahdiPort, Extension, Mailbox, User
from ..errors import Conflict, Invalid, NotFound
from ..fields import validate
from . import csvio
from .schema import ExtensionSchema, ExtensionUpdateSchema

SORTS = {
    "number": (fn.LENGTH(Extension.number), Extension.number),
    "-number": (fn.LENGTH(Extension.number).desc(), Extension.number.desc()),
    "name": (fn.LOWER(Extension.name), Extension.number),
    "-name": (fn.LOWER(Extension.name).desc(), Extension.number),
}


def _mailbox(ext: Extension) -> Mailbox | None:
    return Mailbox.get_or_none(Mailbox.extension == ext)


FORWARDS = {"all": "forward_all", "busy": "forward_busy", "no_answer": "forward_no_answer"}
#: Longest chain of forward-all hops between extensions the dial plan follows (see dialplan.py).
MAX_FORWARD_HOPS = 5


def to_dict(ext: Extension, mailbox: Mailbox | None = None, registration: dict | None = None) -> dict:
    return {
        "number": ext.number,
        "name": ext.name,
        "secret": ext.secret,
        "email": ext.email,
        "voicemail_enabled": mailbox is not None,
        "voicemail_pin": mailbox.pin if mailbox else None,
        "recording": ext.recording,
        "dnd": ext.dnd,
        "intercom": ext.intercom,
        "browser_phone": ext.browser_phone,
        "transport": ext.transport,
        "srtp": ext.srtp,
        "forward": {key: getattr(ext, column) for key, column in FORWARDS.items()},
        "follow_me": {"enabled": ext.follow_me_enabled, "numbers": follow_numbers(ext),
                      "ring": ext.follow_me_ring, "confirm": ext.follow_me_confirm},
        "pickup_groups": groups_of(ext),
        "permission_class": ext.permission_class,
        "language": ext.language,
        "created_at": ext.created_at.isoformat() + "Z",
        "updated_at": ext.updated_at.isoformat() + "Z",
        "registration": registration,
    }


def groups_of(ext: Extension) -> list[str]:
    return ext.pickup_groups.split(",") if ext.pickup_groups else []


def follow_numbers(ext: Extension) -> list[str]:
    return ext.follow_me_numbers.split(",") if ext.follow_me_numbers else []


def _groups(values: list[str]) -> str:
    return ",".join(sorted(set(values)))


def get(number: str) -> tuple[Extension, Mailbox | None]:
    ext = Extension.get_or_none(Extension.number == number)
    if ext is None:
        raise NotFound(f"no extension {number}")
    return ext, _mailbox(ext)


def page(page: int = 1, per_page: int = 50, q: str | None = None, sort: str = "number"):
    if sort not in SORTS:
        raise Invalid(f"sort: must be one of {', '.join(SORTS)}", "sort")
    if page < 1:
        raise Invalid("page: must be 1 or more", "page")
    if not 1 <= per_page <= 1000:
        raise Invalid("per_page: must be 1 to 1000", "per_page")
    query = Extension.select()
    if q:
        query = query.where(Extension.number.contains(q) | Extension.name.contains(q))
    total = query.count()
    return with_mailboxes(list(query.order_by(*SORTS[sort]).paginate(page, per_page))), total


def everything() -> list[tuple[Extension, Mailbox | None]]:
    return with_mailboxes(list(Extension.select().order_by(*SORTS["number"])))


def with_mailboxes(extensions: list[Extension]) -> list[tuple[Extension, Mailbox | None]]:
    boxes = {m.extension_id: m for m in Mailbox.select().where(Mailbox.extension.in_([e.id for e in extensions]))}
    return [(e, boxes.get(e.id)) for e in extensions]


def _check_pin(pin: str, number: str) -> None:
    if pin == number:
        raise Invalid("voicemail_pin: must not be the extension number", "voicemail_pin")


def _check_secret(secret: str, number: str) -> None:
    if number in secret:
        raise Invalid("secret: must not contain the extension number", "secret")


def _forward_fields(number: str, given: dict | None, current: Extension | None,
                    permission_class: str | None = None) -> dict:
    """The forward_* columns for `given` (keys left out keep `current`'s value, or are off),
    each target checked: dialable, not the extension itself, no forward-all loop; a new outside
    target also within the extension's permission class (the dial plan refuses it anyway)."""
    out = {}
    for key, column in FORWARDS.items():
        if given is not None and key in given:
            out[column] = given[key]
        else:
            out[column] = getattr(current, column) if current is not None else None
    for key, column in FORWARDS.items():
        target = out[column]
        if target is None:
            continue
        field = f"forward.{key}"
        if target == number:
            raise Invalid(f"{field}: must not be the extension itself", field)
        if numbers.in_use(target) is None and not destinations.dialable(target):
            raise Invalid(f"{field}: {target} is neither a number of this box nor dialled by an outbound route",
                          field)
        if permission_class and given and key in given and numbers.in_use(target) is None:
            reason = permissions.check(permission_class, target)
            if reason is not None:
                raise Invalid(f"{field}: {target}: {reason}", field)
    _check_forward_loop(number, out["forward_all"])
    return out


def _check_forward_loop(number: str, target: str | None) -> None:
    chain = {e.number: e.forward_all for e in Extension.select(Extension.number, Extension.forward_all)
             .where(Extension.forward_all.is_null(False))}
    chain[number] = target
    seen = [number]
    while (target := chain.get(seen[-1])) is not None and target in chain:
        if target in seen:
            raise Invalid(f"forward.all: {' -> '.join(seen + [target])} would forward calls in a circle",
                          "forward.all")
        seen.append(target)
    if len(seen) > MAX_FORWARD_HOPS:
        raise Invalid(f"forward.all: {' -> '.join(seen)} is more than {MAX_FORWARD_HOPS} forwards in a row",
                      "forward.all")


FOLLOW_DEFAULTS = {"enabled": False, "numbers": [], "ring": "sequential", "confirm": True}


def _follow_fields(number: str, given: dict | None, current: Extension | None,
                   permission_class: str | None = None) -> dict:
    """The follow_me_* columns for `given` (keys left out keep `current`'s value, or the default),
    each number checked: an extension of the box or an outside number an outbound route dials,
    not the extension itself, not twice, and no circle of follow-me lists."""
    now = dict(FOLLOW_DEFAULTS)
    if current is not None:
        now = {"enabled": current.follow_me_enabled, "numbers": follow_numbers(current),
               "ring": current.follow_me_ring, "confirm": current.follow_me_confirm}
    now.update(given or {})
    field = "follow_me.numbers"
    for target in now["numbers"]:
        if target == number:
            raise Invalid(f"{field}: {target} is the extension itself (its desk phone rings first anyway)", field)
        holder = numbers.in_use(target)
        if holder is None:
            if not destinations.dialable(target):
                raise Invalid(f"{field}: {target} is neither an extension of this box nor dialled by an "
                              "outbound route", field)
            # A new outside number must be within the extension's class (the dial plan refuses it anyway).
            if permission_class and given and target in given.get("numbers", ()):
                reason = permissions.check(permission_class, target)
                if reason is not None:
                    raise Invalid(f"{field}: {target}: {reason}", field)
        elif holder != "extension":
            # A menu, queue or mailbox would answer at once and take the call from the next number.
            raise Invalid(f"{field}: {target} is a {holder}; follow-me rings extensions and outside numbers", field)
    if len(set(now["numbers"])) != len(now["numbers"]):
        raise Invalid(f"{field}: a number is given twice", field)
    if now["enabled"] and not now["numbers"]:
        raise Invalid(f"{field}: give at least one number to turn follow-me on", field)
    _check_follow_loop(number, now["numbers"])
    return {"follow_me_enabled": now["enabled"], "follow_me_numbers": ",".join(now["numbers"]),
            "follow_me_ring": now["ring"], "follow_me_confirm": now["confirm"]}


def _check_follow_loop(number: str, targets: list[str]) -> None:
    """Refuse a circle of follow-me lists (8001 follows to 8002, which follows to 8001), on or off:
    *21 switches a list on without asking again."""
    lists = {e.number: follow_numbers(e) for e in Extension.select(Extension.number, Extension.follow_me_numbers)
             .where(Extension.follow_me_numbers != "")}
    lists[number] = targets

    paths, seen = [[number]], {number}
    while paths:  # breadth first: the shortest circle is the one named
        path = paths.pop(0)
        for target in lists.get(path[-1], ()):
            if target == number:
                raise Invalid(f"follow_me.numbers: {' -> '.join(path + [target])} would follow calls in a circle",
                              "follow_me.numbers")
            if target not in seen:
                seen.add(target)
                paths.append(path + [target])


def _class(values: dict) -> str:
    """The extension's permission class: one that exists; unrestricted unless given (as before
    classes existed, so that setups keep dialling as they did)."""
    return permissions.ensure_exists(values.get("permission_class", permissions.DEFAULT_EXTENSION_CLASS),
                                     "permission_class")


def _new_pin(number: str, length: int = 6) -> str:
    while (pin := secrets.pin(length)) == number:
        pass
    return pin


def _new_secret(number: str) -> str:
    while number in (secret := secrets.sip_secret()):
        pass
    return secret


def create(data, actor: str) -> tuple[Extension, Mailbox | None, int]:
    values = validate(ExtensionSchema(), data)
    number = values["number"]
    secret = values.get("secret") or _new_secret(number)
    _check_secret(secret, number)
    pin = values.get("voicemail_pin") or _new_pin(number)
    _check_pin(pin, number)
    now = utcnow()
    try:
        with change(actor, "extension.create", number) as cs:
            numbers.ensure_free(number)
            ext = cs.create(Extension, number=number, name=values["name"], secret=secret,
                            email=values.get("email"), created_at=now, updated_at=now,
                            recording=values.get("recording", "never"), dnd=values.get("dnd", False),
                            intercom=values.get("intercom", True),
                            language=values.get("language"),
                            transport=values.get("transport", "udp"), srtp=values.get("srtp", "off"),
                            pickup_groups=_groups(values.get("pickup_groups", [])),
                            permission_class=_class(values),
                            **_forward_fields(number, values.get("forward"), None, _class(values)),
                            **_follow_fields(number, values.get("follow_me"), None, _class(values)))
            numbers.claim(cs, number, "extension", ext.id)
            box = None
            if values.get("voicemail_enabled", True):
                box = cs.create(Mailbox, number=number, name=ext.name, pin=pin, email=ext.email, extension=ext)
    except IntegrityError:
        raise Conflict(f"number {number} is already in use", "number") from None
    return ext, box, cs.revision


MAX_BULK = 2000


def create_many(rows, actor: str, *, partial: bool = False) -> tuple[list[Extension], int | None, list[dict]]:
    """Create many extensions as one change (one apply).

    Every row is checked first. Without `partial`, one bad row means nothing is
    created (Invalid carries the problems); with it, the good rows are created
    and the problems returned. A problem is {"index", "field", "error"}.
    """
    if not isinstance(rows, list) or not rows:
        raise Invalid("extensions: expected a non-empty list", "extensions")
    if len(rows) > MAX_BULK:
        raise Invalid(f"extensions: at most {MAX_BULK} at once", "extensions")
    values, errors = check_rows(rows)
    if errors and (not partial or not values):
        what = "none was created" if not partial else "no row was good"
        err = Invalid(f"{len(errors)} of {len(rows)} extensions are not valid; {what}", "extensions")
        err.details = errors
        raise err
    try:
        with change(actor, "extension.bulk_create", f"{len(values)} extensions") as cs:
            created = add_many(cs, values)
    except IntegrityError:
        # Another change took one of the numbers between the check and now.
        raise Conflict("a number was taken meanwhile; try again", "number") from None
    return created, cs.revision, errors


def check_rows(rows: list, pin_length: int = 6) -> tuple[list[dict], list[dict]]:
    """Validated values of good rows, and {"index", "field", "error"} of bad ones."""
    values, errors, seen = [], [], set()
    in_use = numbers.taken()
    for index, row in enumerate(rows):
        try:
            v = validate(ExtensionSchema(), row)
            if v["number"] in in_use:
                raise Conflict(f"number {v['number']} is already in use by {numbers.in_use(v['number'])}",
                               "number")
            if v["number"] in seen:
                raise Conflict(f"number {v['number']} is already in use by an earlier row", "number")
            v.setdefault("secret", _new_secret(v["number"]))
            _check_secret(v["secret"], v["number"])
            v.setdefault("voicemail_pin", _new_pin(v["number"], pin_length))
            _check_pin(v["voicemail_pin"], v["number"])
            v["permission_class"] = _class(v)
            v["forward"] = _forward_fields(v["number"], v.get("forward"), None, v["permission_class"])
            v["follow_me"] = _follow_fields(v["number"], v.get("follow_me"), None, v["permission_class"])
            seen.add(v["number"])
            values.append(v)
        except (Invalid, Conflict) as exc:
            errors.append({"index": index, "field": exc.field, "error": exc.message})
    return values, errors


def add_many(cs, values: list[dict]) -> list[Extension]:
    """Create within the change `cs` from values checked by check_rows."""
    now = utcnow()
    created = []
    for v in values:
        ext = cs.create(Extension, number=v["number"], name=v["name"], secret=v["secret"],
                        email=v.get("email"), created_at=now, updated_at=now,
                        recording=v.get("recording", "never"), dnd=v.get("dnd", False),
                        intercom=v.get("intercom", True), language=v.get("language"),
                        transport=v.get("transport", "udp"), srtp=v.get("srtp", "off"),
                        pickup_groups=_groups(v.get("pickup_groups", [])),
                        permission_class=v.get("permission_class", permissions.DEFAULT_EXTENSION_CLASS),
                        **v.get("forward", {}), **v.get("follow_me", {}))
        numbers.claim(cs, ext.number, "extension", ext.id, checked=True)
        if v.get("voicemail_enabled", True):
            cs.create(Mailbox, number=ext.number, name=ext.name, pin=v["voicemail_pin"], email=ext.email,
                      extension=ext)
        created.append(ext)
    return created


def import_csv(data: bytes, actor: str) -> tuple[list[Extension], int | None, list[dict]]:
    """Create the good lines of a CSV file; problems name their line (the header is line 1)."""
    try:
        parsed = csvio.parse(data)
    except csvio.CsvError as exc:
        raise Invalid(str(exc), "file") from None
    if not parsed:
        raise Invalid("the file has no rows below its header", "file")
    lines = [line for line, _ in parsed]
    rows = []
    extra = []
    for line, row in parsed:
        if row.pop("_extra", None):
            extra.append({"line": line, "field": None, "error": "more cells than the header names"})
        rows.append(row)
    bad_lines = {e["line"] for e in extra}
    keep = [(line, row) for line, row in zip(lines, rows) if line not in bad_lines]
    try:
        created, revision, errors = create_many([r for _, r in keep], actor, partial=True) if keep else ([], None, [])
    except Invalid as exc:
        if exc.details is None:
            raise
        created, revision, errors = [], None, exc.details
    problems = sorted(extra + [{"line": keep[e["index"]][0], "field": e["field"], "error": e["error"]}
                               for e in errors], key=lambda p: p["line"])
    if not created:
        err = Invalid(f"no line could be imported ({len(problems)} with problems)", "file")
        err.details = problems
        raise err
    return created, revision, problems


def reset_secret(number: str, actor: str) -> tuple[Extension, int]:
    with change(actor, "extension.reset_secret", number) as cs:
        ext, _ = get(number)
        cs.update(ext, secret=_new_secret(number), updated_at=utcnow())
    return ext, cs.revision


def update(number: str, data, actor: str, *, partial: bool) -> tuple[Extension, Mailbox | None, int | None]:
    get(number)  # an unknown extension is a 404 whatever the body says
    values = validate(ExtensionUpdateSchema(), data, partial=partial)
    if "number" in values and values["number"] != number:
        raise Invalid("number: cannot be changed; create a new extension instead", "number")
    with change(actor, "extension.update", number) as cs:
        ext, box = get(number)
        fields = {"name": values.get("name", ext.name)}
        if "secret" in values:
            _check_secret(values["secret"], number)
            fields["secret"] = values["secret"]
        if "email" in values or not partial:
            fields["email"] = values.get("email")
        for key, default in (("recording", "never"), ("dnd", False), ("intercom", True), ("language", None),
                             ("browser_phone", False), ("transport", "udp"), ("srtp", "off")):
            if key in values or not partial:
                fields[key] = values.get(key, default)
        if "pickup_groups" in values or not partial:
            fields["pickup_groups"] = _groups(values.get("pickup_groups", []))
        if "permission_class" in values or not partial:
            fields["permission_class"] = _class(values)
        if "forward" in values or not partial:
            fields.update(_forward_fields(number, values.get("forward"), ext if partial else None,
                                          fields.get("permission_class", ext.permission_class)))
        if "follow_me" in values or not partial:
            fields.update(_follow_fields(number, values.get("follow_me"), ext if partial else None,
                                         fields.get("permission_class", ext.permission_class)))
        enabled = values.get("voicemail_enabled", box is not None if partial else True)
        if "voicemail_pin" in values:
            if not enabled:
                raise Invalid("voicemail_pin: voicemail is off for this extension", "voicemail_pin")
            _check_pin(values["voicemail_pin"], number)
        cs.update(ext, **fields)
        if enabled and box is None:
            pin = values.get("voicemail_pin") or _new_pin(number)
            box = cs.create(Mailbox, number=number, name=ext.name, pin=pin, email=ext.email, extension=ext)
        elif enabled:
            cs.update(box, name=ext.name, email=ext.email, pin=values.get("voicemail_pin", box.pin))
        elif box is not None:
            destinations.ensure_unreferenced("voicemail", number, f"the mailbox of extension {number}")
            # Messages stay in the spool: turning voicemail back on shows them again.
            cs.delete(box)
            box = None
        if not cs.empty:
            cs.update(ext, updated_at=utcnow())
    return ext, box, None if cs.empty else cs.revision


def delete(number: str, actor: str) -> int:
    with change(actor, "extension.delete", number) as cs:
        ext, box = get(number)
        destinations.ensure_unreferenced("extension", number, f"extension {number}")
        destinations.ensure_unreferenced("voicemail", number, f"the mailbox of extension {number}")
        port = DahdiPort.get_or_none(DahdiPort.extension == ext)
        if port is not None:  # an analog phone is wired to it: the installer takes it off first
            raise Conflict(f"extension {number} is the phone on analog port {port.number}: give the port "
                           "another extension or none first")
        ringgroups.remove_extension(cs, ext)
        queues.remove_extension(cs, ext)
        paging.remove_extension(cs, ext)
        provisioning.remove_extension(cs, ext)
        seats.remove_extension(cs, ext)
        # Forwards to it would lead nowhere (or to whoever gets the number next): they end with it.
        for column in FORWARDS.values():
            for other in Extension.select().where(getattr(Extension, column) == number):
                cs.update(other, **{column: None})
        # So do follow-me lists' legs to it (a list left empty is switched off).
        for other in Extension.select().where(Extension.follow_me_numbers != ""):
            rest = [n for n in follow_numbers(other) if n != number]
            if len(rest) != len(follow_numbers(other)):
                cs.update(other, follow_me_numbers=",".join(rest), follow_me_enabled=other.follow_me_enabled and bool(rest))
        for user in User.select().where(User.extension == ext):
            cs.update(user, extension=None)
        if box is not None:
            cs.delete(box)
        numbers.release(cs, number)
        cs.delete(ext)
    return cs.revision
