"""The call-flow pages in a real browser, with real phones where a call is involved:
a two-level voice menu built in the IVR page and walked by a caller, ring groups,
inbound and outbound routes and trunks, refusals of deletes that are in use, the
audit log and the system page; a screenshot of every main page.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.audio import write_tone
from tests.browser.conftest import desk_phones, screenshot, sign_in

PASSWORD = "Call-Flow-Admin-Pass-5"
DESKS = ("8001", "8002", "8003")


@pytest.fixture(scope="module")
def api(box):
    from tests.api import Api

    return Api(box.url).sign_in(PASSWORD)


@pytest.fixture(scope="module")
def extensions(api):
    for number in DESKS:
        r = api.post("/extensions", {"number": number, "name": f"Desk {number}"})
        assert r.status == 201, r
    return DESKS


@pytest.fixture
def admin(new_page, api):
    page = sign_in(new_page(), "admin", PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    return page


def upload_prompt(page, wav):
    """A new greeting from a file, chosen for the menu in the editor."""
    page.click("#new-prompt")
    form = page.locator("#prompt-form")
    form.locator("input[name=file]").set_input_files(str(wav))
    form.locator("button[type=submit]").click()
    expect(page.locator("#prompt-dialog")).not_to_be_visible()
    expect_prompt_plays(page)


def expect_prompt_plays(page):
    """The chosen greeting plays in the page: the browser reads the converted audio's length."""
    page.wait_for_function("() => { const a = document.getElementById('prompt-audio');"
                           " return !a.hidden && a.readyState >= 1 && a.duration > 1 }")


def menu_row(page, name: str):
    return page.locator("#rows tr").filter(has=page.locator("td:first-child", has_text=re.compile(f"^{name}$")))


def set_key(row, digit: str, kind: str, target: str | None = None):
    row.locator("select[name=digit]").select_option(digit)
    row.locator("select.dest-kind").select_option(kind)
    if target is not None:
        row.locator("select.dest-target").select_option(target)


def test_two_level_menu_built_in_the_page_reaches_the_right_extension(admin, api, box, extensions, tmp_path):
    page = admin
    page.goto("/ivr")
    expect(page.locator("#empty")).to_be_visible()
    page.click("#add")
    menu = page.locator("#menu-form")
    menu.locator("input[name=name]").fill("Welcome")
    menu.locator("input[name=number]").fill("700")
    menu.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/ivr\?id=\d+$"))
    expect(page.locator("#trail h1")).to_have_text("Welcome")
    upload_prompt(page, write_tone(tmp_path / "welcome.wav", 900, 1.5))

    # Key 1 makes the next level from where it is needed.
    page.click("#add-key")
    key = page.locator("#keys tr").nth(0)
    set_key(key, "1", "ivr")
    key.locator("select.dest-target").select_option("new")
    menu.locator("input[name=name]").fill("Support")
    menu.locator("button[type=submit]").click()
    expect(key.locator("select.dest-target option:checked")).to_have_text("Support")
    page.click("#add-key")
    set_key(page.locator("#keys tr").nth(1), "3", "extension", "8002")
    screenshot(page, "ivr-menu")
    key.locator(".open-menu").click()  # saves this menu, then goes down into Support

    expect(page.locator("#trail h1")).to_have_text("Support")
    expect(page.locator("#trail")).to_contain_text("Welcome")
    upload_prompt(page, write_tone(tmp_path / "support.wav", 1500, 1.5))
    page.click("#add-key")
    set_key(page.locator("#keys tr").nth(0), "2", "extension", "8003")
    page.click("#add-key")
    set_key(page.locator("#keys tr").nth(1), "*", "ivr")  # the menu again: a loop
    page.locator("#keys tr").nth(1).locator("select.dest-target").select_option(label="Support")
    page.locator("#ivr-form select[name='on_timeout.kind']").select_option("voicemail")
    page.locator("#ivr-form select[name='on_timeout.target']").select_option("8001")
    page.click("#ivr-form button[type=submit]")
    expect(page.locator("#toast")).to_contain_text("“Support” saved.")
    screenshot(page, "ivr-submenu")

    page.locator("#trail").get_by_role("button", name="Welcome").click()
    expect(page.locator("#trail h1")).to_have_text("Welcome")
    expect(page.locator("#keys tr")).to_have_count(2)
    page.locator("#trail").get_by_role("button", name="All menus").click()
    expect(page.locator("#rows tr")).to_have_count(2)
    expect(page.locator("#rows tr", has_text="Welcome")).to_contain_text("1 → Menu Support")
    screenshot(page, "ivr")

    # A caller walks it: the first menu's tone, key 1, the second's tone, key 2, and 8003 rings.
    with desk_phones(box, api, tmp_path, *extensions) as phones:
        call = phones["8001"].call("700")
        call.wait_confirmed()
        call.through_menus([(900, "1"), (1500, "2")])
        ringing = phones["8003"].wait_incoming(timeout=10)
        ringing.answer_call()
        ringing.wait_confirmed()
        assert len(phones["8002"].incoming) == 0
        call.hangup_call()
        ringing.wait_disconnected()


