"""The web UI in a real browser against a real box, in the order an installer meets it:
first-visit setup, sign-in, extensions by range and by CSV, Chinese, live
registration, voicemail playback, and the security checks (CSRF, roles, and
the sign-in rate limit last, since it locks this address out for a minute).
"""

from __future__ import annotations

import re
import subprocess
import time

import pytest
from playwright.sync_api import expect

from tests.audio import write_tone
from tests.browser.conftest import screenshot, sign_in
from tests.integration.conftest import BOX

PASSWORD = "Browser-Admin-Pass-42"
AGENT_PASSWORD = "Agent-Browser-Pass-7"


@pytest.fixture
def admin(new_page, box):
    if not box.api.get("/setup").json["configured"]:
        assert box.api.post("/setup", {"admin_password": PASSWORD}).status == 201
    page = sign_in(new_page(), "admin", PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    return page


@pytest.fixture(scope="module")
def api(box):
    from tests.api import Api

    return Api(box.url)


def token(api) -> str:
    r = api.post("/auth/login", {"username": "admin", "password": PASSWORD})
    assert r.status == 200, r
    return r.json["token"]


def box_write(box, path: str, data: bytes) -> None:
    subprocess.run([str(BOX), "exec", box.name, "--", "sh", "-c", f'mkdir -p "$(dirname {path})" && cat > {path}'],
                   input=data, check=True, capture_output=True, timeout=60)


# -- first visit, sign-in ------------------------------------------------------------------

def test_first_visit_sets_the_admin_password(new_page, box):
    page = new_page()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/setup$"))
    expect(page.locator("h1")).to_have_text("Set the administrator password")
    expect(page.locator(".step-count")).to_have_text(re.compile(r"Step 1 of \d", re.I))
    screenshot(page, "setup")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.click("button[type=submit]")
    # The setup wizard comes next; it can wait (test_setup_wizard.py goes through it).
    expect(page).to_have_url(re.compile(r"/wizard$"))
    expect(page.locator("#step-count")).to_have_text("Step 2 of 8")
    page.click("#later")
    expect(page.locator("h1")).to_have_text("Dashboard")
    assert box.api.get("/setup").json["configured"] is True


def test_sign_in(new_page):
    page = new_page()
    page.goto("/extensions")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fextensions$"))
    screenshot(page, "login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/extensions$"))
    cookie = next(c for c in page.context.cookies() if c["name"] == "callbox_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    for name in ("Dashboard", "Extensions", "Voicemail", "IVR", "Ring groups", "Inbound routes", "Outbound routes",
                 "Trunks", "Users", "Audit log", "System", "Setup wizard"):
        expect(page.locator("nav.sidebar").get_by_role("link", name=re.compile("^" + name))).to_be_visible()


# -- extensions ---------------------------------------------------------------------------

def test_create_extensions_by_range(admin, api):
    page = admin
    page.goto("/extensions")
    expect(page.locator("#ext-empty")).to_be_visible()
    page.click("#add-range")
    form = page.locator("#range-form")
    form.locator("input[name=from]").fill("8001")
    form.locator("input[name=to]").fill("8020")
    form.locator("input[name=pattern]").fill("Desk {n}")
    form.locator("select[name=pin_policy]").select_option("length")
    form.locator("input[name=pin_length]").fill("8")
    expect(page.locator("#range-count")).to_have_text("20 extensions")
    screenshot(page, "extensions-range")
    form.locator("button[type=submit]").click()
    expect(page.locator("#range-dialog")).not_to_be_visible()
    expect(page.locator("#ext-rows tr")).to_have_count(20)
    expect(page.locator("#ext-rows tr[data-number='8020'] td").nth(2)).to_have_text("Desk 8020")
    expect(page.locator("#summary")).to_have_text("1–20 of 20")
    doc = api.get("/extensions/8007", token=token(api)).json
    assert doc["name"] == "Desk 8007" and len(doc["voicemail_pin"]) == 8

    # Search and sort are done by the server.
    page.fill("#search", "8019")
    expect(page.locator("#ext-rows tr")).to_have_count(1)
    page.fill("#search", "")
    expect(page.locator("#ext-rows tr")).to_have_count(20)
    page.click("button.sort[data-sort='number']")
    expect(page.locator("#ext-rows tr").first).to_have_attribute("data-number", "8020")
    screenshot(page, "extensions")


