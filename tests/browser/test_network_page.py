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
