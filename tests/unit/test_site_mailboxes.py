"""Voicemail lamps between branches: what headquarters passes on of the mailbox states a branch
publishes, to whom, and the PUBLISH it sends (answered here by a UDP socket that challenges it as
the branch's Asterisk does)."""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
from types import SimpleNamespace

import pytest

from appliance.pbx.snapshot import SitesView, SiteTrunkView
from appliance.sites import mailboxes, publish
from appliance.sites.mailboxes import MailboxRelay, cleared, counts, deliveries


class _Ev(dict):
    def __init__(self, name, **headers):
        super().__init__(headers)
        self.name = name


def _waiting(mailbox, new, old=0, **more):
    return _Ev("MessageWaiting", Mailbox=mailbox, Waiting="0", New=str(new), Old=str(old), **more)


WATCHED = {"2001": 2, "2002": 2, "3001": 3}


def test_only_watched_branch_mailboxes_of_the_voicemail_context_are_passed_on():
    assert counts(_waiting("2001@default", 2, 1), WATCHED) == ("2001", 2, 2, 1)
    assert counts(_waiting("8001@default", 1), WATCHED) is None  # headquarters' own
    assert counts(_waiting("2001@other", 1), WATCHED) is None
    assert counts(_waiting("2001", 1), WATCHED) is None
    assert counts(_Ev("ExtensionStatus", Mailbox="2001@default"), WATCHED) is None
    assert counts(_waiting("2001@default", "x"), WATCHED) is None


def test_a_count_goes_to_every_other_branch_never_back_to_its_own():
    states = {"2001": (2, 1, 0), "3001": (3, 0, 0)}
    # 3001 has nothing and no branch was sent anything of it: nothing to send.
    assert deliveries(states, {}, [2, 3, 4]) == [(3, "2001", 1, 0), (4, "2001", 1, 0)]
    sent = {(3, "2001"): (1, 0), (4, "2001"): (1, 0)}
    assert deliveries(states, sent, [2, 3, 4]) == []
    # Heard: the count changes, and goes out again; a branch that lost it (Asterisk restarted) gets
    # every count that is not nothing.
    states["2001"] = (2, 0, 1)
    assert deliveries(states, sent, [2, 3, 4]) == [(3, "2001", 0, 1), (4, "2001", 0, 1)]
    assert deliveries({"2001": (2, 0, 1), "2002": (2, 0, 0)}, {(3, "2001"): (0, 1)}, [2, 3], only=3, again=True) \
        == [(3, "2001", 0, 1)]
    # Emptied: a branch that had a count is told; one that never had one is not.
    assert deliveries({"2001": (2, 0, 0)}, {(3, "2001"): (1, 0)}, [2, 3, 4]) == [(3, "2001", 0, 0)]


def test_headquarters_counts_again_only_mailboxes_of_a_revoked_branch_nobody_else_has():
    # Branch 2 revoked; branch 3 reported fewer extensions; a new branch 5 has 2002 now.
    gone = {"2001": 2, "2002": 2, "3005": 3}
    assert cleared(gone, {3: object(), 5: object()}, {"2002": 5, "3001": 3}) == ["2001"]


class _Ami:
    def __init__(self):
        self.sent = []

    def command(self, text, timeout=10.0):
        assert text == "core show settings"
        return "  Entity ID:                   02:42:ac:11:00:02\n  Default language:            en\n"

    def action(self, name, **fields):
        self.sent.append((name, fields))


def _snap(trunks, watched):
    return SimpleNamespace(system=SimpleNamespace(sip_port=5060), sites=SitesView(
        trunks=tuple(SiteTrunkView(n, f"10.99.0.{n}", f"site{n}", f"secret{n}") for n in trunks),
        watched=tuple(watched.items())))


def test_the_relay_publishes_changes_to_the_other_branches_and_clears_a_revoked_ones(monkeypatch):
    published = []
    monkeypatch.setattr(mailboxes, "publish", lambda *args: published.append(args))
    relay = MailboxRelay(_Ami())
    relay.offer(_waiting("2001@default", 1))  # nothing configured: not headquarters with branches
    relay.configure(_snap([2, 3], WATCHED))
    relay.offer(_waiting("2001@default", 1))
    relay.offer(_waiting("2001@default", 1))  # the same counts again: nothing new
    relay.offer(_waiting("8001@default", 1))  # headquarters' own
    relay.site_back(3)  # branch 3's Asterisk started again: sent again
    relay.configure(_snap([3], {"3001": 3}))  # branch 2 revoked
    relay.stop()
    relay._run()
    body = {"type": "mailboxstate", "uniqueid": "2001@default", "old": 0, "new": 1, "eid": "02:42:ac:11:00:02"}
    assert [(a[0], a[1], a[2], a[3], a[4], json.loads(a[5])) for a in published] == [
        ("10.99.0.3", 5060, "site1", "site3", "secret3", body),
        ("10.99.0.3", 5060, "site1", "site3", "secret3", body),
        ("10.99.0.3", 5060, "site1", "site3", "secret3", {**body, "new": 0})]
    # Headquarters' Asterisk counts the revoked branch's mailbox afresh (none here: nothing).
    assert relay.ami.sent == [("VoicemailRefresh", {"Context": "default", "Mailbox": "2001"})]


