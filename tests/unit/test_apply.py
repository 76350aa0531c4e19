"""The applier with a fake Asterisk: what reloads, what is verified, what rolls back."""

from __future__ import annotations

import json

import pytest

from appliance.db import change
from appliance.db.journal import APPLIED, PENDING, REJECTED, utcnow
from appliance.db.models import Change, ChangeRow, Extension, Mailbox
from appliance.extensions import service
from appliance.pbx.apply import plan_for


def create(number: str, name: str = "Desk") -> int:
    _, _, revision = service.create({"number": number, "name": name}, "test")
    return revision


def status(revision: int) -> str:
    return Change.get_by_id(revision).status


def test_plan_reloads_only_what_changed_in_a_fixed_order():
    plan = plan_for({"pjsip.conf", "voicemail.conf"})
    assert plan.reloads == ["app_voicemail.so", "res_pjsip.so"] and not plan.restart
    assert plan_for({"pjsip_transports.conf", "pjsip.conf"}).restart
    assert plan_for({"asterisk.conf"}).restart
    assert plan_for({"something-new.conf"}).restart
    assert plan_for(set()).reloads == []


def test_boot_verifies_everything(pbx):
    assert pbx.applier.apply_once() == "applied"
    checks = [c[0] for c in pbx.asterisk.calls]
    assert {"endpoints", "mailboxes", "getvar"} <= set(checks)
    assert pbx.asterisk.reloads() == []  # nothing changed since the files Asterisk started with


def test_a_change_reloads_its_modules_and_is_marked_applied(pbx):
    pbx.applier.apply_once()
    pbx.asterisk.calls.clear()
    revision = create("8001")
    assert status(revision) == PENDING
    assert pbx.applier.apply_once() == "applied"
    assert status(revision) == APPLIED
    assert pbx.asterisk.reloads() == ["app_voicemail.so", "pbx_config.so", "res_pjsip.so"]
    assert pbx.asterisk.endpoints() == {"8001"} and pbx.asterisk.mailboxes() == {"8001"}
    assert "[8001]" in pbx.store.read()["pjsip.conf"]
    assert pbx.applier.apply_once() == "idle"


def test_changes_coalesce_into_one_round(pbx):
    pbx.applier.apply_once()
    revisions = [create(str(8000 + i)) for i in range(1, 51)]
    pbx.asterisk.calls.clear()
    assert pbx.applier.apply_once() == "applied"
    assert pbx.asterisk.reloads().count("res_pjsip.so") == 1
    assert all(status(r) == APPLIED for r in revisions)
    assert len(pbx.asterisk.endpoints()) == 50


def test_refused_reload_restores_files_and_undoes_the_change(pbx):
    create("8001")
    pbx.applier.apply_once()
    good = pbx.store.read()
    good_gen = pbx.store.current()
    pbx.asterisk.refuse["res_pjsip.so"] = "Module not found"
    revision = create("8002", "Bob")
    assert pbx.applier.apply_once() == "rejected"
    record = Change.get_by_id(revision)
    assert record.status == REJECTED and "Module not found" in record.error
    assert not Extension.select().where(Extension.number == "8002").exists()
    assert not Mailbox.select().where(Mailbox.number == "8002").exists()
    assert pbx.store.current() == good_gen and pbx.store.read() == good
    # The last good files were reloaded after the failure.
    assert pbx.asterisk.reloads()[-3:] == ["app_voicemail.so", "pbx_config.so", "res_pjsip.so"]
    assert pbx.applier.last_error and "Module not found" in pbx.applier.last_error
    # The undo is a change of its own; applying it changes no file.
    undo = Change.select().order_by(Change.id.desc()).first()
    assert undo.action == "revert" and undo.target == str(revision)
    pbx.asterisk.refuse.clear()
    assert pbx.applier.apply_once() == "applied"
    assert pbx.store.read() == good