def test_csv_import_reports_exactly_the_bad_rows(admin, api, tmp_path):
    page = admin
    csv = tmp_path / "staff.csv"
    csv.write_text("number,name,email\n"
                   "8101,Ann Lee,ann@example.com\n"
                   "81O2,Letter O instead of zero,\n"
                   "8103,Chen 陈,\n"
                   "8001,Taken number,\n"
                   "8105,Eve,\n", encoding="utf-8")
    page.goto("/extensions")
    page.click("#import")
    page.set_input_files("#import-form input[name=file]", str(csv))
    page.click("#import-form button[type=submit]")
    expect(page.locator("#import-summary")).to_have_text("3 extensions created, 2 lines with problems.")
    rows = page.locator("#import-errors tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-line", "3")
    expect(rows.nth(0).locator("td").nth(1)).to_have_text("number")
    expect(rows.nth(1)).to_have_attribute("data-line", "5")
    expect(rows.nth(1).locator("td").nth(2)).to_contain_text("already in use")
    screenshot(page, "extensions-import")
    t = token(api)
    for number in ("8101", "8103", "8105"):
        assert api.get(f"/extensions/{number}", token=t).status == 200, number
    assert api.get("/extensions/8103", token=t).json["name"] == "Chen 陈"
    assert api.get("/extensions/81O2", token=t).status == 404


def test_validation_error_shows_next_to_its_field(admin):
    page = admin
    page.goto("/extensions")
    page.click("#add-one")
    page.fill("#ext-form input[name=number]", "8001")
    page.fill("#ext-form input[name=name]", "Duplicate")
    page.click("#ext-form button[type=submit]")
    error = page.locator("#ext-form [data-error-for='number']")
    expect(error).to_be_visible()
    expect(error).to_contain_text("already in use")


def test_outgoing_mail_set_on_the_system_page_and_tested(admin, box):
    from tests.smtpserver import MailServer

    page = admin
    with MailServer(host=box.host_ip, user="callbox", password="Relay-Pass-1") as relay:
        page.goto("/system")
        form = page.locator("#mail-form")
        expect(form.locator("input[name=port]")).to_have_value("587")  # the stored settings are in
        expect(page.locator("#report-mail-form input[name=hour]")).to_have_value("7")
        form.locator("input[name=host]").fill(relay.host)
        form.locator("input[name=port]").fill(str(relay.port))
        form.locator("select[name=security]").select_option("none")
        form.locator("input[name=username]").fill("callbox")
        form.locator("input[name=password]").fill("wrong-pass")
        form.locator("input[name=from_address]").fill("not-an-address")
        form.locator("button[type=submit]").click()
        expect(form.locator("[data-error-for='from_address']")).to_contain_text("is not an e-mail address")
        form.locator("input[name=from_address]").fill("callbox@example.com")
        form.locator("button[type=submit]").click()
        expect(page.locator("#mail-password-hint")).to_contain_text("A password is stored")
        expect(form.locator("input[name=password]")).to_have_value("")
        test = page.locator("#mail-test-form")
        test.locator("input[name=to]").fill("ops@example.com")
        test.locator("button[type=submit]").click()
        expect(page.locator("#mail-test-result")).to_contain_text("535")
        form.locator("input[name=password]").fill("Relay-Pass-1")
        form.locator("button[type=submit]").click()
        expect(form.locator("input[name=password]")).to_have_value("")  # saved: the page never shows it back
        test.locator("button[type=submit]").click()
        expect(page.locator("#mail-test-result")).to_contain_text("The mail server answered: 250")
        (rcpts, msg), = relay.wait(1)
        assert rcpts == ["ops@example.com"]
        reports = page.locator("#report-mail-form")
        reports.locator("input[name=daily]").check()
        reports.locator("textarea[name=recipients]").fill("boss@example.com, not-an-address")
        reports.locator("button[type=submit]").click()
        expect(reports.locator("[data-error-for='recipients']")).to_contain_text("is not an e-mail address")
        reports.locator("textarea[name=recipients]").fill("boss@example.com\nops@example.com")
        reports.locator("input[name=hour]").fill("6")
        reports.locator("button[type=submit]").click()
        expect(reports.locator("textarea[name=recipients]")).to_have_value("boss@example.com, ops@example.com")
        from tests.api import Api

        assert Api(box.url).sign_in(PASSWORD).get("/system/mail/reports").json == {
            "daily": True, "weekly": False, "recipients": ["boss@example.com", "ops@example.com"], "hour": 6}
        screenshot(page, "system-mail")


