"""The Surveys page in a real browser: a survey made with two questions, a campaign with numbers
pasted (a bad one refused next to its field) and from a CSV file, started from its row, and its
results: numbers no outbound route dials are refused, never called, and counted as such; the
page in Chinese.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in

PASSWORD = "Survey-Admin-Pass-31"


@pytest.fixture(scope="module")
def api(box):
    from tests.api import Api

    return Api(box.url).sign_in(PASSWORD)


@pytest.fixture
def admin(new_page, api):
    page = sign_in(new_page(), "admin", PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    return page


def test_a_campaign_made_and_started_in_the_page_shows_its_results(admin, api, tmp_path):
    page = admin
    page.goto("/surveys")
    page.click("#s-add")
    dialog = page.locator("#s-edit-dialog")
    dialog.locator("input[name=name]").fill("Opinion")
    dialog.locator("#add-question").click()
    rows = dialog.locator(".question-row")
    expect(rows).to_have_count(2)
    rows.nth(1).locator("input[name=keys]").fill("1-3")
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_be_hidden()
    survey = api.get("/surveys").json["items"][0]
    assert [(q["sound"], q["keys"]) for q in survey["questions"]] == [("survey", "12345"), ("survey-yes-no", "123")]

    page.click("#c-add")
    dialog = page.locator("#c-edit-dialog")
    dialog.locator("input[name=name]").fill("December poll")
    dialog.locator("textarea[name=numbers]").fill("7301\n7302\nnot a number")
    dialog.locator("input[name=hours_from]").fill("00:00")
    dialog.locator("input[name=hours_to]").fill("24:00")
    csv = tmp_path / "numbers.csv"
    csv.write_text("name,number\nAnn,7303\nBo,7301\n")
    dialog.locator("input[name=file]").set_input_files(str(csv))
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator("[data-error-for=numbers]")).to_be_visible()
    assert api.get("/campaigns").json["items"] == []
    dialog.locator("textarea[name=numbers]").fill("7301\n7302")
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_be_hidden()
    campaign = api.get("/campaigns").json["items"][0]
    assert campaign["summary"]["numbers"] == 3 and campaign["status"] == "draft"
    row = page.locator(f"#c-rows tr[data-key='{campaign['id']}']")
    expect(row).to_contain_text("Not started")

    # No outbound route dials these numbers and no extension has them: each is refused, never called.
    row.locator("[data-act=start]").click()
    expect(row).to_contain_text(re.compile("Calling|Finished"))
    row.locator("[data-act=results]").click()
    results = page.locator("#results")
    expect(results).to_be_visible()
    expect(results.locator("#number-results tbody tr")).to_have_count(3)
    deadline = time.monotonic() + 15
    while (doc := api.get(f"/campaigns/{campaign['id']}").json)["status"] != "finished":
        assert time.monotonic() < deadline, doc
        page.wait_for_timeout(100)
    assert doc["summary"]["refused"] == 3 and doc["summary"]["numbers"] == 3, doc
    row.locator("[data-act=results]").click()
    expect(results.locator("#outcomes")).to_contain_text("Refused (permission class) 3")
    expect(results.locator("#number-results tbody tr[data-number='7303']")).to_contain_text("Refused")
    expect(page.locator("#export")).to_have_attribute("href", f"/api/v1/campaigns/{campaign['id']}/export")
    screenshot(page, "surveys")

    page.click(".topbar button[value=zh]")
    expect(page.locator("h1").first).to_have_text("满意度调查")
    expect(page.locator(f"#c-rows tr[data-key='{campaign['id']}']")).to_contain_text("已完成")
    page.locator(f"#c-rows tr[data-key='{campaign['id']}'] [data-act=results]").click()
    expect(page.locator("#outcomes")).to_contain_text("拒绝（权限类别） 3")
    screenshot(page, "zh-surveys")
    page.click(".topbar button[value=en]")
