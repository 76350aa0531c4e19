"""Desk phone provisioning on a real box: a simulated Yealink (an HTTP client fetching as the
phone does, with its user agent and MAC) gets no file before it is claimed and is listed as
asking; once claimed it gets its file only at its token address with its digest credentials;
the file's account registers a real pjsua2 phone that calls another extension; a SIP PnP
SUBSCRIBE sent to 224.0.1.75:5060 on the box's link gets a NOTIFY with the phone's address
while Asterisk keeps its 5060; a new password for a claimed phone's extension sends its
registered contact (a raw SIP endpoint of the test) a check-sync NOTIFY; wrong tokens from one
address get it banned.
"""

from __future__ import annotations

import http.client
import re

import pytest

from tests.provisioning import YEALINK_UA, fetch, pnp_subscribe
from tests.sipattack import SipClient, extra_address

MAC = "001565aabbcc"


@pytest.fixture(scope="module")
def extensions(api):
    out = {}
    for number, name in (("8101", "Front desk"), ("8102", "张伟"), ("8103", "Stores"), ("8104", "Office")):
        r = api.post("/extensions", {"number": number, "name": name})
        assert r.status == 201, r
        out[number] = r.json
    return out


def settings_of(text: str) -> dict:
    return dict(re.findall(r"^([\w.]+) = (.*)$", text, re.M))


def claim(api, mac: str, **extra) -> dict:
    r = api.post("/phones", {"mac": mac, "extension": "8101", "template": "yealink", **extra})
    assert r.status == 201, r
    return r.json


def test_an_unclaimed_phone_gets_nothing_and_is_listed_as_asking(api, box, extensions):
    mac = "001565000001"
    assert fetch(f"{box.url}/provision/{mac}.cfg")[0] == 404
    asking = api.get("/phones/asking").json
    assert asking["provision_url"] == f"http://{box.box_ip}:8080/provision/"
    row = next(r for r in asking["items"] if r["mac"] == mac)
    assert (row["address"], row["user_agent"], row["file"]) == (box.host_ip, YEALINK_UA, f"{mac}.cfg")


def test_a_claimed_phone_gets_its_file_with_token_and_credentials_and_registers_with_it(api, box, sip,
                                                                                          extensions):
    assert fetch(f"{box.url}/provision/{MAC}.cfg")[0] == 404
    doc = claim(api, MAC, blf=["8102"])
    assert not any(r["mac"] == MAC for r in api.get("/phones/asking").json["items"])
    url = doc["url"] + f"{MAC}.cfg"
    assert url.startswith(f"http://{box.box_ip}:8080/provision/")
    assert fetch(f"{box.url}/provision/{MAC}.cfg")[0] == 404  # the MAC alone: never
    assert fetch(url)[0] == 401
    assert fetch(url, MAC, "wrong-password-1")[0] == 401
    assert fetch(url.replace(doc["url"], f"{box.url}/provision/{'x' * 32}/"), MAC, doc["password"])[0] == 404
    status, text = fetch(url, doc["username"], doc["password"])
    assert status == 200, text
    values = settings_of(text)
    assert values["account.1.user_name"] == "8101" and values["linekey.2.value"] == "8102"
    assert values["account.1.sip_server.1.address"] == box.box_ip
    assert api.get(f"/phones/{MAC}").json["last_fetch"]["address"] == box.host_ip
    # The phone as configured by its file registers and calls a colleague.
    server = f"{values['account.1.sip_server.1.address']}:{values['account.1.sip_server.1.port']}"
    desk = sip.phone(values["account.1.user_name"], values["account.1.password"], server).register()
    colleague = sip.phone("8102", extensions["8102"]["secret"], box.sip).register()
    call = desk.call("8102")
    incoming = colleague.wait_incoming(timeout=10)
    incoming.answer_call()
    call.wait_confirmed(10)
    call.hangup_call()
    call.wait_disconnected(10)


def notify_body(answers: list[str]) -> str:
    assert answers and answers[0].startswith("SIP/2.0 200 OK"), answers
    notify = next(a for a in answers if a.startswith("NOTIFY "))
    head, body = notify.split("\r\n\r\n", 1)
    assert "Content-Type: application/url" in head and "Event: ua-profile" in head, head
    return body


