"""The setup wizard on a fresh box, as an installer meets it: the administrator's
password, every step (each checked by the box before the next), the summary and
Apply with its progress bar reaching 100 %, then the dashboard with the new
extensions, and a real phone registering with one of them counted live.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in

PASSWORD = "Wizard-Admin-Pass-42"


def step(page, name: str):
    return page.locator(f".wizard-step[data-step='{name}']")


def next_step(page, name: str):
    step(page, name).locator("button[type=submit]").click()


def test_wizard_end_to_end(new_page, box, tmp_path):
    from tests.phones import SipStack

    page = new_page()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/setup$"))
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.click("button[type=submit]")

    # The wizard goes on from the password step.
    expect(page).to_have_url(re.compile(r"/wizard$"))
    expect(page.locator("#step-count")).to_have_text("Step 2 of 8")
    expect(step(page, "role")).to_be_visible()
    screenshot(page, "wizard-2-role")
    next_step(page, "role")

    network = step(page, "network")
    expect(network).to_be_visible()
    expect(page.locator("#step-count")).to_have_text("Step 3 of 8")
    expect(network.locator("#unmanaged")).to_be_visible()  # a dev box says it does not manage its network
    expect(network.locator("#interfaces option", has_text="eth0")).to_have_count(1)
    network.locator("input[name=hostname]").fill("Front Desk")
    network.locator("input[name=mode][value=static]").check()
    network.locator("input[name=address]").fill("192.0.2.10/24")
    network.locator("input[name=gateway]").fill("192.0.2.1")
    network.locator("input[name=dns]").fill("192.0.2.53")
    next_step(page, "network")
    # Checked by the box: the bad host name keeps the installer on this step, said at its field.
    error = network.locator("[data-error-for='hostname']")
    expect(error).to_be_visible()
    expect(error).to_contain_text("host name")
    screenshot(page, "wizard-3-network")
    network.locator("input[name=hostname]").fill("front-desk")
    next_step(page, "network")

    time = step(page, "time")
    expect(time).to_be_visible()
    time.locator("input[name=timezone]").fill("Asia/Shanghai")
    screenshot(page, "wizard-4-time")
    next_step(page, "time")

    trunk = step(page, "trunk")
    expect(trunk).to_be_visible()
    trunk.locator("input[name=name]").fill("Provider")
    # Not the phones' address: the box tells a provider's calls from phones' by the address.
    trunk.locator("input[name=host]").fill(box.host_ip.rsplit(".", 1)[0] + ".3")
    trunk.locator("input[name=outside_prefix]").fill("0")
    screenshot(page, "wizard-5-trunk")
    next_step(page, "trunk")

    extensions = step(page, "extensions")
    expect(extensions).to_be_visible()
    extensions.locator("input[name=first]").fill("8101")
    extensions.locator("input[name=last]").fill("8105")
    extensions.locator("input[name=name_pattern]").fill("Desk {n}")
    screenshot(page, "wizard-6-extensions")
    next_step(page, "extensions")

    inbound = step(page, "inbound")
    expect(inbound).to_be_visible()
    inbound.locator("input[name=kind][value=ivr]").check()
    # A simple menu of the new extensions is offered: keys 1 to 3.
    keys = inbound.locator("#menu-keys tr")
    expect(keys).to_have_count(3)
    expect(keys.nth(1).locator("input[name=key_extension]")).to_have_value("8102")
    inbound.locator("input[name=number]").fill("700")
    screenshot(page, "wizard-7-inbound")
    next_step(page, "inbound")

    summary = step(page, "summary")
    expect(summary).to_be_visible()
    expect(page.locator("#step-count")).to_have_text("Step 8 of 8")
    expect(page.locator("#summary")).to_contain_text("5: 8101 to 8105")
    expect(page.locator("#summary")).to_contain_text("Provider")
    expect(page.locator("#summary")).to_contain_text("front-desk")
    screenshot(page, "wizard-8-summary")
    assert box.api.get("/health").json["phones_configured"] == 0  # nothing applied before Apply

    page.click("#apply")
    # The bar is moved by the box's "wizard" events; watched every frame, as it is brief at 100 %.
    page.wait_for_function("() => document.getElementById('apply-progress').value === 100", polling="raf", timeout=60_000)
    screenshot(page, "wizard-9-applied")
    expect(page).to_have_url(re.compile(r"/$"), timeout=15_000)

    expect(page.locator("h1")).to_have_text("Dashboard")
    expect(page.locator("#phones-configured")).to_have_text("5")
    expect(page.locator("#trunk-list li")).to_have_count(1)
    expect(page.locator("#trunk-list li")).to_contain_text("Provider")

    # The phone's secret, as an installer finds it: the extension's dialog.
    page.goto("/extensions")
    page.locator("#ext-rows tr[data-number='8102'] button.link").click()
    page.click("#secret-show")
    secret = page.locator("#secret-view").input_value()
    assert len(secret) >= 12

    page.goto("/")
    expect(page.locator("#live")).to_have_attribute("data-state", "on")
    expect(page.locator("#phones-registered")).to_have_text("0")
    stack = SipStack(box.host_ip, tmp_path)
    try:
        stack.phone("8102", secret, box.sip).register()
        expect(page.locator("#phones-registered")).to_have_text("1", timeout=10_000)
        screenshot(page, "dashboard-after-wizard")
    finally:
        stack.close()


def test_wizard_can_start_again_from_the_menu(new_page, box):
    page = sign_in(new_page(), "admin", PASSWORD)
    page.locator("nav.sidebar").get_by_role("link", name="Setup wizard").click()
    expect(page.locator("#again")).to_be_visible()  # it says the box was set up before
    expect(step(page, "role")).to_be_visible()
    next_step(page, "role")
    expect(step(page, "network")).to_be_visible()
    step(page, "network").locator("[data-back]").click()
    expect(step(page, "role")).to_be_visible()
    next_step(page, "role")
    expect(step(page, "network")).to_be_visible()
    # Coming back later goes on where it was left; "Start again" forgets the answers.
    page.reload()
    expect(step(page, "network")).to_be_visible()
    page.click("#start-again")
    page.click("#confirm-ok")
    expect(step(page, "role")).to_be_visible()
    assert box.api.get("/setup").json["configured"]  # the box itself is unchanged