def test_a_count_a_branch_did_not_take_is_sent_at_the_next_round(monkeypatch):
    calls = []

    def flaky(*args):
        calls.append(args[0])
        if len(calls) == 1:
            raise publish.PublishFailed("no answer")

    monkeypatch.setattr(mailboxes, "publish", flaky)
    relay = MailboxRelay(_Ami())
    relay.configure(_snap([2, 3], WATCHED))
    relay.offer(_waiting("3001@default", 2))
    relay._queue.put(mailboxes._TICK)
    relay._queue.put(mailboxes._TICK)  # taken: nothing more
    relay.stop()
    relay._run()
    assert calls == ["10.99.0.2", "10.99.0.2"]


def test_a_branch_that_does_not_answer_is_not_asked_again_in_the_same_round(monkeypatch):
    calls = []

    def down(*args):
        calls.append(args[0])
        raise publish.PublishFailed("no answer")

    monkeypatch.setattr(mailboxes, "publish", down)
    relay = MailboxRelay(_Ami())
    relay.configure(_snap([2, 3, 4], WATCHED))
    relay.offer(_waiting("3001@default", 2))
    relay.offer(_waiting("2001@default", 1))
    relay._queue.put(mailboxes._TICK)  # branch 4 is owed 3001 and 2001: asked once
    relay.stop()
    relay._run()
    assert calls == ["10.99.0.2", "10.99.0.4", "10.99.0.3", "10.99.0.4", "10.99.0.2", "10.99.0.3", "10.99.0.4"]


class _Asterisk:
    """A UDP socket answering PUBLISH as a branch's Asterisk does: 401 with a digest challenge,
    then 200 for the right answer to it (403 for a wrong one)."""

    def __init__(self, password):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.password, self.received = password, []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        for _ in range(2):
            data, peer = self.sock.recvfrom(8192)
            text = data.decode()
            self.received.append(text)
            head = "\r\n".join(line for line in text.split("\r\n") if line.split(":")[0] in ("Via", "From", "To",
                                                                                        "Call-ID", "CSeq"))
            auth = re.search(r"^Authorization: Digest (.*)$", text, re.M)
            if auth is None:
                status = '401 Unauthorized\r\nWWW-Authenticate: Digest realm="asterisk",nonce="n0nce",qop="auth",algorithm=MD5'
            else:
                p = dict(re.findall(r'(\w+)="?([^",]*)"?', auth.group(1)))
                md5 = lambda s: hashlib.md5(s.encode()).hexdigest()  # noqa: E731, S324
                ha1, ha2 = md5(f"{p['username']}:asterisk:{self.password}"), md5(f"PUBLISH:{p['uri']}")
                ok = p["response"] == md5(f"{ha1}:n0nce:{p['nc']}:{p['cnonce']}:auth:{ha2}")
                status = "200 OK\r\nSIP-ETag: 1" if ok else "403 Forbidden"
            self.sock.sendto(f"SIP/2.0 {status}\r\n{head}\r\nContent-Length: 0\r\n\r\n".encode(), peer)

    def close(self):
        self.sock.close()


@pytest.mark.parametrize("password,taken", [("secret2", True), ("wrong", False)])
def test_a_publish_answers_the_challenge_with_the_sites_secret(password, taken):
    far = _Asterisk("secret2")
    try:
        text = publish.body("2001@default", 1, 0, "02:42:ac:11:00:02")
        if taken:
            publish.publish("127.0.0.1", far.port, "site1", "site2", password, text)
        else:
            with pytest.raises(publish.PublishFailed, match="403"):
                publish.publish("127.0.0.1", far.port, "site1", "site2", password, text)
        far.thread.join(5)
        first, second = far.received
        assert first.startswith(f"PUBLISH sip:site1@127.0.0.1:{far.port} SIP/2.0\r\n")
        assert "\r\nEvent: asterisk-mwi\r\n" in first and "\r\nContent-Type: application/json\r\n" in first
        assert first.endswith(text) and second.endswith(text) and "Authorization: Digest" not in first
        assert 'username="site2"' in second and "CSeq: 2 PUBLISH" in second
    finally:
        far.close()


