"""SIP attack banning on a real box: a scanner and a password cracker, each from an address of
its own on the box's link, are banned within 20 failures and a second and stop reaching
Asterisk, while real phones on another address register and call throughout; 50 phones
behind one address are not banned; unbanning lets an address be answered again. An
extension's one binding is never taken by its password from another address (each try counts
towards a ban), and a phone back from a reboot on a new port of its own address gets in once
its old binding fails the qualify the box asks for at once.

The attackers are tests/sipattack.py over UDP; the phones are pjsua2 (tests/phones.py).
"""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack

import pytest

from tests.sipattack import SipClient, extra_address, paced

GUESSES, RATE = 2000, 200.0


@pytest.fixture(scope="module")
def address(box):
    """make(last) gives the test host an extra address on the box's link for the module."""
    with ExitStack() as stack:
        yield lambda last: stack.enter_context(extra_address(box, last))


@pytest.fixture(scope="module")
def phones(api, sip, box):
    out = {}
    for number in ("6001", "6002"):
        r = api.post("/extensions", {"number": number, "name": f"Desk {number}"})
        assert r.status == 201, r
        out[number] = sip.phone(number, r.json["secret"], box.sip).register()
    return out


def failures(box) -> int:
    return box.health()["security"]["failures"]


def banned(api) -> dict:
    return {b["address"]: b for b in api.get("/security/bans").json["items"]}


class Listener:
    """Collects what the box answers an attacker, with arrival times, on a thread.
    `alive`: answers the box's qualify too, as a registered phone does."""

    def __init__(self, client: SipClient, alive: bool = False):
        self.client = client
        self.alive = alive
        self.answers: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            r = self.client.receive(0.05)
            if r is not None and r.startswith("SIP/2.0 "):
                self.answers.append((time.monotonic(), r.split("\r\n", 1)[0]))
            elif r is not None and self.alive and r.startswith("OPTIONS "):
                self.client.answer(r)

    def stop(self):
        self._stop.set()
        self._thread.join(2)


def call_and_hang_up(sip, caller, callee):
    call = caller.call(callee.number)
    incoming = callee.wait_incoming(timeout=10)
    incoming.answer_call()
    call.wait_confirmed(10)
    call.hangup_call()
    call.wait_disconnected(10)


def test_a_scanner_is_banned_within_twenty_failures_and_a_second(api, box, address, phones, sip):
    assert box.health()["security"]["enforced"] is True
    scanner = SipClient(address(50), box.sip)
    listener = Listener(scanner)
    try:
        before = failures(box)
        start = time.monotonic()
        # An OPTIONS sweep, then extension enumeration with REGISTER: Asterisk reports both
        # from an address with no such endpoint (InvalidAccountID).
        paced(250, RATE, lambda i: scanner.send("OPTIONS" if i < 50 else "REGISTER", str(100 + i)))
        sip.wait(lambda: scanner.bind_ip in banned(api), 5, "the scanner's ban")
        answered = [t for t, line in listener.answers]
        print(f"scanner: {len(answered)} of 250 requests answered, the last {answered[-1] - start:.2f} s in")
        assert len(answered) <= 20 and answered[-1] - start <= 1.0
        assert banned(api)[scanner.bind_ip]["reason"] == "sip InvalidAccountID"
        assert failures(box) - before <= 20
    finally:
        listener.stop()
        scanner.close()


def test_a_cracker_is_banned_its_packets_stop_and_real_phones_work_throughout(api, box, address, phones, sip):
    desk, other = phones["6001"], phones["6002"]
    cracker = SipClient(address(51), box.sip)
    challenge = cracker.challenge("6001")
    assert challenge is not None
    listener = Listener(cracker)
    done = threading.Event()
    took = []

    def crack():
        took.append(paced(GUESSES, RATE, lambda i: cracker.send(
            "REGISTER", "6001", cracker.authorization("6001", f"guess{i:05d}", challenge, nc=i + 1))))
        done.set()

    before = failures(box)
    start = time.monotonic()
    threading.Thread(target=crack, daemon=True).start()
    try:
        sip.wait(lambda: cracker.bind_ip in banned(api), 5, "the cracker's ban")
        # The real phones register and call while the guesses keep coming.
        desk.reregister()
        desk.wait_registered(5)
        call_and_hang_up(sip, other, desk)
        after_ban = failures(box)
        sip.wait(done.is_set, 30, "the cracker's last guess")
        answered = [t for t, _ in listener.answers]
        print(f"cracker: {len(answered)} of {GUESSES} guesses answered in {took[0]:.1f} s, "
              f"the last {answered[-1] - start:.2f} s in; failures counted {failures(box) - before}")
        assert len(answered) <= 20 and answered[-1] - start <= 1.0
        # Its packets no longer reach Asterisk: no security event since the ban.
        assert failures(box) == after_ban
        assert failures(box) - before <= 20
        ban = banned(api)[cracker.bind_ip]
        assert ban["reason"] == "sip ChallengeResponseFailed" and ban["count"] == 1
        assert box.exec("nft", "list", "set", "inet", "callbox_security", "ban4").count(cracker.bind_ip) == 1
        # Even the right password gets no answer while banned.
        assert cracker.register("6001", desk.secret, timeout=1.0) is None
        call_and_hang_up(sip, desk, other)
    finally:
        listener.stop()

    # Unban: the address is answered again at once (refused the binding the desk phone holds).
    assert api.delete(f"/security/bans/{cracker.bind_ip}").status == 204
    assert cracker.bind_ip not in banned(api)
    assert cracker.register("6001", desk.secret) == 403
    cracker.close()


