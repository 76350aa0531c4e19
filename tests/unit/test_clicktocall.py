"""Which phone click-to-call rings first."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from appliance.clicktocall.service import device


@pytest.mark.parametrize("browser_phone, registered, rings", [
    (True, {"8001-web"}, "8001-web"),      # the browser phone is on and registered: the user is at the page
    (True, set(), "8001"),                 # on, but no browser registered now: the desk phone
    (False, {"8001-web"}, "8001"),         # a stale registration of a phone turned off is not rung
    (True, {"8001"}, "8001"),              # only the desk phone registered
])
def test_click_to_call_rings_the_browser_only_where_it_is_on_and_registered(browser_phone, registered, rings):
    ext = SimpleNamespace(number="8001", browser_phone=browser_phone)
    asked = []

    def registration(endpoint):
        asked.append(endpoint)
        return {"contact": "sip:x"} if endpoint in registered else None

    assert device(ext, registration) == rings
    assert set(asked) <= {"8001-web"}