def test_backup_downloaded_and_restored_and_storage_set_on_the_system_page(admin, box, api):
    """The backup streams to the browser's downloads; restoring it asks first, refuses a wrong
    passphrase, then restores and sends everyone to sign in; the storage form sets the log
    rotation and quotas the box works with."""
    page = admin
    page.goto("/system")
    form = page.locator("#backup-form")
    form.locator("input[name=passphrase]").fill("backup-pass-1")
    form.locator("input[name=passphrase_again]").fill("backup-pass-2")
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-error-for='passphrase_again']")).to_contain_text("differ")
    form.locator("input[name=passphrase_again]").fill("backup-pass-1")
    with page.expect_download() as download:
        form.locator("button[type=submit]").click()
    saved = download.value.path()
    assert download.value.suggested_filename.endswith(".cbk")
    with open(saved, "rb") as f:
        assert f.read(15) == b"CALLBOX-BACKUP\0"
    expect(page).to_have_url(re.compile(r"/system$"))  # the page stays

    storage = page.locator("#storage-form")
    expect(storage.locator("input[name=log_keep]")).to_have_value("5")
    expect(page.locator("#storage-usage")).to_contain_text("MB")
    storage.locator("input[name=log_keep]").fill("0")
    storage.locator("button[type=submit]").click()
    expect(storage.locator("[data-error-for='log_keep']")).to_be_visible()
    storage.locator("input[name=log_keep]").fill("3")
    storage.locator("input[name=voicemail_quota_mb]").fill("800")
    storage.locator("textarea[name=alert_email]").fill("ops@example.com")
    storage.locator("button[type=submit]").click()
    expect(storage.locator("input[name=log_keep]")).to_have_value("3")
    settings = api.get("/settings", token=token(api)).json
    assert (settings["log_keep"], settings["voicemail_quota_mb"], settings["alert_email"]) == (3, 800, ["ops@example.com"])

    schedule = page.locator("#schedule-form")
    expect(page.locator("#schedule-none")).to_be_visible()
    schedule.locator("select[name=frequency]").select_option("weekly")
    schedule.locator("button[type=submit]").click()
    expect(schedule.locator("[data-error-for='passphrase']")).to_contain_text("need a passphrase")
    schedule.locator("input[name=directory]").fill("/etc")
    schedule.locator("input[name=passphrase]").fill("schedule-pass-1")
    schedule.locator("button[type=submit]").click()
    expect(schedule.locator("[data-error-for='directory']")).to_be_visible()
    schedule.locator("input[name=directory]").fill("")
    schedule.locator("select[name=weekday]").select_option("6")
    schedule.locator("button[type=submit]").click()
    expect(page.locator("#schedule-passphrase-hint")).to_contain_text("A passphrase is stored")
    # The folder had none since last Sunday: the schedule makes one at once; and one by hand.
    page.locator("#schedule-run").click()
    expect(page.locator("#schedule-run")).to_be_enabled()
    bearer = token(api)
    deadline = time.monotonic() + 30
    while len((doc := api.get("/system/backup/schedule", token=bearer).json)["files"]) < 2:
        assert time.monotonic() < deadline, doc
        time.sleep(0.2)
    assert (doc["frequency"], doc["weekday"]) == ("weekly", 6)
    page.reload()
    expect(page.locator("#schedule-files li")).to_have_count(2)
    # An SFTP target: the box's public key to give the server; a port out of range refused at its field.
    schedule.locator("select[name=target]").select_option("sftp")
    expect(schedule.locator("textarea[name=public_key]")).to_have_value(re.compile(r"^ssh-ed25519 AAAA"))
    expect(schedule.locator("input[name=directory]")).to_be_hidden()
    schedule.locator("input[name=sftp_host]").fill("192.0.2.10")
    schedule.locator("input[name=sftp_port]").fill("70000")
    schedule.locator("input[name=sftp_user]").fill("backup")
    schedule.locator("button[type=submit]").click()
    expect(schedule.locator("[data-error-for='sftp_port']")).to_be_visible()
    assert api.get("/system/backup/schedule", token=bearer).json["target"] == "folder"
    page.reload()

    restore = page.locator("#restore-form")
    restore.locator("input[name=file]").set_input_files(saved)
    restore.locator("input[name=passphrase]").fill("not-the-passphrase")
    restore.locator("button[type=submit]").click()
    page.locator("#confirm-ok").click()
    expect(restore.locator("[data-error-for='passphrase']")).to_contain_text("wrong passphrase")
    screenshot(page, "system-backup")
    restore.locator("input[name=passphrase]").fill("backup-pass-1")
    restore.locator("button[type=submit]").click()
    page.locator("#confirm-ok").click()
    expect(page.locator("#restore-result")).to_contain_text("Restored the backup made", timeout=60_000)
    expect(page).to_have_url(re.compile(r"/login"), timeout=15_000)
    # The backup was made before the storage form was saved: its settings are back.
    assert api.get("/settings", token=token(api)).json["log_keep"] == 5


def test_every_page_over_https_under_the_strict_csp(new_page, box, api):
    """Signed in over HTTPS: the cookie is Secure, answers carry HSTS, every page of the menu
    opens with no script or style the CSP refuses (the fixture fails on any), and the System
    page shows the fingerprint of the certificate the browser was given."""
    if not box.api.get("/setup").json["configured"]:
        assert box.api.post("/setup", {"admin_password": PASSWORD}).status == 201
    page = sign_in(new_page(https=True), "admin", PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    cookie, = [c for c in page.context.cookies() if c["name"] == "callbox_session"]
    assert cookie["secure"] and cookie["httpOnly"], cookie
    links = page.locator("nav.sidebar a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert len(links) > 20, links
    for path in links + ["/webcall/demo"]:
        response = page.goto(path)
        assert response.status == 200, path
        assert response.headers["strict-transport-security"].startswith("max-age="), path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
        expect(page.locator("h1").first).to_be_visible()
        page.wait_for_load_state("load")
    page.goto("/system")
    shown = api.get("/system/certificate", token=token(api)).json["fingerprint"]
    expect(page.locator("#cert-fingerprint")).to_have_text(shown)
    # An owner's certificate whose key is another's is refused under the key's field; nothing changes.
    from tests.pki import key_pem, make, pem

    leaf, _ = make("callbox.example.com")
    _, stray = make("stray")
    form = page.locator("#cert-form")
    form.locator("input[name=certificate]").set_input_files(
        files=[{"name": "box.crt", "mimeType": "text/plain", "buffer": pem(leaf).encode()}])
    form.locator("input[name=key]").set_input_files(
        files=[{"name": "box.key", "mimeType": "text/plain", "buffer": key_pem(stray).encode()}])
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-error-for='key']")).to_contain_text("not the certificate's")
    expect(page.locator("#cert-fingerprint")).to_have_text(shown)
    screenshot(page, "system-certificate")
    # The check itself works: an inline script is refused and reported.
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.inlineRan = 1';"
                      " document.body.append(s); }")
    assert page.evaluate("() => window.inlineRan") is None
    page.csp_violations.clear()


