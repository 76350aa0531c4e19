"""The supervisor's AMI connection carries only the events its managers read.

manager.conf filters the supervisor's session down to ami_events.USED. A handler that starts
reading an event missing there would silently never see it: this test reads the handlers'
source, finds every event name they compare against, and fails on one that is not let through.
"""

from __future__ import annotations

import ast
from pathlib import Path

from appliance.pbx import ami_events
from appliance.pbx.render import render_all

from .test_render import SNAPSHOT

PACKAGE = Path(ami_events.__file__).resolve().parents[1]
# Parameters an AMI event arrives in (a Message; the reports' event_of calls it fields).
EVENT_PARAMS = {"ev", "fields"}


def _strings(node) -> set[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        found = [_strings(e) for e in node.elts]
        return set().union(*found) if found and all(f is not None for f in found) else None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("frozenset", "set") \
            and len(node.args) == 1:
        return _strings(node.args[0])
    return None


def _constants() -> dict[tuple[str, str], set[str]]:
    """Module-level collections of strings (FAILURES, EVENTS ...) by (module file's stem, name)."""
    out: dict[tuple[str, str], set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.parse(path.read_text()).body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
                if isinstance(node, ast.AnnAssign) and node.value is not None else []
            for t in targets:
                found = _strings(node.value)
                if isinstance(t, ast.Name) and found:
                    out.setdefault((path.stem, t.id), set()).update(found)
    return out


def _is_event_name(node, param: str, aliases: set[str]) -> bool:
    """`ev.name`, `fields.get("Event")` (or "event"), or a local variable that was given one of them."""
    if isinstance(node, ast.Attribute) and node.attr == "name" and isinstance(node.value, ast.Name) \
            and node.value.id == param:
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
            and isinstance(node.func.value, ast.Name) and node.func.value.id == param \
            and node.args and isinstance(node.args[0], ast.Constant) and str(node.args[0].value).lower() == "event":
        return True
    return isinstance(node, ast.Name) and node.id in aliases


def handled_events() -> dict[str, set[str]]:
    """Event name -> the files whose handlers compare against it."""
    constants = _constants()
    found: dict[str, set[str]] = {}

    def note(names, path):
        for name in names:
            found.setdefault(name, set()).add(str(path.relative_to(PACKAGE.parent)))

    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "ami" or path.name == "ami_events.py":
            continue
        tree = ast.parse(path.read_text())
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            # Handlers looked up by the event's name: getattr(self, "_on_" + ev.name).
            if fn.name.startswith("_on_") and fn.name[4:5].isupper():
                note({fn.name[4:]}, path)
            params = {a.arg for a in fn.args.args} & EVENT_PARAMS
            for param in params:
                aliases = {t.id for node in ast.walk(fn) if isinstance(node, ast.Assign)
                           and _is_event_name(node.value, param, set())
                           for t in node.targets if isinstance(t, ast.Name)}
                for node in ast.walk(fn):
                    if not isinstance(node, ast.Compare) or not _is_event_name(node.left, param, aliases):
                        continue
                    for other in node.comparators:
                        names = _strings(other)
                        if isinstance(other, ast.Name):  # a constant of this module
                            names = constants.get((path.stem, other.id))
                        elif isinstance(other, ast.Attribute) and isinstance(other.value, ast.Name):
                            names = constants.get((other.value.id, other.attr))  # park.EVENTS
                        assert names is not None, f"{path}:{node.lineno}: cannot tell which events this compares"
                        note(names, path)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.Assign):
                        for t in item.targets:
                            if isinstance(t, ast.Name) and t.id.startswith("_on_") and t.id[4:5].isupper():
                                note({t.id[4:]}, path)
    return found


def test_every_event_a_handler_reads_is_let_through():
    found = handled_events()
    # The scan sees every consumer (if one of these goes missing, the scan has gone blind).
    for name in ("FullyBooted", "ContactStatus", "ExtensionStatus", "QueueCallerJoin", "AgentCalled",
                 "QueueMemberPause", "CEL", "Hold", "MessageWaiting", "OriginateResponse", "ConfbridgeTalking",
                 "ParkedCall", "SuccessfulAuth", "InvalidPassword", "UserEvent"):
        assert name in found, name
    missing = {name: sorted(files) for name, files in found.items() if name not in ami_events.USED}
    assert not missing, f"handlers read events manager.conf filters out (add them to ami_events.USED): {missing}"


def test_no_event_read_is_disabled():
    assert not ami_events.USED & ami_events.DISABLED


def test_manager_conf_lets_through_only_the_events_read():
    manager = render_all(SNAPSHOT)["manager.conf"]
    filters = {line.split("(name(")[1].split(")")[0] for line in manager.splitlines()
               if line.startswith("eventfilter(")}
    assert filters == set(ami_events.USED)
    # Filters belong to the supervisor's user, after its section header.
    assert manager.index("[callbox]") < manager.index("eventfilter(")
    disabled = next(line for line in manager.splitlines() if line.startswith("disabledevents = "))
    assert set(disabled.split(" = ")[1].split(",")) == set(ami_events.DISABLED)
    assert manager.index("disabledevents") < manager.index("[callbox]")
