"""The reports store on a real PostgreSQL server (Debian's, started here for this module).

First the reports' own tests (ingestion from queue_log and channel events, call records,
retention, every report, the call log and its API) run again with their store on the
server instead of a SQLite file: the same figures from both. Then a box whose
BOX_REPORTS_DB names the server records a real call between two pjsua2 phones, and the
record is read back both from the server's table and through the box's call log.

The box runs on the host's network (its ports on loopback, none of the defaults) so that
it reaches the server on 127.0.0.1, the only address the server listens on.
"""

from __future__ import annotations

import glob
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.api import Api
from tests.integration.conftest import ADMIN_PASSWORD, box_cli, stop_box
from tests.reportstore import ENV

REPO = Path(__file__).resolve().parents[2]
REPORT_TESTS = ["test_reports.py", "test_call_records.py", "test_report_definitions.py", "test_report_rollups.py",
                "test_report_retention.py", "test_reports_api.py", "test_cdr_api.py", "test_recent_calls.py", "test_fax.py",
                "test_callcenter.py"]

# The reports' tests run in two processes (pytest-xdist, as the unit suite does), each with a
# database of its own on the server: testsgw0 and so on (tests/reportstore.py).
WORKERS = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """A PostgreSQL server of our own: its own data directory, loopback only, password auth."""
    if os.geteuid() != 0:
        pytest.skip("integration tests run as root")
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    assert found, "PostgreSQL is not installed (scripts/host-deps.sh installs Debian's postgresql)"
    bin_dir = Path(found[-1]).parent
    home = Path(tempfile.mkdtemp(prefix="callbox-pg-"))
    shutil.chown(home, "postgres")
    password = secrets.token_hex(12)
    (home / "pw").write_text(password)
    shutil.chown(home / "pw", "postgres")
    as_postgres = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run([*as_postgres, str(bin_dir / "initdb"), "-D", str(home / "data"), "-U", "callbox",
                    "--pwfile", str(home / "pw"), "-A", "scram-sha-256", "-E", "UTF8", "--no-sync"],
                   check=True, capture_output=True)
    subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(home / "data"), "-l", str(home / "log"), "-w",
                    "-o", f"-h 127.0.0.1 -p {port} -k {home} -c fsync=off -c max_connections=200", "start"],
                   check=True, capture_output=True, timeout=60)
    url = f"postgresql://callbox:{password}@127.0.0.1:{port}"
    try:
        import psycopg2

        conn = psycopg2.connect(url + "/postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            for name in ("tests", *(f"testsgw{n}" for n in range(WORKERS))):
                cur.execute(f"CREATE DATABASE {name}")
            cur.execute("CREATE DATABASE box")
        conn.close()
        yield url
    finally:
        subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(home / "data"), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(home, ignore_errors=True)


def test_the_reports_tests_pass_with_their_store_on_postgresql(server):
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", str(WORKERS),
                        *[f"tests/unit/{name}" for name in REPORT_TESTS]],
                       cwd=REPO, env={**os.environ, ENV: server + "/tests"}, capture_output=True, text=True,
                       timeout=1200)
    summary = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) >= 150 and "skipped" not in summary, summary


@pytest.fixture(scope="module")
def box(server):
    name = f"t-{secrets.token_hex(4)}"
    ports = {key: free_port() for key in ("BOX_HTTP", "BOX_SIP", "BOX_AMI", "BOX_AGI")}
    rtp = 40000 + secrets.randbelow(200) * 100
    env = [f"{key}=127.0.0.1:{port}" for key, port in ports.items()]
    env += [f"BOX_RTP={rtp}-{rtp + 99}", f"BOX_REPORTS_DB={server}/box"]
    r = box_cli("up", name, "--net", "host", "--timeout", "90", *[a for e in env for a in ("--env", e)], check=False)
    try:
        assert r.returncode == 0, f"box up failed: {r.stderr}\n{box_cli('logs', name, check=False).stdout[-4000:]}"
        yield {"url": f"http://127.0.0.1:{ports['BOX_HTTP']}", "sip": f"127.0.0.1:{ports['BOX_SIP']}"}
    finally:
        stop_box(name)


def test_a_box_records_its_calls_on_postgresql(server, box, tmp_path):
    import psycopg2

    from tests.phones import SipStack

    api = Api(box["url"]).sign_in(ADMIN_PASSWORD)
    health = api.get("/health").json
    assert health["reports"]["database"].startswith("postgresql://127.0.0.1:"), health["reports"]
    assert server.split(":")[2].split("@")[0] not in json.dumps(health)  # the password is not shown
    stack = SipStack("127.0.0.1", tmp_path)
    try:
        phones = {}
        for number in ("8001", "8002"):
            r = api.post("/extensions", {"number": number, "name": f"Desk {number}"})
            assert r.status == 201, r
            phones[number] = stack.phone(number, r.json["secret"], box["sip"]).register()
        call = phones["8001"].call("8002")
        incoming = stack.wait(phones["8002"].take_incoming, 10, "8002 ringing")
        incoming.answer_call()
        call.wait_confirmed()
        stack.wait(lambda: call.rx_packets() > 25, 5, "audio from 8002")
        call.hangup_call()
        call.wait_disconnected()
    finally:
        stack.close()

    deadline = time.monotonic() + 20
    while True:
        conn = psycopg2.connect(server + "/box")
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT id, direction, from_number, to_number, answered_by, outcome FROM call_record")
                rows = cur.fetchall()
        finally:
            conn.close()
        if rows or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(rows) == 1, rows
    call_id, direction, caller, callee, answered_by, outcome = rows[0]
    assert (direction, caller, callee, answered_by, outcome) == ("internal", "8001", "8002", "8002", "answered")
    logged = api.get("/cdr").json
    assert [c["id"] for c in logged["items"]] == [call_id], logged
