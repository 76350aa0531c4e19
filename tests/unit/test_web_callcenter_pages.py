"""The call-center pages for each role: who opens which page, what the menu offers them,
what each page carries for its script, and the controls a role may not use left out."""

from __future__ import annotations

import re

import pytest

from tests.unit.test_web_session import Browser, boot_data, make_user, where
from webui.pages.nav import ANYONE, PAGES, STAFF

PASSWORD = "Role-Pages-Pass-12"
CALLCENTER = ("agent", "wallboard", "queues", "customers", "history", "music", "cc_settings")


@pytest.fixture
def people(admin):
    assert admin.post("/extensions", {"number": "8001", "name": "Alice"}).status == 201
    assert admin.post("/extensions", {"number": "8009", "name": "Sue"}).status == 201
    make_user("alice", PASSWORD, "agent", "8001")
    make_user("sue", PASSWORD, "supervisor", "8009")
    make_user("ada", PASSWORD, "admin")
    browsers = {}
    for role, name in (("agent", "alice"), ("supervisor", "sue"), ("admin", "ada")):
        b = Browser(admin)
        r = b.sign_in(name, PASSWORD)
        assert r.status == 303, r
        b.home = where(r)
        browsers[role] = b
    return browsers


def menu_links(page: str) -> set[str]:
    nav = page[page.index('<nav class="sidebar"'):page.index("</nav>")]
    return set(re.findall(r'href="([^"]+)"', nav))


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_each_role_opens_its_pages_and_its_menu_shows_exactly_them(people, role):
    b = people[role]
    for key in CALLCENTER:
        page = PAGES[key]
        r = b.get(page.path)
        if role in page.roles:
            assert r.status == 200, (role, key, r.body[:300])
            body = r.body.decode()
            assert f'<script src="/static/js/{"agent" if key == "agent" else key}.js"' in body
            assert 'aria-current="page"' in body
        else:
            assert r.status == 403, (role, key)
    links = menu_links(b.get("/agent").body.decode())
    expected = {p.path for p in PAGES.values() if role in p.roles}
    assert links == expected, links ^ expected


def test_roles_of_the_pages_follow_their_api():
    assert PAGES["agent"].roles == ANYONE and PAGES["customers"].roles == ANYONE
    assert all(PAGES[k].roles == STAFF for k in ("wallboard", "queues", "history", "music"))
    assert PAGES["cc_settings"].roles == ("admin",)


def test_agents_land_on_their_desk_with_their_own_extension(people):
    agent = people["agent"]
    assert agent.home == "/agent"
    assert (agent.get("/").status, where(agent.get("/"))) == (303, "/agent")
    r = agent.get("/agent?ext=8009")  # an agent cannot open someone else's desk
    data = boot_data(r)
    assert (data["extension"], data["fixed"]) == ("8001", True)
    assert 'id="agent-pick"' not in r.body.decode()
    assert people["supervisor"].home == "/"


def test_staff_choose_whose_desk(people):
    sue = people["supervisor"]
    r = sue.get("/agent?ext=8001")
    data = boot_data(r)
    assert (data["extension"], data["fixed"]) == ("8001", False)
    assert 'id="agent-pick"' in r.body.decode()
    assert boot_data(sue.get("/agent"))["extension"] == ""
    assert sue.get("/agent?ext=80%0A01").status == 422


def test_agents_see_no_level_field_nor_import_export_on_customers(people):
    agent = people["agent"].get("/customers").body.decode()
    assert 'name="level"' not in agent and 'id="import"' not in agent and "/customers/export" not in agent
    assert 'id="levels"' not in agent
    for role in ("supervisor", "admin"):
        staff = people[role].get("/customers").body.decode()
        assert 'name="level"' in staff and 'id="import"' in staff and "/customers/export" in staff
        assert 'id="levels-rows"' in staff


def test_only_administrators_get_the_queue_and_music_editors(people):
    sue = people["supervisor"]
    for path, editor in (("/queues", 'id="edit-dialog"'), ("/music", 'id="new-form"')):
        assert editor not in sue.get(path).body.decode(), path
        assert editor in people["admin"].get(path).body.decode(), path
    queues = people["admin"].get("/queues").body.decode()
    for field in ("strategy", "memory_seconds", "music", "announce_position", "announce_interval", "join_empty",
                  "leave_empty", "max_wait", "max_callers", "wrapup", "ring_timeout", "announce_agent", "survey",
                  "recording", "callback", "service_level"):
        assert f'name="{field}"' in queues, field  # every setting of a queue has its field


def test_pages_in_chinese(people):
    sue = people["supervisor"]
    assert sue.api("PATCH", "/me", {"language": "zh"}).status == 200
    r = sue.get("/wallboard")
    page = r.body.decode()
    assert "呼叫中心" in page and "实时监控" in page and "进行中的通话" in page
    assert boot_data(r)["strings"]["agent.state.on_call"] == "通话中"


def test_dashboard_has_the_recordings_alert(people):
    page = people["admin"].get("/").body.decode()
    assert 'id="recordings-alert"' in page and "New calls are not being recorded." in page