def test_endpoint_asterisk_did_not_load_rejects_the_round(pbx):
    pbx.applier.apply_once()
    pbx.asterisk.lose_endpoint = "8005"
    revision = create("8005")
    assert pbx.applier.apply_once() == "rejected"
    assert "missing 8005" in Change.get_by_id(revision).error
    assert Extension.select().count() == 0


def test_update_and_delete_are_undone_exactly(pbx):
    create("8001", "Alice")
    pbx.applier.apply_once()
    before = {e.number: (e.name, e.secret, e.updated_at) for e in Extension.select()}
    mailbox_before = [(m.number, m.pin, m.extension_id) for m in Mailbox.select()]
    service.update("8001", {"name": "Alice Smith"}, "test", partial=True)
    service.delete("8001", "test")
    pbx.asterisk.refuse["pbx_config.so"] = "An unknown error occurred"
    assert pbx.applier.apply_once() == "rejected"
    assert {e.number: (e.name, e.secret, e.updated_at) for e in Extension.select()} == before
    assert [(m.number, m.pin, m.extension_id) for m in Mailbox.select()] == mailbox_before


def test_persistent_fault_does_not_loop(pbx):
    pbx.applier.apply_once()
    create("8001")
    pbx.asterisk.refuse["res_pjsip.so"] = "broken"
    assert pbx.applier.apply_once() == "rejected"
    # The undo renders what Asterisk already runs: no reload, nothing to refuse.
    assert pbx.applier.apply_once() == "applied"
    assert pbx.applier.apply_once() == "idle"


def test_transport_change_asks_for_a_restart(pbx, monkeypatch):
    import dataclasses

    from tests.unit import conftest

    pbx.applier.apply_once()
    moved = dataclasses.replace(conftest.SYSTEM, sip_port=5070)
    monkeypatch.setattr(conftest, "SYSTEM", moved)
    create("8001")
    assert pbx.applier.apply_once() == "restart"
    assert pbx.asterisk.restarts and "pjsip_transports.conf" in pbx.asterisk.restarts[0]
    assert not pbx.applier.ready  # waits for Asterisk to come back


def test_changes_wait_while_asterisk_is_down(pbx):
    pbx.applier.asterisk_down()
    revision = create("8001")
    assert pbx.applier.apply_once() == "waiting"
    assert status(revision) == PENDING
    pbx.boot()  # Asterisk starts from the database, then is verified
    assert pbx.applier.apply_once() == "applied"
    assert status(revision) == APPLIED
    assert pbx.asterisk.endpoints() == {"8001"}


def test_journal_records_row_images(config_db):
    with change("alice", "extension.create", "8001") as cs:
        cs.create(Extension, number="8001", name="A", secret="s", created_at=utcnow(), updated_at=utcnow())
    rows = list(ChangeRow.select().where(ChangeRow.change == cs.revision))
    assert len(rows) == 1 and rows[0].tbl == "extension" and rows[0].before is None
    assert json.loads(rows[0].after)["number"] == "8001"
    record = Change.get_by_id(cs.revision)
    assert (record.actor, record.action, record.target) == ("alice", "extension.create", "8001")


def test_a_change_that_changes_nothing_leaves_no_revision(config_db):
    with change("alice", "noop") as cs:
        pass
    assert cs.empty and Change.select().count() == 0


def test_failed_change_rolls_back_entirely(config_db):
    with pytest.raises(RuntimeError):
        with change("alice", "extension.create", "8001") as cs:
            cs.create(Extension, number="8001", name="A", secret="s", created_at=utcnow(), updated_at=utcnow())
            raise RuntimeError("half-way")
    assert Extension.select().count() == 0 and Change.select().count() == 0


def test_outbound_publications_reload_with_the_sip_config_only_where_there_are_some():
    from appliance.pbx.apply import PUBLISH_MODULES, publishes

    with_publish = "[site2-states]\ntype = outbound-publish\n"
    assert publishes(with_publish, None) and publishes("", with_publish)
    assert not publishes("[8001]\ntype = endpoint\n", None)
    assert not set(PUBLISH_MODULES) & set(plan_for({"pjsip.conf"}).reloads)