def test_a_menu_in_use_is_not_deleted(admin):
    page = admin
    page.goto("/ivr")
    menu_row(page, "Support").get_by_role("button", name="Delete").click()
    page.click("#confirm-ok")
    expect(page.locator("#page-error")).to_contain_text("in use by IVR 'Welcome' (key 1)")
    expect(page.locator("#rows tr")).to_have_count(2)


def test_greeting_recorded_from_a_supervisor_phone(admin, api, box, extensions, tmp_path):
    r = api.post("/users", {"username": "sue", "password": "Super-Visor-77", "role": "supervisor", "extension": "8001"})
    assert r.status == 201, r
    page = admin
    page.goto("/ivr")
    menu_row(page, "Welcome").get_by_role("button", name="Edit").click()
    page.click("#new-prompt")
    form = page.locator("#prompt-form")
    form.locator("input[name=name]").fill("Night greeting")
    form.locator("input[name=source][value=phone]").check()
    expect(form.locator("input[name=file]")).to_be_hidden()
    form.locator("button[type=submit]").click()
    notice = page.locator("#record-notice")
    expect(notice).to_contain_text("from an administrator's or supervisor's phone")
    expect(page.locator("#prompt-select option:checked")).to_have_text("Night greeting (not recorded yet)")
    screenshot(page, "ivr-record-from-phone")
    code = re.search(r"\*77\d+", notice.inner_text()).group(0)
    with desk_phones(box, api, tmp_path, "8001") as phones:
        phones["8001"].record_prompt(code, write_tone(tmp_path / "night.wav", 1300, 2.0))
    # The page sees the recording by itself and plays it.
    expect(notice).to_be_hidden(timeout=10_000)
    expect(page.locator("#prompt-select option:checked")).to_have_text("Night greeting")
    expect_prompt_plays(page)