def test_a_site_that_does_not_answer_fails_the_publish(monkeypatch):
    monkeypatch.setattr(publish, "TIMEOUT", 0.2)
    quiet = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    quiet.bind(("127.0.0.1", 0))
    try:
        with pytest.raises(publish.PublishFailed):
            publish.publish("127.0.0.1", quiet.getsockname()[1], "site1", "site2", "x", "{}")
    finally:
        quiet.close()


def test_what_branches_took_outlives_a_restart_of_the_relay(monkeypatch, tmp_path):
    """A count sent before a restart of headquarters' supervisor: one that went to nothing meanwhile
    still reaches the branch that had it, and a mailbox of a branch revoked meanwhile is cleared at
    the others."""
    published = []
    monkeypatch.setattr(mailboxes, "publish", lambda *args: published.append((args[0], json.loads(args[5]))))
    path = tmp_path / "mailbox-relay.json"

    def run(*steps):
        relay = MailboxRelay(_Ami(), path)
        for step in steps:
            step(relay)
        relay.stop()
        relay._run()

    run(lambda r: r.configure(_snap([2, 3], WATCHED)), lambda r: r.offer(_waiting("2001@default", 2)),
        lambda r: r.offer(_waiting("3001@default", 1)))
    assert [(a, b["uniqueid"], b["new"]) for a, b in published] == [("10.99.0.3", "2001@default", 2),
                                                                   ("10.99.0.2", "3001@default", 1)]
    published.clear()
    # Started again; 2001's message was heard meanwhile.
    run(lambda r: r.configure(_snap([2, 3], WATCHED)), lambda r: r.offer(_waiting("2001@default", 0, 1)))
    assert [(a, b["uniqueid"], b["new"], b["old"]) for a, b in published] == [("10.99.0.3", "2001@default", 0, 1)]
    published.clear()
    # Started again after branch 3 was revoked: its 3001 goes out at branch 2, and headquarters
    # counts it afresh; branch 3 is told nothing (it is gone).
    ami = []
    run(lambda r: ami.append(r.ami), lambda r: r.configure(_snap([2], {"2001": 2, "2002": 2})))
    assert [(a, b["uniqueid"], b["new"]) for a, b in published] == [("10.99.0.2", "3001@default", 0)]
    assert ami[0].sent == [("VoicemailRefresh", {"Context": "default", "Mailbox": "3001"})]
    assert json.loads(path.read_text()) == []  # nothing any branch still has
    # A damaged file is nothing known, not a relay that cannot start.
    path.write_text("[[2, ")
    published.clear()
    run(lambda r: r.configure(_snap([2, 3], WATCHED)), lambda r: r.offer(_waiting("3001@default", 0)))
    assert published == []


def test_a_branch_reporting_another_run_of_its_asterisk_is_sent_its_counts_again(monkeypatch):
    published = []
    monkeypatch.setattr(mailboxes, "publish", lambda *args: published.append(args[0]))
    relay = MailboxRelay(_Ami())
    relay.asterisk_run(3, "a" * 16)  # not headquarters with branches yet: nothing
    relay.configure(_snap([2, 3], WATCHED))
    relay.offer(_waiting("2001@default", 1))  # to branch 3
    relay.asterisk_run(3, "a" * 16)  # first heard of (this supervisor just started): sent again
    relay.asterisk_run(3, "a" * 16)  # the same run: nothing
    relay.asterisk_run(3, "b" * 16)  # started again: sent again
    relay.asterisk_run(2, "c" * 16)  # branch 2 has nothing of another branch's to be sent
    relay.stop()
    relay._run()
    assert published == ["10.99.0.3"] * 3


def test_a_round_the_branches_do_not_answer_leaves_the_file_as_it_was(monkeypatch, tmp_path):
    answers = [None]

    def flaky(*args):
        if answers[0] is not None:
            raise publish.PublishFailed(answers[0])

    monkeypatch.setattr(mailboxes, "publish", flaky)
    path = tmp_path / "mailbox-relay.json"
    relay = MailboxRelay(_Ami(), path)
    relay.configure(_snap([2, 3], WATCHED))
    relay.offer(_waiting("3001@default", 2))  # taken by branch 2: written
    relay.stop()
    relay._run()
    assert json.loads(path.read_text()) == [[2, "3001", 2, 0]]
    answers[0] = "no answer"
    writes = []
    replace = mailboxes.os.replace
    monkeypatch.setattr(mailboxes.os, "replace", lambda *args: (writes.append(args), replace(*args)))
    relay.offer(_waiting("3001@default", 3))
    relay._queue.put(mailboxes._TICK)
    relay.stop()
    relay._run()
    assert writes == []  # not written again
    assert json.loads(path.read_text()) == [[2, "3001", 2, 0]]
