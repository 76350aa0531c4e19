"""python3 -m appliance hardware scan | render"""

from __future__ import annotations

import json
import sys

from . import detect, profiles, udev


def software_spans() -> bool:
    """The box setting software_spans, where the box has a config database (else off)."""
    from .. import box_settings
    from ..db import db
    from ..settings import Runtime

    path = Runtime.from_environ().paths.config_db
    if not path.exists():
        return False
    db.init(str(path))
    with db.connection_context():
        return box_settings.load().software_spans


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "help"
    if command == "scan":
        # The box's looped software spans and ports are part of what it has when the setting is on.
        found = detect.scan(udev.devices(), profiles.load_cards(), software_spans())
        json.dump(found, sys.stdout, indent=2)
        print()
        return 0
    if command == "render":
        # The same renderers and database as `python3 -m appliance render`, its two DAHDI files only.
        from ..__main__ import render

        return render(["dahdi-system.conf", "chan_dahdi.conf"])
    print(__doc__.strip(), file=sys.stderr)
    return 0 if command in ("help", "-h", "--help") else 2
