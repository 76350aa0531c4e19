"""The Conferences page in a real browser, with real phones in the room: a room made in the
page (a bad size refused next to its field), then the room live as phones join and talk, and
the page's buttons acting on them (mute, remove, lock); the page in Chinese.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.audio import write_tone
from tests.browser.conftest import desk_phones, screenshot, sign_in

PASSWORD = "Conference-Admin-Pass-8"
HOST_PIN = "739164"


@pytest.fixture(scope="module")
def api(box):
    from tests.api import Api

    api = Api(box.url).sign_in(PASSWORD)
    for number in ("8001", "8002"):
        assert api.post("/extensions", {"number": number, "name": f"Desk {number}"}).status == 201
    return api


@pytest.fixture
def admin(new_page, api):
    page = sign_in(new_page(), "admin", PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    return page


def test_a_room_made_in_the_page_shows_its_parties_live_and_its_buttons_act(admin, api, box, tmp_path):
    page = admin
    page.goto("/conferences")
    page.click("#add")
    dialog = page.locator("#edit-dialog")
    dialog.locator("input[name=number]").fill("8500")
    dialog.locator("input[name=name]").fill("Board")
    dialog.locator("input[name=host_pin]").fill(HOST_PIN)
    dialog.locator("input[name=max_parties]").fill("65")
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator("[data-error-for=max_parties]")).to_be_visible()
    dialog.locator("input[name=max_parties]").fill("10")
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#rows tr[data-key='8500']")).to_contain_text("Board")
    expect(page.locator("#rows tr[data-key='8500']")).to_contain_text("no PIN · host PIN")
    assert api.get("/conferences/8500").json["host_pin"] == HOST_PIN
    card = page.locator("#room-8500")
    expect(card).to_contain_text("Nobody is in this room")

    tone = write_tone(tmp_path / "tone.wav", 900, 3.0)
    with desk_phones(box, api, tmp_path, "8001", "8002") as phones:
        stack = phones["8001"].stack
        host = phones["8001"].call("8500")
        host.wait_confirmed()
        stack.wait(lambda: host.listener.heard_sound(min_ms=300), 10, "the PIN prompt")
        host.send_dtmf(HOST_PIN + "#")
        guest = phones["8002"].call("8500")
        guest.wait_confirmed()
        stack.wait(lambda: guest.listener.heard_sound(min_ms=300), 10, "the PIN prompt")
        guest.send_dtmf("#")  # no participants' PIN: # joins
        rows = card.locator("tbody.parties tr")
        expect(rows).to_have_count(2)
        expect(card.locator("tr[data-caller='8001']")).to_contain_text("host")
        expect(page.locator("td[data-count='8500']")).to_have_text("2 in the room")

        # Who talks shows while the phone talks.
        guest.play(tone, loop=True)
        expect(card.locator("tr[data-caller='8002']")).to_have_attribute("data-talking", "yes")
        screenshot(page, "conferences")

        card.locator("tr[data-caller='8002'] [data-act=mute]").click()
        expect(card.locator("tr[data-caller='8002']")).to_have_attribute("data-muted", "yes")
        assert [p["muted"] for p in api.get("/conferences/8500/live").json["parties"] if p["caller"] == "8002"] == [True]

        card.locator("[data-act=lock]").click()
        expect(card.locator(".room-state")).to_have_text("Locked")
        expect(card.locator("[data-act=lock]")).to_have_text("Unlock")

        card.locator("tr[data-caller='8002'] [data-act=kick]").click()
        page.click("#confirm-ok")
        expect(rows).to_have_count(1)
        guest.wait_disconnected(timeout=10)

        page.click(".topbar button[value=zh]")
        expect(page.locator("h1").first).to_have_text("会议室")
        expect(card.locator("tr[data-caller='8001']")).to_contain_text("主持人")
        expect(card.locator(".room-state")).to_have_text("已锁定")
        screenshot(page, "zh-conferences")
        page.click(".topbar button[value=en]")
        host.hangup_call()
        host.wait_disconnected(timeout=10)
    expect(card).to_contain_text("Nobody is in this room")