def test_dnd_forwards_and_recording_set_in_the_extension_dialog(admin, api):
    from tests.api import Api

    api = Api(api.base.rsplit("/api/v1", 1)[0], token(api))
    for number in ("8301", "8302"):
        assert api.post("/extensions", {"number": number, "name": f"Desk {number}"}).status == 201
    try:
        page = admin
        page.goto("/extensions?q=830")
        page.click("#ext-rows tr[data-number='8301'] button.link")
        form = page.locator("#ext-form")
        form.locator("input[name=dnd]").check()
        form.locator("input[name=intercom]").uncheck()
        form.locator("select[name=recording]").select_option("on_demand")
        form.locator("input[name='forward.busy']").fill("8302")
        form.locator("input[name=pickup_groups]").fill("sales, front")
        form.locator("input[name='forward.all']").fill("8301")
        page.click("#ext-form button[type=submit]")
        expect(form.locator("[data-error-for='forward.all']")).to_contain_text("must not be the extension itself")
        assert api.get("/extensions/8301").json["dnd"] is False, "a refused form changed something"
        form.locator("input[name='forward.all']").fill("")
        page.click("#ext-form button[type=submit]")
        expect(page.locator("#ext-dialog")).to_be_hidden()
        ext = api.get("/extensions/8301").json
        assert (ext["dnd"], ext["recording"], ext["forward"], ext["pickup_groups"], ext["intercom"]) == \
            (True, "on_demand", {"all": None, "busy": "8302", "no_answer": None}, ["front", "sales"], False)
    finally:
        for number in ("8301", "8302"):  # the dashboard test counts the extensions
            api.delete(f"/extensions/{number}")


def test_a_permission_class_made_on_its_page_and_given_to_an_extension(admin, api):
    from tests.api import Api

    api = Api(api.base.rsplit("/api/v1", 1)[0], token(api))
    assert api.post("/extensions", {"number": "8311", "name": "Desk 8311"}).status == 201
    try:
        page = admin
        page.goto("/permission-classes")
        expect(page.locator("#rows tr")).to_have_count(4)  # the built-in ones
        page.click("#add")
        form = page.locator("#edit-dialog form")
        form.locator("input[name=name]").fill("Sales")
        form.locator("input[name='reach.local']").check()
        form.locator("input[name='reach.international']").check()
        form.locator("button[type=submit]").click()
        expect(form.locator("[data-error-for='name']")).to_contain_text("lower-case")
        form.locator("input[name=name]").fill("sales")
        form.locator("button[type=submit]").click()
        expect(page.locator("#rows tr", has_text="sales")).to_contain_text("local, international")
        assert api.get("/permission-classes/sales").json["reach"] == ["local", "international"]
        # The emergency numbers on the same page.
        page.locator("#emergency-form input[name=emergency_numbers]").fill("110, 119, 999")
        page.click("#emergency-form button[type=submit]")
        expect(page.get_by_text("Emergency numbers saved")).to_be_visible()
        assert api.get("/settings").json["emergency_numbers"] == ["110", "119", "999"]
        # Given to an extension in its dialog.
        page.goto("/extensions?q=8311")
        page.click("#ext-rows tr[data-number='8311'] button.link")
        ext_form = page.locator("#ext-form")
        expect(ext_form.locator("select[name=permission_class]")).to_have_value("international")
        ext_form.locator("select[name=permission_class]").select_option("sales")
        page.click("#ext-form button[type=submit]")
        expect(page.locator("#ext-dialog")).to_be_hidden()
        assert api.get("/extensions/8311").json["permission_class"] == "sales"
        # In use: the page says why it stays.
        page.goto("/permission-classes")
        page.locator("#rows tr", has_text="sales").get_by_role("button", name="Delete").click()
        page.click("#confirm-ok")
        expect(page.get_by_text("in use by extension 8311").first).to_be_visible()
        assert api.get("/permission-classes/sales").status == 200
    finally:
        api.delete("/extensions/8311")
        api.delete("/permission-classes/sales")
        api.patch("/settings", {"emergency_numbers": ["110", "112", "119", "120", "122"]})


