"""The audit log and the system routes."""

from __future__ import annotations

import io
import tarfile


def test_audit_log_says_who_changed_what_without_secrets(admin):
    admin.post("/extensions", {"number": "8001", "name": "Alice"})
    admin.patch("/extensions/8001", {"name": "Alice Smith", "secret": "NewSecret-12345"})
    items = admin.get("/audit").json["items"]
    update, create = items[0], items[1]
    assert (update["actor"], update["action"], update["target"], update["status"]) == \
        ("admin", "extension.update", "8001", "applied")
    changes = {k: v for row in update["rows"] for k, v in row["changes"].items()}
    assert changes["name"] == {"from": "Alice", "to": "Alice Smith"}
    assert changes["secret"] == {"from": "(secret)", "to": "(secret)"}
    created = create["rows"][0]["changes"]
    assert created["secret"] == "(secret)" and "NewSecret" not in str(items)
    setup = items[-1]
    assert setup["action"] == "setup" and "password_hash" not in str(setup).replace("'password_hash': '(secret)'", "")


def test_restart_telephony_and_no_reboot_on_a_dev_box(admin):
    assert admin.post("/system/restart-telephony").status == 202
    assert admin.box.pbx.process.restarts
    r = admin.post("/system/reboot")
    assert r.status == 409 and "dev instance" in r.json["error"]


def test_logs_download(admin):
    logs = admin.box.runtime.paths.log
    (logs / "asterisk").mkdir(parents=True)
    (logs / "supervisor.log").write_text('{"msg": "hello"}\n')
    (logs / "asterisk" / "messages.log").write_text("NOTICE ...\n")
    r = admin.get("/system/logs")
    assert r.status == 200 and r.headers["Content-Type"] == "application/gzip"
    with tarfile.open(fileobj=io.BytesIO(r.body)) as tar:
        assert sorted(tar.getnames()) == ["logs/asterisk/messages.log", "logs/supervisor.log"]


def test_agents_may_not_see_the_audit_log(admin):
    admin.post("/extensions", {"number": "8001", "name": "Alice"})
    admin.post("/users", {"username": "alice", "password": "Agent-Pass-123", "role": "agent", "extension": "8001"})
    from tests.api import Api

    agent = Api(admin.base.rsplit("/api/v1", 1)[0])
    r = agent.post("/auth/login", {"username": "alice", "password": "Agent-Pass-123"})
    agent.token = r.json["token"]
    assert agent.get("/audit").status == 403
    assert agent.post("/system/restart-telephony").status == 403