def test_fifty_phones_behind_one_address_with_a_few_wrong_passwords_are_not_banned(api, box, address, sip):
    r = api.post("/extensions/bulk", {"extensions": [{"number": str(6100 + n), "name": f"Office {n}"}
                                                     for n in range(50)]})
    assert r.status == 201, r
    secrets = {e["number"]: e["secret"] for e in r.json["items"]}
    office = SipClient(address(52), box.sip)
    try:
        before = failures(box)
        # A reboot storm: every phone registers at once; two have a wrong password, one an old
        # account name, and they keep retrying among the others.
        for round_ in range(3):
            for number, secret in secrets.items():
                wrong = number in ("6100", "6101")
                code = office.register(number, "old-password" if wrong else secret)
                assert code == (401 if wrong else 200), (number, code)
            assert office.register("6199", "whatever") == 401
        assert failures(box) - before >= 3 * 4  # the wrong ones were seen and counted
        assert office.bind_ip not in banned(api)
        assert office.register("6102", secrets["6102"]) == 200
    finally:
        office.close()


def test_garbage_and_oversized_sip_leave_asterisk_and_the_supervisor_running(api, box, address, phones, sip):
    before = box.health()
    junk = SipClient(address(55), box.sip)
    try:
        huge = junk._request("REGISTER", "6001", "X-Filler: " + "A" * 60000 + "\r\n")[0].encode()
        for n in range(100):
            junk.send_raw(bytes(range(256)) * 4)  # binary garbage
            junk.send_raw(huge)  # one oversized header
            junk.send_raw(b"REGISTER\r\n\r\n")  # no request line to speak of
            junk.send_raw(b"INVITE sip:6001@x SIP/2.0\r\nVia: \r\nCSeq: x\r\nContent-Length: 99999\r\n\r\n")
        # Asterisk answers its next real request, without a restart, and the phones work.
        phones["6001"].reregister()
        phones["6001"].wait_registered(5)
        after = box.health()
        assert after["asterisk"] == "up" and after["asterisk_pid"] == before["asterisk_pid"], (before, after)
    finally:
        junk.close()


def reachable(sip, box, number: str) -> dict:
    """The extension's one contact once Asterisk has qualified it as reachable (asked now, the
    phones' stack running meanwhile to answer)."""
    box.ami("PJSIPQualify", Endpoint=number)
    return sip.wait(lambda: next((c for c in box.contacts(number) if c["Status"] == "Reachable"), None), 10,
                    f"{number}'s contact to answer a qualify")


def test_the_right_password_from_another_address_never_takes_the_desk_phones_binding(api, box, address, phones,
                                                                                   sip):
    """Someone with 6001's password (cracked elsewhere) REGISTERs from another address: refused
    each time while the desk phone answers, and each refusal counts like a wrong password, so
    the 10th (the engine's rule: 10 failures in 60 s) bans the address. The desk phone keeps
    its binding and its calls."""
    desk, other = phones["6001"], phones["6002"]
    desk.reregister()
    desk.wait_registered(5)
    bound = reachable(sip, box, "6001")
    intruder = SipClient(address(53), box.sip)
    codes = []

    def intrude():
        # Spread over more than the qualify's 3 s: a desk phone that failed to answer the
        # qualify each refusal asks for would lose its binding to a later attempt.
        paced(10, 2.0, lambda i: codes.append(intruder.register("6001", desk.secret)))

    before = failures(box)
    thread = threading.Thread(target=intrude, daemon=True)
    thread.start()
    try:
        sip.wait(lambda: not thread.is_alive(), 30, "the intruder's ten attempts")  # the desk phone answers
        assert codes == [403] * 10, codes
        sip.wait(lambda: intruder.bind_ip in banned(api), 5, "the intruder's ban")
        assert banned(api)[intruder.bind_ip]["reason"] == "sip binding in use"
        assert failures(box) - before == 10
        contact, = box.contacts("6001")
        assert (contact["Uri"], contact["Status"]) == (bound["Uri"], "Reachable"), contact
        assert api.get("/extensions/6001").json["registration"]["contact"] == bound["Uri"]
        call_and_hang_up(sip, other, desk)
    finally:
        intruder.close()
        api.delete(f"/security/bans/{intruder.bind_ip}")


