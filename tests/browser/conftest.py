"""Browser tests: Debian's Chromium driven by Playwright against a real box.

One box per module (reusing the integration tests' box tool); Playwright
never downloads a browser: it launches /usr/bin/chromium. Every main page
is saved as a screenshot in tests/browser/artifacts/.
"""

from __future__ import annotations

import os
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM
from tests.integration.conftest import start_box, stop_box

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def pytest_collection_modifyitems(config, items):
    reason = None
    if os.geteuid() != 0:
        reason = "browser tests run a real box, as root"
    elif not Path(CHROMIUM).exists():
        reason = f"no {CHROMIUM} (scripts/host-deps.sh installs it)"
    elif shutil.which("sox") is None:
        reason = "sox is needed for test audio"
    if reason:
        for item in items:
            if "tests/browser/" in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def box():
    name = f"b-{secrets.token_hex(4)}"
    instance = start_box(name)
    try:
        yield instance
    finally:
        stop_box(name)  # keeps its logs in tests/artifacts, then down --purge


@pytest.fixture
def new_page(chromium, box):
    """new_page(lang="en") -> a page in a fresh browser context (its own cookies) on the box."""
    contexts = []

    browsers = []

    def make(lang: str = "en-GB", https: bool = False):
        """`https`: the box's HTTPS address, in a browser that trusts the box's certificate."""
        browser = chromium
        if https:
            browsers.append(trusting(chromium, box.certificate_pem()))
            browser = browsers[-1]
        context = browser.new_context(base_url=box.https_url if https else box.url,
                                      viewport={"width": 1440, "height": 900}, locale=lang)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors
        # A script, style or connection the CSP refuses breaks a page silently: Chromium only
        # says so in the console. Every browser test fails on one.
        blocked = []
        page.on("console", lambda msg: msg.type == "error" and "Content Security Policy" in msg.text
                and blocked.append(msg.text))
        page.csp_violations = blocked
        return page

    yield make
    for context in contexts:
        for page in context.pages:
            assert not getattr(page, "js_errors", []), f"JavaScript errors on {page.url}: {page.js_errors}"
            assert not getattr(page, "csp_violations", []), f"CSP violations on {page.url}: {page.csp_violations}"
        context.close()
    for browser in browsers:
        browser.close()


def trusting(chromium, pem: bytes):
    """Another Chromium that trusts the certificate `pem` (by its public key), as a browser
    does once its user accepts it. Playwright's ignore_https_errors instead fails each new
    connection's handshake first and retries, which Chromium gives up on after a while."""
    import base64
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from tests.conftest import CHROMIUM_ARGS

    spki = x509.load_pem_x509_certificate(pem).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    pin = base64.b64encode(hashlib.sha256(spki).digest()).decode()
    return chromium.browser_type.launch(executable_path=CHROMIUM,
                                        args=CHROMIUM_ARGS + [f"--ignore-certificate-errors-spki-list={pin}"])


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # a sticky header stays on top of a full-page shot
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, username: str, password: str):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
    return page


@contextmanager
def desk_phones(box, api, workdir, *numbers):
    """Phones registered just before a call. While the browser works nothing answers
    the box's qualify (SIP runs only inside the stack's waits), and the box does not
    ring a phone it has found unreachable."""
    from tests.phones import SipStack

    stack = SipStack(box.host_ip, workdir)
    try:
        yield {n: stack.phone(n, api.get(f"/extensions/{n}").json["secret"], box.sip).register() for n in numbers}
    finally:
        stack.close()
