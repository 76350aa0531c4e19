"""Where a test's reports store lives.

A SQLite file in the test's directory; or, when CALLBOX_TEST_POSTGRESQL names a
server (tests/integration/test_reports_postgresql.py runs the reports tests so),
that server's database, emptied for the test.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "CALLBOX_TEST_POSTGRESQL"


def reports_store(directory: Path, name: str = "reports.db") -> Path | str:
    url = os.environ.get(ENV)
    if not url:
        return directory / name
    # Each of pytest-xdist's workers empties a database of its own (made by the module above).
    url += os.environ.get("PYTEST_XDIST_WORKER", "")
    import psycopg2

    from appliance.reports.db import PooledPostgresqlDatabase, reports_db

    if isinstance(reports_db.obj, PooledPostgresqlDatabase):
        reports_db.obj.close_all()  # a connection of the last test would hold the schema
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        conn.close()
    return url