def test_ring_group_and_inbound_route(admin, extensions):
    page = admin
    page.goto("/ring-groups")
    page.click("#add")
    form = page.locator("#edit-dialog form")
    form.locator("input[name=number]").fill("600")
    form.locator("input[name=name]").fill("Sales")
    form.locator("select[name=strategy]").select_option("inorder")
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-error-for='members']")).to_be_visible()  # at least one member
    members = form.locator(".ordered-list")
    for number in ("8002", "8003"):
        members.locator("select.ordered-pick").select_option(number)
        members.get_by_role("button", name="Add").click()
    members.locator("li[data-value='8003']").get_by_role("button", name="Move up").click()
    expect(members.locator("li").first).to_have_attribute("data-value", "8003")
    form.locator("select[name='no_answer.kind']").select_option("voicemail")
    form.locator("select[name='no_answer.target']").select_option("8001")
    screenshot(page, "ring-group-dialog")
    form.locator("button[type=submit]").click()
    row = page.locator("#rows tr[data-key='600']")
    expect(row).to_contain_text("8003, 8002")
    expect(row).to_contain_text("One after another")
    expect(row).to_contain_text("Voicemail 8001")
    screenshot(page, "ring-groups")

    page.goto("/inbound-routes")
    page.click("#add")
    form = page.locator("#edit-dialog form")
    form.locator("input[name=name]").fill("Sales line")
    form.locator("input[name=did]").fill("075512345678")
    form.locator("select[name='destination.kind']").select_option("ring_group")
    form.locator("button[type=submit]").click()
    row = page.locator("#rows tr", has_text="Sales line")
    expect(row).to_contain_text("Ring group 600 · Sales")
    screenshot(page, "inbound-routes")

    # The route uses the group: deleting the group is refused, and says why.
    page.goto("/ring-groups")
    page.locator("#rows tr[data-key='600']").get_by_role("button", name="Delete").click()
    page.click("#confirm-ok")
    expect(page.locator("#page-error")).to_contain_text("in use by inbound route 'Sales line'")


def test_page_group_made_in_its_page(admin, api, extensions):
    page = admin
    page.goto("/paging-groups")
    page.click("#add")
    form = page.locator("#edit-dialog form")
    form.locator("input[name=number]").fill("8001")
    form.locator("input[name=name]").fill("Warehouse")
    members = form.locator(".ordered-list")
    for number in ("8002", "8003"):
        members.locator("select.ordered-pick").select_option(number)
        members.get_by_role("button", name="Add").click()
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-error-for='number']")).to_contain_text("in use by an extension")
    form.locator("input[name=number]").fill("650")
    form.locator("button[type=submit]").click()
    row = page.locator("#rows tr[data-key='650']")
    expect(row).to_contain_text("8002, 8003")
    expect(row).to_contain_text("One-way")
    screenshot(page, "paging-groups")
    assert api.get("/paging-groups/650").json["duplex"] is False
    assert api.delete("/paging-groups/650").status == 204


def test_blacklisted_callers_destination_set_on_the_blacklist_page(admin, api, extensions):
    page = admin
    page.goto("/blacklist")
    form = page.locator("#bl-dest-form")
    expect(form.locator("select[name=mode]")).to_have_value("busy")
    expect(page.locator("#bl-dest-field")).to_be_hidden()
    form.locator("select[name=mode]").select_option("destination")
    form.locator("select[name='blacklist_destination.kind']").select_option("voicemail")
    form.locator("select[name='blacklist_destination.target']").select_option("8002")
    form.locator("button[type=submit]").click()
    expect(page.locator("#toast")).to_contain_text("saved")
    assert api.get("/settings").json["blacklist_destination"] == {"kind": "voicemail", "target": "8002"}
    screenshot(page, "blacklist-destination")
    page.reload()
    expect(form.locator("select[name=mode]")).to_have_value("destination")
    form.locator("select[name=mode]").select_option("busy")
    form.locator("button[type=submit]").click()
    expect(page.locator("#toast")).to_contain_text("saved")
    assert api.get("/settings").json["blacklist_destination"] is None


