"""Dev box instances and the box's survival: several at once, clean down, killed supervisor."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import time
from pathlib import Path

import pytest

from tests.api import Api
from tests.integration.conftest import ADMIN_PASSWORD, BoxInstance, box_cli, start_box

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="integration tests run as root")


def processes_rooted_in(path: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.readlink(entry / "root").startswith(str(path)):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def endpoints(box: BoxInstance) -> set[str]:
    return set(re.findall(r"Endpoint:\s+(\d+)/", box.asterisk("pjsip show endpoints")))


@pytest.fixture
def names():
    made: list[str] = []
    yield made
    for name in made:
        box_cli("down", name, "--purge", check=False)


def test_two_boxes_at_once_and_down_leaves_nothing(names):
    names += [f"t-{secrets.token_hex(4)}", f"t-{secrets.token_hex(4)}"]
    boxes = [start_box(n) for n in names]
    assert boxes[0].box_ip != boxes[1].box_ip
    states = [b.state() for b in boxes]
    for b in boxes:
        assert b.health()["asterisk"] == "up"
        # Only the box's own processes live in it, the supervisor as its PID 1.
        assert b.exec("cat", "/proc/1/cmdline").replace("\0", " ").strip() == "python3 -m appliance run"
    for name, st in zip(names, states):
        root = Path(os.environ.get("CALLBOX_STATE", "/var/lib/callbox-dev/boxes")) / name / "merged"
        assert processes_rooted_in(root), "the box runs no process?"
        r = box_cli("down", name)
        assert r.returncode == 0
        assert not processes_rooted_in(root)
        assert not Path(f"/proc/{st['init_pid']}").exists()
        assert not Path(f"/run/netns/{st['netns']}").exists()
        assert not Path(f"/sys/class/net/{st['host_if']}").exists()
        # The box's mounts only ever existed in its own mount namespace.
        assert str(root) not in Path("/proc/self/mountinfo").read_text()


def test_box_runs_without_dns(names):
    names.append(f"t-{secrets.token_hex(4)}")
    b = start_box(names[0])
    assert "nameserver" not in b.exec("cat", "/etc/resolv.conf")
    hostname = b.exec("hostname").strip()
    assert hostname == names[0]
    assert b.exec("getent", "hosts", hostname).split()[0] == "127.0.1.1"

    # No telephony card and no DAHDI here: the hardware manager is healthy and finds nothing.
    health = b.wait_health(lambda h: h["managers"].get("hardware", {}).get("ok"), 30, "the hardware manager")
    assert health["hardware"] == {"cards": 0, "dahdi": False, "span_alarms": {}}, health
    assert json.loads(b.exec("python3", "-m", "appliance", "hardware", "scan")) == {"cards": [], "unsupported": []}
    # What the database makes of the DAHDI files, from the same renderers as the box's config.
    rendered = b.exec("python3", "-m", "appliance", "hardware", "render")
    assert "; ==> dahdi-system.conf" in rendered and "loadzone=cn" in rendered and "[channels]" in rendered


def test_supervisor_killed_mid_burst_loses_no_committed_change(names, tmp_path):
    names.append(f"t-{secrets.token_hex(4)}")
    b = start_box(names[0])
    api = Api(b.url).sign_in(ADMIN_PASSWORD)
    r = api.post("/extensions", {"number": "8001", "name": "Alice"})
    assert r.status == 201
    secret = r.json["secret"]
    assert api.patch("/extensions/8001", {"name": "Alice Smith"}).status == 200
    committed = []
    for i in range(2, 40):
        r = api.post("/extensions?wait=false", {"number": str(8000 + i), "name": f"Desk {i}"})
        assert r.status == 201, r
        committed.append(str(8000 + i))
    os.kill(b.state()["init_pid"], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while box_cli("list").stdout.split(names[0])[1].split()[0] != "stopped":
        assert time.monotonic() < deadline, "the box did not die with its supervisor"
        time.sleep(0.05)
    b = start_box(names[0])
    api = Api(b.url).sign_in(ADMIN_PASSWORD)
    listed = {e["number"]: e for e in api.get("/extensions?per_page=100").json["items"]}
    assert set(listed) == {"8001", *committed}
    assert listed["8001"]["name"] == "Alice Smith" and listed["8001"]["secret"] == secret
    assert endpoints(b) == set(listed)
    health = b.health()
    assert health["status"] == "ok" and health["config"]["last_error"] is None

    from tests.phones import SipStack

    stack = SipStack(b.host_ip, tmp_path)
    try:
        stack.phone("8001", secret, b.sip).register()
    finally:
        stack.close()