def test_follow_me_set_in_the_extension_dialog(admin, api):
    from tests.api import Api

    api = Api(api.base.rsplit("/api/v1", 1)[0], token(api))
    for number in ("8311", "8312"):
        assert api.post("/extensions", {"number": number, "name": f"Desk {number}"}).status == 201
    try:
        page = admin
        page.goto("/extensions?q=831")
        page.click("#ext-rows tr[data-number='8311'] button.link")
        form = page.locator("#ext-form")
        numbers = form.locator("input[name='follow_me.numbers']")
        form.locator("input[name='follow_me.enabled']").check()
        numbers.nth(0).fill("8312")
        numbers.nth(1).fill("8311")
        form.locator("select[name='follow_me.ring']").select_option("together")
        page.click("#ext-form button[type=submit]")
        expect(form.locator("[data-error-for='follow_me.numbers']")).to_contain_text("the extension itself")
        assert api.get("/extensions/8311").json["follow_me"]["enabled"] is False, "a refused form changed something"
        numbers.nth(1).fill("")
        form.locator("input[name='follow_me.confirm']").uncheck()
        page.click("#ext-form button[type=submit]")
        expect(page.locator("#ext-dialog")).to_be_hidden()
        assert api.get("/extensions/8311").json["follow_me"] == \
            {"enabled": True, "numbers": ["8312"], "ring": "together", "confirm": False}
        page.click("#ext-rows tr[data-number='8311'] button.link")
        expect(numbers.nth(0)).to_have_value("8312")
        expect(form.locator("input[name='follow_me.enabled']")).to_be_checked()
    finally:
        for number in ("8311", "8312"):  # the dashboard test counts the extensions
            api.delete(f"/extensions/{number}")


# -- languages ---------------------------------------------------------------------------

def test_switch_to_chinese(admin):
    page = admin
    page.click(".topbar button[value=zh]")
    expect(page.locator("h1")).to_have_text("仪表盘")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_text("已注册话机")).to_be_visible()
    expect(page.locator("#box-status")).to_have_text(re.compile("一切正常|需要注意"))
    screenshot(page, "dashboard-zh")
    page.goto("/extensions")
    expect(page.locator("h1")).to_have_text("分机")
    expect(page.locator("#summary")).to_contain_text("共")
    screenshot(page, "extensions-zh")
    # The newer pages too: their own words and their scripts' (tables, dialogs, live state).
    for path, title, text in (("/ivr", "语音导航 (IVR)", "新建菜单"), ("/ring-groups", "振铃组", "添加振铃组"),
                              ("/inbound-routes", "呼入路由", "被叫号码（DID）"), ("/outbound-routes", "呼出路由", "添加呼出路由"),
                              ("/trunks", "中继", "添加中继"), ("/users", "用户", "管理员"), ("/audit", "审计日志", "共 "),
                              ("/system", "系统", "重启电话系统"), ("/update", "系统更新", "不能写入系统分区"),
                              ("/wizard", "设置向导", "第 2 步，共 8 步"), ("/park", "呼叫停泊", "空闲"),
                              ("/time-conditions", "时间条件", "添加时间条件"), ("/blacklist", "黑名单", "添加号码"),
                              ("/speed-dials", "快速拨号", "添加快速拨号"), ("/paging-groups", "广播组", "添加广播组"),
                              ("/permission-classes", "呼出权限", "添加权限等级")):
        page.goto(path)
        expect(page.locator("h1").first).to_have_text(title)
        expect(page.get_by_text(text).first).to_be_visible()
        screenshot(page, "zh" + path.replace("/", "-"))
    page.goto("/ring-groups")
    page.click("#add")
    expect(page.locator("#edit-dialog .dialog-title")).to_have_text("添加振铃组")
    expect(page.locator("#edit-dialog select.dest-kind")).to_contain_text("挂断")
    page.click("#edit-dialog [data-close]")
    page.click(".topbar button[value=en]")
    expect(page.locator("h1")).to_have_text("Ring groups")


# -- desk phones --------------------------------------------------------------------------