def test_trunk_and_outbound_route(admin, box):
    page = admin
    page.goto("/trunks")
    page.click("#add")
    form = page.locator("#edit-dialog form")
    form.locator("input[name=name]").fill("Provider")
    form.locator("input[name=host]").fill(box.host_ip.rsplit(".", 1)[0] + ".3")  # no phone's address
    form.locator("input[name=register]").check()
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-error-for='register']")).to_contain_text("user name and a secret")
    form.locator("input[name=register]").uncheck()
    form.locator("button[type=submit]").click()
    row = page.locator("#rows tr", has_text="Provider")
    expect(row.locator(".reg")).to_be_visible()
    screenshot(page, "trunks")

    page.goto("/outbound-routes")
    page.click("#add")
    form = page.locator("#edit-dialog form")
    form.locator("input[name=name]").fill("Outside")
    form.locator("#patterns input[name=pattern]").fill("_0X.")
    form.locator("#patterns input[name=strip]").fill("1")
    form.locator("#patterns input[name=prefix]").fill("86")
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-error-for='trunks']")).to_be_visible()
    form.locator(".ordered-list select.ordered-pick").select_option(label="Provider")
    form.locator(".ordered-list").get_by_role("button", name="Add").click()
    form.locator("button[type=submit]").click()
    expect(page.locator("#rows tr", has_text="Outside")).to_contain_text("Provider")
    screenshot(page, "outbound-routes")

    page.goto("/trunks")
    page.locator("#rows tr", has_text="Provider").get_by_role("button", name="Delete").click()
    page.click("#confirm-ok")
    expect(page.locator("#page-error")).to_contain_text("in use by outbound route 'Outside'")


def test_audit_log_shows_who_changed_what(admin):
    page = admin
    page.goto("/audit")
    first = page.locator("#rows tr").first
    expect(first).to_contain_text("admin")
    expect(first).to_contain_text("outbound_route.create")
    expect(first).to_contain_text("Applied")
    first.locator("summary").click()
    expect(first.locator(".audit-changes").first).to_contain_text("name = Outside")
    page.fill("#actor", "setup")
    page.click("#filter button[type=submit]")
    expect(page.locator("#rows tr")).to_have_count(1)
    expect(page.locator("#rows tr")).to_contain_text("password_hash = (secret)")
    screenshot(page, "audit")


def test_system_page_restarts_telephony_and_says_a_dev_box_cannot_reboot(admin, box):
    page = admin
    page.goto("/system")
    expect(page.locator("#services li")).to_have_count(len(box.health()["managers"]))
    expect(page.locator("#box")).to_contain_text("Not managed here (dev box)")
    screenshot(page, "system")
    href = page.locator("#logs").get_attribute("href")
    logs = page.request.get(href)
    assert logs.status == 200 and logs.headers["content-type"] == "application/gzip"
    page.click("#reboot")
    page.click("#confirm-ok")
    expect(page.locator("#page-error")).to_contain_text("dev instance and cannot reboot")
    before = box.health()["asterisk_pid"]
    page.click("#restart")
    expect(page.locator("#confirm-text")).to_contain_text("Calls in progress are cut")
    page.click("#confirm-ok")
    expect(page.locator("#toast")).to_contain_text("Telephony is restarting")
    box.wait_health(lambda h: h["asterisk"] == "up" and h["asterisk_pid"] != before, 60, "Asterisk to restart")