def test_a_phone_back_from_a_reboot_on_a_new_port_of_its_address_gets_in_within_the_qualify_timeout(api, box, sip):
    """Behind a NAT a rebooted phone comes back from a new port while its old binding still
    counts as reachable: its REGISTER is refused, not counted, and the box has Asterisk qualify
    the old binding at once; that one no longer answers, is unavailable after the AOR's
    qualify_timeout (3 s), and the phone's next REGISTER takes its place."""
    r = api.post("/extensions", {"number": "6003", "name": "Desk 6003"})
    assert r.status == 201, r
    secret = r.json["secret"]
    first = SipClient(box.host_ip, box.sip)
    assert first.register("6003", secret) == 200
    running = Listener(first, alive=True)
    old = reachable(sip, box, "6003")
    assert old["Uri"].endswith(f"@{box.host_ip}:{first.port}"), old
    running.stop()  # switched off without unregistering: its old port no longer answers
    first.close()
    again = SipClient(box.host_ip, box.sip)
    try:
        before = failures(box)
        start = time.monotonic()
        codes = []
        while not codes or codes[-1] != 200:
            assert time.monotonic() - start < 10, f"still refused after 10 s: {codes}"
            codes.append(again.register("6003", secret))
            if codes[-1] != 200:
                time.sleep(0.25)  # the phone's own retry interval
        lockout = time.monotonic() - start
        print(f"rebooted phone: back in {lockout:.2f} s after its first REGISTER ({len(codes)} tries)")
        assert codes[0] == 403 and set(codes[:-1]) == {403}, codes
        assert lockout < 3.0 + 2.0
        assert failures(box) == before and box.host_ip not in banned(api)
        contact, = box.contacts("6003")
        assert contact["Uri"].endswith(f"@{box.host_ip}:{again.port}"), contact
    finally:
        again.close()


def test_after_an_asterisk_restart_registered_phones_count_at_once(api, box, phones):
    """Health and the extensions list read Asterisk's contacts when it is back, before any
    qualify: a phone that has not answered one yet is registered and callable all the same."""
    before = box.health()["asterisk_pid"]
    assert api.post("/system/restart-telephony").status == 202
    box.wait_health(lambda h: h["asterisk"] == "up" and h["asterisk_pid"] != before, 60, "Asterisk to restart")
    up = time.monotonic()
    # The phones' stack is not pumped here: nothing answers the box's qualify meanwhile.
    box.wait_health(lambda h: h["phones_registered"] >= 2, 3, "the phones to count again")
    registration = api.get("/extensions/6002").json["registration"]
    assert registration and box.host_ip in registration["contact"], registration
    print(f"restart: phones counted {time.monotonic() - up:.2f} s after Asterisk was up")


def test_a_ban_is_mailed_to_the_security_address_with_the_address_and_reason(api, box, address):
    """Through the box's outgoing mail to a real SMTP server on the host's end of the link."""
    from tests.smtpserver import MailServer

    with MailServer(host=box.host_ip) as relay:
        r = api.put("/system/mail", {"host": relay.host, "port": relay.port, "security": "none",
                                     "from_address": "callbox@example.com"})
        assert r.status == 200, r.json
        assert api.put("/security/settings", {"email": ["security@example.com"]}).status == 200
        scanner = SipClient(address(57), box.sip)
        try:
            paced(40, RATE, lambda i: scanner.send("REGISTER", str(700 + i)))
            (rcpts, msg), = relay.wait(1, timeout=30)
        finally:
            scanner.close()
            api.put("/security/settings", {"email": []})
            api.delete(f"/security/bans/{scanner.bind_ip}")
    assert rcpts == ["security@example.com"]
    assert msg["Subject"].endswith(f"{scanner.bind_ip} banned (sip InvalidAccountID)"), msg["Subject"]
    text = msg.get_body().get_content()
    assert f"banned the address {scanner.bind_ip}" in text and "Reason: sip InvalidAccountID" in text, text