def test_desk_phones_page_claims_a_phone_that_asked(admin, api, box):
    from tests.provisioning import fetch

    page, auth, mac = admin, token(api), "001565aa0001"
    assert api.post("/extensions", {"number": "8321", "name": "Desk 8321"}, token=auth).status == 201
    try:
        assert fetch(f"{box.url}/provision/{mac}.cfg")[0] == 404  # a Yealink asks, unclaimed
        page.goto("/desk-phones")
        expect(page.locator("#provision-url")).to_have_text(f"http://{box.box_ip}:8080/provision/")
        asking = page.locator(f"#asking-rows tr[data-mac='{mac}']")
        expect(asking).to_contain_text("Yealink SIP-T46U")
        asking.locator("button").click()
        form = page.locator("#edit-dialog form")
        expect(form.locator("input[name=mac]")).to_have_value("00:15:65:aa:00:01")
        expect(form.locator("select[name=template]")).to_have_value("yealink")
        form.locator("input[name=extension]").fill("8321")
        form.locator("input[name=blf]").fill("8399")  # no such extension: the API's refusal shows
        form.locator("[type=submit]").click()
        expect(form.locator("[data-error-for=blf]")).to_be_visible()
        form.locator("input[name=blf]").fill("")
        form.locator("[type=submit]").click()
        claimed = page.locator(f"#rows tr[data-key='{mac}']")
        expect(claimed).to_contain_text("8321")
        expect(page.locator(f"#asking-rows tr[data-mac='{mac}']")).to_have_count(0)
        doc = api.get(f"/phones/{mac}", token=auth).json
        expect(claimed).to_contain_text(doc["password"])
        expect(claimed).to_contain_text(doc["url"])
        assert fetch(doc["url"] + f"{mac}.cfg", doc["username"], doc["password"])[0] == 200
        screenshot(page, "desk-phones")
        page.click(".topbar button[value=zh]")
        expect(page.locator("h1")).to_have_text("桌面话机")
        expect(page.get_by_text("已认领的话机")).to_be_visible()
        screenshot(page, "zh-desk-phones")
        page.click(".topbar button[value=en]")
        expect(page.locator("h1")).to_have_text("Desk phones")
    finally:
        api.delete(f"/phones/{mac}", token=auth)
        api.delete("/extensions/8321", token=auth)  # the dashboard test counts the extensions


# -- live state --------------------------------------------------------------------------

def test_dashboard_counts_a_phone_registering_live(admin, api, box, tmp_path):
    from tests.phones import SipStack

    tok = token(api)
    if api.get("/extensions/8003", token=tok).status == 404:
        assert api.post("/extensions", {"number": "8003", "name": "Desk 8003"}, token=tok).status == 201
    configured = api.get("/extensions", token=tok).json["total"]
    page = admin
    page.goto("/")
    expect(page.locator("#live")).to_have_attribute("data-state", "on")
    expect(page.locator("#phones-configured")).to_have_text(str(configured))
    expect(page.locator("#phones-registered")).to_have_text("0")
    screenshot(page, "dashboard")
    secret = api.get("/extensions/8003", token=tok).json["secret"]
    stack = SipStack(box.host_ip, tmp_path)
    try:
        stack.phone("8003", secret, box.sip).register()
        expect(page.locator("#phones-registered")).to_have_text("1", timeout=10_000)
        page.goto("/extensions")
        row = page.locator("#ext-rows tr[data-number='8003']")
        expect(row.locator(".reg")).to_have_attribute("data-state", "on")
        expect(row.locator(".contact")).to_contain_text(box.host_ip)
    finally:
        stack.close()
    # Unregistering is seen live on the open page, without a reload.
    expect(row.locator(".reg")).to_have_attribute("data-state", "off", timeout=20_000)


# -- voicemail ---------------------------------------------------------------------------

MESSAGE = """;
; Message Information file
;
[message]
origmailbox=8002
context=callbox-dial-extension
exten=8002
callerchan=PJSIP/8001-00000001
callerid="Desk 8001" <8001>
origtime=1796009472
category=
msg_id=1796009472-00000042
flag=
duration=3
"""


def test_play_a_voicemail_message_in_the_page(admin, box, tmp_path):
    spool = "/data/asterisk/spool/voicemail/default/8002/INBOX"
    box_write(box, f"{spool}/msg0000.txt", MESSAGE.encode())
    box_write(box, f"{spool}/msg0000.wav", write_tone(tmp_path / "m.wav", 1100, 3.0).read_bytes())
    box.exec("chown", "-R", "asterisk:asterisk", "/data/asterisk/spool/voicemail/default/8002")
    page = admin
    page.goto("/voicemail?mailbox=8002")
    row = page.locator("#vm-rows tr[data-id='1796009472-00000042']")
    expect(row).to_contain_text("Desk 8001 8001")  # the name, then the number (callable where the user has a phone)
    expect(row).to_contain_text("0:03")
    page.wait_for_function(
        "() => { const a = document.querySelector('#vm-rows audio'); return a && a.readyState >= 1 && a.duration > 0 }")
    duration = page.evaluate("document.querySelector('#vm-rows audio').duration")
    assert 2.9 <= duration <= 3.1
    screenshot(page, "voicemail")


def test_upload_and_reset_a_greeting(admin, box, tmp_path):
    page = admin
    page.goto("/voicemail?mailbox=8002")
    row = page.locator("#greet-rows tr[data-kind='unavail']")
    row.locator("input[type=file]").set_input_files(str(write_tone(tmp_path / "g.wav", 440, 2.0)))
    expect(row.locator(".tag-ok")).to_be_visible()
    greeting = "/data/asterisk/spool/voicemail/default/8002/unavail.wav"
    assert box.exec("stat", "-c", "%U:%G", greeting).strip() == "asterisk:asterisk"
    page.wait_for_function("() => document.querySelector('#greet-rows tr[data-kind=unavail] audio') !== null")
    row.get_by_role("button", name="Reset").click()
    page.click("#confirm-ok")
    expect(row.locator(".tag-ok")).to_have_count(0)
    assert "unavail.wav" not in box.exec("ls", "/data/asterisk/spool/voicemail/default/8002").split()