def test_self_service_steps_built_in_the_page(admin, api, tmp_path):
    """Steps added, filled, moved and saved in the IVR page; a bad address is shown at the steps;
    the same editor in Chinese."""
    wav = write_tone(tmp_path / "gold.wav", 1200, 1.0)
    r = api.upload("/prompts", {"name": "Gold member"}, "file", wav.name, wav.read_bytes())
    assert r.status == 201, r
    menu = api.post("/ivrs", {"name": "Self-service"}).json
    page = admin
    page.goto(f"/ivr?id={menu['id']}")
    for kind in ("ticket_status", "digits", "http_lookup", "complaint"):
        page.select_option("#new-step-kind", kind)
        page.click("#add-step")
    steps = page.locator("#steps > li")
    expect(steps).to_have_count(4)
    steps.nth(1).get_by_role("button", name="Move up").click()  # digits before the ticket's status
    digits = steps.nth(0)
    digits.get_by_label("Fewest digits").fill("10")
    digits.get_by_label("Most digits").fill("11")
    lookup = steps.nth(2)
    lookup.get_by_label("Address asked").fill("ftp://shop.example.com/points")
    lookup.get_by_label("Time limit (ms)").fill("1500")
    lookup.get_by_role("button", name="Add answer").click()
    lookup.get_by_placeholder("answer's name").fill("gold")
    lookup.get_by_label("Prompt played").select_option(label="Gold member")
    steps.nth(3).get_by_label("Longest recording (seconds)").fill("90")
    page.click("#ivr-form button[type=submit]")
    expect(page.locator("[data-error-for=steps]")).to_contain_text("url must be an http:// or https:// address")
    assert api.get(f"/ivrs/{menu['id']}").json["steps"] == []  # refused: nothing changed
    lookup.get_by_label("Address asked").fill("https://shop.example.com/points")
    page.click("#ivr-form button[type=submit]")
    expect(page.locator("[data-error-for=steps]")).to_be_hidden()
    deadline = time.monotonic() + 10
    while not (saved := api.get(f"/ivrs/{menu['id']}").json["steps"]):
        assert time.monotonic() < deadline, "the steps were not saved"
        time.sleep(0.2)
    assert [s["kind"] for s in saved] == ["digits", "ticket_status", "http_lookup", "complaint"], saved
    assert (saved[0]["min_digits"], saved[0]["max_digits"]) == (10, 11)
    assert saved[2]["url"] == "https://shop.example.com/points" and saved[2]["timeout_ms"] == 1500
    assert saved[2]["choices"] == [{"name": "gold", "prompt": r.json["id"]}]
    assert saved[3]["max_seconds"] == 90
    screenshot(page, "ivr-self-service")
    page.click(".topbar button[value=zh]")
    expect(page.locator("#steps > li")).to_have_count(4)
    expect(page.locator("#steps > li").nth(2)).to_contain_text("HTTP 查询")
    expect(page.get_by_text("自助服务步骤")).to_be_visible()
    screenshot(page, "zh-ivr-self-service")
    page.click(".topbar button[value=en]")
    assert api.delete(f"/ivrs/{menu['id']}").status == 204


def test_every_menu_page(admin):
    page = admin
    for link in page.locator("nav.sidebar a").all():
        path = link.get_attribute("href")
        title = link.inner_text().strip()
        page.goto(path)
        expect(page.locator("h1").first).to_have_text(title)
        screenshot(page, "page" + (path.replace("/", "-") if path != "/" else "-dashboard"))


def test_hardware_page_on_a_box_without_cards_and_a_dahdi_trunk_made_on_the_trunks_page(admin):
    page = admin
    page.goto("/hardware")
    expect(page.locator("#no-dahdi")).to_be_visible()
    expect(page.locator("#cards-empty")).to_contain_text("No telephony card found")
    expect(page.locator("#spans-card")).to_be_hidden()
    expect(page.locator("#panel-card")).to_be_hidden()  # the dev box declares no box model: no front panel
    with page.expect_response(lambda r: r.url.endswith("/api/v1/hardware/scan") and r.status == 200):
        page.click("#refresh")
    expect(page.locator("#cards-empty")).to_be_visible()
    # A dev box has no DAHDI: the software spans are refused, said on the page, and stay off.
    expect(page.locator("#software-spans")).not_to_be_checked()
    page.click("#software-spans")
    expect(page.locator("#page-error")).to_contain_text("cannot make DAHDI software spans")
    expect(page.locator("#software-spans")).not_to_be_checked()
    screenshot(page, "hardware")
    page.goto("/trunks")
    page.click("#add")
    form = page.locator("#edit-dialog form")
    form.locator("select[name=kind]").select_option("dahdi")
    expect(form.locator("input[name=host]")).to_be_hidden()
    form.locator("input[name=name]").fill("E1 carrier")
    form.locator("button[type=submit]").click()
    row = page.locator("#rows tr", has_text="E1 carrier")
    expect(row).to_contain_text("DAHDI group g")
    expect(row).to_contain_text("0 channels")
    row.get_by_role("button", name="Delete").click()
    page.click("#confirm-ok")
    expect(page.locator("#rows tr", has_text="E1 carrier")).to_have_count(0)
