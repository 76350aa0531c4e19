"""Extension service rules that are easy to get subtly wrong."""

from __future__ import annotations

import pytest

from appliance.errors import Invalid, NotFound
from appliance.extensions import service


def make(number, name="Desk", **extra):
    ext, box, _ = service.create({"number": number, "name": name, **extra}, "test")
    return ext, box


def test_names_with_joiners_are_accepted_but_not_bidi_overrides(config_db):
    ext, _ = make("8001", "می\u200cخواهم")  # Persian needs the zero-width non-joiner
    assert ext.name == "می\u200cخواهم"
    make("8002", "👩\u200d💻 Dev")
    with pytest.raises(Invalid) as err:
        make("8003", "Eve\u202egnp.exe")  # right-to-left override
    assert err.value.field == "name"


def test_pin_for_an_extension_without_voicemail_is_refused(config_db):
    make("8001", voicemail_enabled=False)
    with pytest.raises(Invalid) as err:
        service.update("8001", {"voicemail_pin": "482913"}, "test", partial=True)
    assert err.value.field == "voicemail_pin"
    _, box, _ = service.update("8001", {"voicemail_enabled": True, "voicemail_pin": "482913"}, "test",
                               partial=True)
    assert box.pin == "482913"


def test_unknown_extension_is_404_whatever_the_body(config_db):
    with pytest.raises(NotFound):
        service.update("8999", {"name": "\n"}, "test", partial=True)


def test_sort_by_name_ignores_case(config_db):
    for number, name in (("8001", "bob"), ("8002", "Zed"), ("8003", "alice")):
        make(number, name)
    rows, total = service.page(sort="name")
    assert [e.name for e, _ in rows] == ["alice", "bob", "Zed"] and total == 3


def test_generated_secret_never_contains_the_number(config_db, monkeypatch):
    from appliance import secrets

    candidates = iter(["Ab12Cd34Ef56Gh78Ij90", "AbXYCd34Ef56Gh78Ij90"])
    monkeypatch.setattr(secrets, "sip_secret", lambda: next(candidates))
    ext, _ = make("12")
    assert ext.secret == "AbXYCd34Ef56Gh78Ij90"


def test_agents_see_and_change_only_their_own_extension(admin):
    from tests.api import Api

    for n in ("8001", "8002"):
        admin.post("/extensions", {"number": n, "name": f"Desk {n}"})
    admin.post("/users", {"username": "alice", "password": "Agent-Pass-123", "role": "agent", "extension": "8001"})
    agent = Api(admin.base.rsplit("/api/v1", 1)[0])
    agent.token = agent.post("/auth/login", {"username": "alice", "password": "Agent-Pass-123"}).json["token"]
    assert agent.get("/extensions/8001").status == 200
    assert agent.get("/extensions/8002").status == 403
    assert agent.get("/extensions").status == 403
    r = agent.patch("/extensions/8001", {"voicemail_pin": "482913"})
    assert r.status == 200 and r.json["voicemail_pin"] == "482913", r
    assert agent.patch("/extensions/8001", {"name": "Boss"}).status == 403
    assert agent.put("/extensions/8001", {"name": "Boss"}).status == 403
    assert agent.patch("/extensions/8002", {"voicemail_pin": "482913"}).status == 403
    assert admin.get("/extensions/8001").json["name"] == "Desk 8001"