# -- security -----------------------------------------------------------------------------

def test_changes_without_the_csrf_token_get_403(admin, api):
    page = admin
    status = page.evaluate("""async () => {
        const r = await fetch('/api/v1/extensions', {method: 'POST', headers: {'Content-Type': 'application/json'},
                              body: JSON.stringify({number: '8999', name: 'Forged'})});
        return r.status; }""")
    assert status == 403
    r = page.request.post("/logout", form={"next": "/"})
    assert r.status == 403 and "CSRF" in r.json()["error"]
    assert api.get("/extensions/8999", token=token(api)).status == 404
    page.goto("/")  # still signed in
    expect(page.locator("h1")).to_have_text("Dashboard")


def test_agent_made_in_the_users_page_gets_403_on_admin_routes(admin, new_page, box):
    page = admin
    page.goto("/users")
    expect(page.locator("#rows tr")).to_have_count(1)  # the administrator
    page.click("#add")
    form = page.locator("#edit-dialog form")
    form.locator("input[name=username]").fill("alice")
    form.locator("input[name=password]").fill("weak")
    form.locator("input[name=extension]").fill("8002")
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-error-for='password']")).to_be_visible()  # the API's strength rules, at the field
    form.locator("input[name=password]").fill("Agent-Browser-Old-1")
    form.locator("button[type=submit]").click()
    row = page.locator("#rows tr", has_text="alice")
    expect(row).to_contain_text("Agent")
    expect(row).to_contain_text("8002")
    screenshot(page, "users")
    # An administrator sets a new password for someone who forgot theirs.
    row.get_by_role("button", name="New password").click()
    dialog = page.locator("#password-form")
    dialog.locator("input[name=password]").fill(AGENT_PASSWORD)
    dialog.locator("input[name=confirm]").fill(AGENT_PASSWORD)
    dialog.locator("button[type=submit]").click()
    expect(page.locator("#toast")).to_contain_text("alice has a new password")

    page = sign_in(new_page(), "alice", AGENT_PASSWORD)
    expect(page).to_have_url(re.compile(r"/agent$"))  # an agent's home is their desk
    expect(page.locator("#agent-heading")).to_have_text("Extension 8002")
    expect(page.locator("nav.sidebar a")).to_have_count(6)  # desk, customers, call log, tickets, voicemail, call park
    page.goto("/voicemail")
    expect(page.locator("#vm-heading")).to_have_text("Mailbox 8002")
    screenshot(page, "agent-voicemail")
    for path in ("/api/v1/extensions", "/api/v1/settings", "/api/v1/users", "/api/v1/trunks",
                 "/api/v1/extensions/8001/voicemail"):
        assert page.request.get(path).status == 403, path
    assert page.request.get("/api/v1/extensions/8002/voicemail").status == 200
    response = page.goto("/extensions")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("You may not open this page")


def test_security_page_shows_a_ban_lifts_it_and_the_dashboard_warns(admin, api, box):
    from tests.sipattack import SipClient, extra_address

    page = admin
    headers = {"token": token(api)}
    with extra_address(box, 60) as scanner_ip:
        scanner = SipClient(scanner_ip, box.sip)
        try:
            for n in range(15):
                scanner.send("REGISTER", str(300 + n))  # enumeration: InvalidAccountID each
            expect(page.locator("#security-alert")).to_be_visible(timeout=10_000)
            expect(page.locator("#security-text")).to_contain_text("1 address")
            page.goto("/security")
            row = page.locator(f"#rows tr[data-address='{scanner_ip}']")
            expect(row).to_contain_text("sip InvalidAccountID")
            # Signed in from an address not on the allow list: the page says so and offers it.
            expect(page.locator("#own-address")).to_have_attribute("data-allowed", "no")
            screenshot(page, "security")
            page.click("#allow-own")
            expect(page.locator("#own-address")).to_have_attribute("data-allowed", "yes")
            assert box.host_ip in api.get("/security/settings", **headers).json["allow"]
            # Who is mailed a ban: a bad address is refused at the field, good ones are kept.
            form = page.locator("#settings-form")
            form.locator("input[name=email]").fill("security@example.com, not-an-address")
            form.locator("button[type=submit]").click()
            expect(form.locator("[data-error-for='email']")).to_be_visible()
            form.locator("input[name=email]").fill("security@example.com，ops@example.com")
            form.locator("button[type=submit]").click()
            expect(form.locator("[data-error-for='email']")).to_be_hidden()
            deadline = time.monotonic() + 10
            while api.get("/security/settings", **headers).json["email"] != ["security@example.com", "ops@example.com"]:
                assert time.monotonic() < deadline, "the ban mail's addresses were not saved"
                time.sleep(0.2)
            row.locator("button").click()
            page.click("#confirm-ok")
            expect(row).to_have_count(0)
            expect(page.locator("#empty")).to_be_visible()
            assert api.get("/security/bans", **headers).json["items"] == []
            assert scanner.register("300", "x") == 401  # answered again
        finally:
            scanner.close()
            api.put("/security/settings", {"allow": [], "email": []}, **headers)


