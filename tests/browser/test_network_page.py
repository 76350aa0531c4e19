"""The Network page on a box that manages the network namespace it runs in: the links with their
addresses and traffic, live; a change refused at its field; a change on trial with its countdown,
kept from the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.integration.conftest import running_box
from tests.integration.test_network import addresses

PASSWORD = "Network-Admin-Pass-4"


@pytest.fixture(scope="module")
def box():
    with running_box(("BOX_NETWORK=1",)) as instance:
        yield instance


@pytest.fixture(scope="module")
def api(box):
    from tests.api import Api

    return Api(box.url).sign_in(PASSWORD)


def test_links_live_a_refused_change_and_a_change_kept_from_the_page(new_page, api, box):
    n = box.box_ip.split(".")[2]
    page = sign_in(new_page(), "admin", PASSWORD)
    page.goto("/network")
    eth0 = page.locator("#link-rows tr[data-link=eth0]")
    expect(eth0).to_contain_text(f"198.18.{n}.2/24")
    expect(eth0).to_contain_text("/s")  # a rate: the page has looked twice
    page.click("#add-interface")
    port = page.locator("#interface-rows tr").last
    port.locator("input[name=name]").fill("eth0")
    port.locator("input[name=addresses]").fill(f"198.18.{n}.2/24, 198.18.{n}.9/24")
    page.click("#add-vlan")
    vlan = page.locator("#vlan-rows tr").last
    vlan.locator("input[name=name]").fill("voice")
    vlan.locator("input[name=parent]").fill("eth0")
    vlan.locator("input[name=id]").fill("5000")
    vlan.locator("input[name=addresses]").fill("10.100.0.1/24")
    page.click("#network-form button[type=submit]")
    expect(page.locator("[data-error-for=vlans]")).to_contain_text("4094")
    assert addresses(box, "eth0") == [f"198.18.{n}.2/24"]
    vlan.get_by_role("button").click()  # no VLAN after all
    page.click("#network-form button[type=submit]")
    expect(page.locator("#pending")).to_be_visible()
    expect(page.locator("#pending-text")).to_contain_text(re.compile(r"\b[1-6]?[0-9] s"))
    assert addresses(box, "eth0") == [f"198.18.{n}.2/24", f"198.18.{n}.9/24"]
    expect(eth0).to_contain_text(f"198.18.{n}.9/24")
    screenshot(page, "network")
    page.click("#confirm")
    expect(page.locator("#pending")).to_be_hidden()
    assert api.get("/network").json["pending"] is None
    page.reload()
    expect(page.locator("#interface-rows input[name=addresses]")).to_have_value(f"198.18.{n}.2/24, 198.18.{n}.9/24")


def test_sites_page_refuses_a_breakout_pattern_at_its_field_and_issues_a_code(new_page, api):
    assert api.put("/vpn", {"address": "10.98.0.1/24", "public_address": "203.0.113.9"}).status == 200
    page = sign_in(new_page(), "admin", PASSWORD)
    page.goto("/sites")
    page.click("#add")
    form = page.locator("#edit-dialog form")
    form.locator("input[name=name]").fill("Shenzhen")
    form.locator("input[name=extensions]").fill("4000-4099")
    form.locator("textarea[name=breakout_patterns]").fill("_X.")  # every outside call: refused
    form.locator("button[type=submit]").click()
    error = form.locator("[data-error-for='breakout_patterns']")
    expect(error).to_be_visible()
    expect(error).to_contain_text("_0755XXXXXXXX")
    assert api.get("/sites").json["items"] == []
    form.locator("textarea[name=breakout_patterns]").fill("_0755XXXXXXXX")
    form.locator("button[type=submit]").click()
    expect(page.locator("#code-text")).to_have_value(re.compile(r"^CBX1-"))
    page.locator("#code-dialog button").click()
    row = page.locator("#rows tr").first
    expect(row).to_contain_text("4000-4099")
    expect(row.locator("td").nth(6)).to_have_text("—")  # the trunk: none until the branch enrols
    screenshot(page, "sites")
    site = api.get("/sites").json["items"][0]
    assert site["breakout_patterns"] == ["_0755XXXXXXXX"] and site["trunk_reachable"] is None
    assert api.delete(f"/sites/{site['id']}").status == 204
