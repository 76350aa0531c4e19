"""Run a piece of code in a child Python with gevent's monkey-patching, as the box runs.

Tests cannot patch their own process (it would change every test after them),
so the code runs in a child process with a config database of its own open;
it prints one JSON document as its last line, which `run` returns.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PRELUDE = """
from gevent import monkey
monkey.patch_all()
import sys
from pathlib import Path
from appliance.db import db, open_database
open_database(Path(sys.argv[1]))
db.connect(reuse_if_open=True)
"""


def run(code: str, tmp_path: Path, timeout: float = 60):
    out = subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(code), str(tmp_path / "config.db")],
                         capture_output=True, text=True, timeout=timeout, cwd=REPO)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])