def test_sms_sent_from_the_sms_page_and_a_customers_messages_both_ways(admin, box):
    """A message typed on the SMS page reaches the gateway (a real HTTP server on the box's link);
    the customer's reply through the webhook and the sent message show in the customer's messages,
    opened from the SMS page; a message sent from there reaches the gateway; the opt-out switch
    holds."""
    from tests.api import Api
    from tests.smsgateway import SmsGateway

    api = Api(box.url).sign_in(PASSWORD)
    with SmsGateway(host=box.host_ip) as gateway:
        r = api.post("/sms/gateways", {"name": "Provider", "kind": "http", "rate": 50, "attempts": 1, "options": {
            "url": gateway.url + "/v1/sms", "method": "POST_JSON", "body": {"mobile": "{to}", "content": "{text}"},
            "success_field": "code", "success_value": "OK", "id_field": "msgid"}})
        assert r.status == 201, r.json
        hook = r.json["webhook"][len("/api/v1"):]
        customer = api.post("/customers", {"name": "王芳", "numbers": ["13700137000"]}).json
        try:
            admin.goto("/sms")
            admin.fill("#send-form [name=to]", "137 0013 7000")
            admin.fill("#send-form [name=text]", "您好，您的订单已发货。")
            admin.click("#send-form button[type=submit]")
            (req,) = gateway.wait(1, timeout=15)
            assert req["body"]["content"] == "您好，您的订单已发货。" and req["body"]["mobile"].endswith("13700137000")
            assert api.post(hook, {"from": "13700137000", "text": "收到，谢谢"}, token="").status == 200

            admin.goto("/sms")
            link = admin.locator("#msg-rows a", has_text="王芳").first
            expect(link).to_be_visible()
            link.click()
            expect(admin.locator("#sms-dialog")).to_be_visible()
            expect(admin.locator("#sms-title")).to_have_text("Text messages with 王芳")
            rows = admin.locator("#sms-rows tr")
            expect(rows).to_have_count(2)
            expect(rows.nth(0)).to_contain_text("收到，谢谢")
            expect(rows.nth(0)).to_contain_text("Received")
            expect(rows.nth(1)).to_contain_text("您好，您的订单已发货。")

            gateway.clear()
            admin.fill("#sms-form [name=text]", "请问还有其他问题吗？")
            admin.click("#sms-send")
            (req,) = gateway.wait(1, timeout=15)
            assert req["body"]["content"] == "请问还有其他问题吗？"
            expect(rows).to_have_count(3)
            admin.check("#sms-opt-out")
            deadline = time.monotonic() + 10
            while not api.get(f"/customers/{customer['id']}/sms").json["opt_out"]:
                assert time.monotonic() < deadline, "the opt-out was not saved"
                time.sleep(0.1)
            screenshot(admin, "customer-sms")
        finally:
            api.delete(f"/sms/gateways/{r.json['id']}")


def test_tickets_report_on_the_tickets_page(admin, box):
    """The report card counts this month's tickets by kind, and its CSV link downloads the same."""
    from tests.api import Api

    api = Api(box.url).sign_in(PASSWORD)
    before = api.get("/tickets?per_page=1").json["total"]
    for kind in ("complaint", "complaint", "suggestion"):
        assert api.post("/tickets", {"kind": kind, "summary": f"Report test {kind}"}).status == 201
    admin.goto("/tickets")
    total = admin.locator("#report-rows tr.total")
    expect(total.locator("td").first).to_have_text(str(before + 3))
    expect(admin.locator("#report-rows tr[data-key='suggestion'] td").nth(1)).to_have_text("1")
    admin.select_option("#report-form select[name=by]", "status")
    admin.click("#report-form button[type=submit]")
    expect(admin.locator("#report-rows tr[data-key='new']")).to_be_visible()
    with admin.expect_download() as download:
        admin.click("#report-csv")
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert text.splitlines()[0].startswith("key,name,tickets") and "new" in text


def test_sixth_wrong_password_gets_429(new_page):
    page = new_page()
    page.goto("/login")
    for attempt in range(1, 7):
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", f"wrong-{attempt}")
        with page.expect_response(lambda r: r.url.endswith("/login") and r.request.method == "POST") as answer:
            page.click("button[type=submit]")
        expected = 401 if attempt < 6 else 429
        assert answer.value.status == expected, attempt
    assert int(answer.value.headers["retry-after"]) > 0
    expect(page.locator("#login-error")).to_contain_text("Too many failed sign-ins")
    screenshot(page, "login-rate-limited")