def test_sip_pnp_answers_with_the_phones_address(api, box, sip, extensions):
    assert box.health()["provisioning"]["pnp"] == "224.0.1.75:5060"
    mac = "001565000002"
    # Unclaimed: the common address, and the phone is listed as asking.
    assert notify_body(pnp_subscribe(box.host_ip, mac)) == f"http://{box.box_ip}:8080/provision/"
    row = next(r for r in api.get("/phones/asking").json["items"] if r["mac"] == mac)
    assert (row["file"], row["address"], row["user_agent"]) == ("SIP PnP", box.host_ip,
                                                                 "Yealink SIP-T46U 108.86.0.45 00:15:65:00:00:02")
    # Claimed: its own address (its credentials are still needed there).
    doc = claim(api, mac, template="yealink")
    url = notify_body(pnp_subscribe(box.host_ip, mac))
    assert url == doc["url"]
    assert fetch(url + f"{mac}.cfg")[0] == 401
    assert fetch(url + f"{mac}.cfg", doc["username"], doc["password"])[0] == 200
    # Asterisk still has its 5060: a phone registers and calls while PnP listens.
    desk = sip.phone("8103", extensions["8103"]["secret"], box.sip).register()
    other = sip.phone("8104", extensions["8104"]["secret"], box.sip).register()
    call = desk.call("8104")
    other.wait_incoming(timeout=10).answer_call()
    call.wait_confirmed(10)
    call.hangup_call()
    call.wait_disconnected(10)


def test_a_changed_password_sends_the_phone_a_check_sync_notify(api, box, sip, extensions):
    r = api.post("/extensions", {"number": "8105", "name": "Warehouse"})
    assert r.status == 201, r
    claim(api, "001565000005", extension="8105")
    endpoint = SipClient(box.host_ip, box.sip)  # registers as the phone: the NOTIFY comes to it
    try:
        assert endpoint.register("8105", r.json["secret"]) == 200
        endpoint.drain()
        assert api.post("/extensions/8105/secret").status == 200
        notify = wait_for_notify(endpoint, 10)
        head = notify.split("\r\n\r\n")[0]
        assert "\r\nEvent: check-sync\r\n" in head + "\r\n", head
        assert head.startswith(f"NOTIFY sip:8105@{box.host_ip}:{endpoint.port}"), head
    finally:
        endpoint.close()


def wait_for_notify(endpoint: SipClient, timeout: float, event: str = "check-sync") -> str:
    """The next NOTIFY of `event` that reaches the endpoint (answered 200), skipping Asterisk's
    qualify OPTIONS and other NOTIFYs (a mailbox's message summary), answered as a phone does."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = endpoint.receive(deadline - time.monotonic())
        if message is None:
            break
        if message.startswith(("NOTIFY ", "OPTIONS ")):
            endpoint.answer(message)
            if message.startswith("NOTIFY ") and f"\r\nEvent: {event}\r\n" in message.split("\r\n\r\n")[0] + "\r\n":
                return message
    raise AssertionError(f"no NOTIFY of {event} within {timeout} s")


def bad_token_fetch(box, ip: str, i: int) -> int | None:
    """One request with a made-up token from `ip`: its status, or None when nothing answers."""
    conn = http.client.HTTPConnection(box.box_ip, 8080, timeout=2, source_address=(ip, 0))
    try:
        conn.request("GET", f"/provision/{'guess%04d' % i:A<32}/{MAC}.cfg", headers={"User-Agent": YEALINK_UA})
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


def test_repeated_wrong_tokens_get_the_address_banned(api, box, sip, extensions):
    assert box.health()["security"]["enforced"] is True
    with extra_address(box, 61) as ip:
        answers = [bad_token_fetch(box, ip, i) for i in range(10)]
        assert answers == [404] * 10, answers
        sip.wait(lambda: any(b["address"] == ip for b in api.get("/security/bans").json["items"]), 5, "the ban")
        ban = next(b for b in api.get("/security/bans").json["items"] if b["address"] == ip)
        assert ban["reason"] == "provisioning: unknown token", ban
        # The engine decides at once; its worker then puts the address in the kernel's drop set.
        sip.wait(lambda: bad_token_fetch(box, ip, 10) is None, 10, "the kernel to drop the banned address")
        assert api.delete(f"/security/bans/{ip}").status == 204
        assert bad_token_fetch(box, ip, 11) == 404
