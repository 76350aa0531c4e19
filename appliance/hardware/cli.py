"""python3 -m appliance hardware scan | render"""

from __future__ import annotations

import json
import sys

from . import detect, profiles, udev


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "help"
    if command == "scan":
        found = detect.scan(udev.devices(), profiles.load_cards())
        json.dump(found, sys.stdout, indent=2)
        print()
        return 0
    if command == "render":
        # The same renderers and database as `python3 -m appliance render`, its two DAHDI files only.
        from ..__main__ import render

        return render(["dahdi-system.conf", "chan_dahdi.conf"])
    print(__doc__.strip(), file=sys.stderr)
    return 0 if command in ("help", "-h", "--help") else 2
