"""Tests of the AMI parser and encoder against transcripts of a real Asterisk 22.

The files under data/ami/ are the raw bytes an Asterisk 22 server sent (CRLF
kept), recorded with a Login carrying ActionID "login-1".
"""

from pathlib import Path

import pytest

from appliance.ami import Message, Parser, encode_action

DATA = Path(__file__).parent / "data" / "ami"
TRANSCRIPTS = sorted(p.name for p in DATA.glob("*.txt"))


def parse(name):
    parser = Parser()
    messages = parser.feed((DATA / name).read_bytes())
    assert parser.banner == "Asterisk Call Manager/11.0.0"
    return messages


def login_ok(message):
    assert message.kind == "response"
    assert message.name == "Success"
    assert message.action_id == "login-1"
    assert message["Message"] == "Authentication accepted"


def test_transcripts_present():
    assert len(TRANSCRIPTS) >= 10
    for name in TRANSCRIPTS:
        assert b"\r\n" in (DATA / name).read_bytes(), f"{name} lost its CRLF"


@pytest.mark.parametrize("name", TRANSCRIPTS)
def test_byte_by_byte_equals_whole(name):
    data = (DATA / name).read_bytes()
    whole = Parser().feed(data)
    parser = Parser()
    pieces = []
    for i in range(len(data)):
        pieces.extend(parser.feed(data[i:i + 1]))
    assert pieces == whole
    assert parser.banner == "Asterisk Call Manager/11.0.0"
    assert len(whole) >= 1


def test_login_success_then_fully_booted():
    msgs = parse("login_success.txt")
    assert [m.name for m in msgs] == ["Success", "FullyBooted", "SuccessfulAuth"]
    login_ok(msgs[0])
    booted = msgs[1]
    assert booted.kind == "event"
    assert booted.action_id is None
    assert booted["Privilege"] == "system,all"
    assert booted["Status"] == "Fully Booted"
    assert int(booted["Uptime"]) >= 0
    assert msgs[2]["Service"] == "AMI"
    assert msgs[2]["AccountID"] == "recorder"


def test_login_failed():
    (msg,) = parse("login_failed.txt")
    assert msg.kind == "response"
    assert msg.name == "Error"
    assert msg.action_id == "login-1"
    assert msg["Message"] == "Authentication failed"


def test_command_core_show_uptime():
    msgs = parse("command_core_show_uptime.txt")
    login_ok(msgs[0])
    cmd = msgs[1]
    assert cmd.name == "Success" and cmd.action_id == "cmd-1"
    assert cmd["Message"] == "Command output follows"
    out = cmd.get_all("Output")
    assert len(out) == 2
    assert out[0].startswith("System uptime: ")
    assert out[1].startswith("Last reload: ")
    assert cmd["output"] == out[0]  # first value, key case-insensitive


def test_command_pjsip_show_endpoints_keeps_output_lines():
    msgs = parse("command_pjsip_show_endpoints.txt")
    out = msgs[1].get_all("Output")
    assert len(out) == 27
    assert out[0] == ""
    # Only the single space after the colon is separator; indentation stays.
    assert out[1].startswith(" Endpoint:  <Endpoint/CID")
    endpoints = [line.split()[1] for line in out if line.startswith(" Endpoint:  1")]
    assert endpoints == ["101", "102", "103"]
    assert "Objects found: 3" in out
    assert msgs[1].to_dict()["Output"] == ""  # last wins


def test_command_unknown_is_error_with_output():
    msgs = parse("command_unknown.txt")
    assert msgs[1].name == "Error"
    assert msgs[1]["Message"] == "Command output follows"
    assert msgs[1].get_all("Output")[0].startswith("No such command 'no such cli command'")


def test_pjsip_show_endpoints_list():
    msgs = parse("pjsip_show_endpoints.txt")
    login_ok(msgs[0])
    resp, *events = msgs[1:]
    assert resp.kind == "response" and resp.name == "Success"
    assert resp["EventList"] == "start"
    assert resp.action_id == "list-1"
    items = [e for e in events if e.name == "EndpointList"]
    assert [e["ObjectName"] for e in items] == ["101", "102", "103"]
    assert all(e.action_id == "list-1" for e in events)
    assert items[0]["Transport"] == ""
    assert items[0]["DeviceState"] == "Unavailable"
    complete = events[-1]
    assert complete.name == "EndpointListComplete"
    assert complete["EventList"] == "Complete"
    assert complete["ListItems"] == "3"
    assert len(events) == 4


@pytest.mark.parametrize("name,action_id,text", [
    ("pjsip_show_endpoints_empty.txt", "list-6", "No endpoints found"),
    ("pjsip_show_contacts_empty.txt", "list-2", "No Contacts found"),
])
def test_empty_pjsip_list_is_an_error_with_stray_blank_line(name, action_id, text):
    # Asterisk ends these with "\n\r\n\r\n": a bare LF and an extra blank line.
    assert (DATA / name).read_bytes().endswith(text.encode() + b"\n\r\n\r\n")
    msgs = parse(name)
    assert len(msgs) == 2
    assert msgs[1].name == "Error"
    assert msgs[1].action_id == action_id
    assert msgs[1]["Message"] == text


@pytest.mark.parametrize("name,complete", [
    ("core_show_channels_empty.txt", "CoreShowChannelsComplete"),
    ("queue_status_empty.txt", "QueueStatusComplete"),
])
def test_empty_list_success_with_complete(name, complete):
    msgs = parse(name)
    assert len(msgs) == 3
    assert msgs[1].name == "Success" and msgs[1]["EventList"] == "start"
    assert msgs[2].name == complete
    assert msgs[2]["EventList"] == "Complete"
    assert msgs[2]["ListItems"] == "0"
    assert msgs[2].action_id == msgs[1].action_id


def test_voicemail_users_list():
    msgs = parse("voicemail_users_list.txt")
    entries = [m for m in msgs if m.name == "VoicemailUserEntry"]
    assert [(e["VMContext"], e["VoiceMailbox"]) for e in entries] == [
        ("default", "1234"), ("myaliases", "1234@devices"), ("other", "1234")]
    assert entries[0]["Fullname"] == "Example Mailbox"
    assert msgs[-1]["ListItems"] == "3"


def test_unknown_action():
    msgs = parse("unknown_action.txt")
    assert msgs[1].name == "Error"
    assert msgs[1]["Message"].startswith("Invalid/unknown command: NoSuchAction.")


def test_reload_event_follows_command_response():
    msgs = parse("events_reload.txt")
    assert [m.name for m in msgs] == [
        "Success", "FullyBooted", "SuccessfulAuth", "Success", "Reload"]
    assert msgs[3].get_all("Output") == ["Module 'res_pjsip.so' reloaded successfully."]
    reload = msgs[4]
    assert reload.kind == "event"
    assert reload["Module"] == "res_pjsip.so"
    assert reload["Status"] == "0"
    assert "ActionID" not in reload


def test_bare_lf_line_ends():
    msgs = Parser().feed(b"Event: Foo\nA: 1\n\nResponse: Success\nActionID: x\n\n")
    assert msgs == [Message([("Event", "Foo"), ("A", "1")]),
                    Message([("Response", "Success"), ("ActionID", "x")])]


def test_header_without_space_after_colon():
    (msg,) = Parser().feed(b"Event: Foo\r\nEmpty:\r\nTight:value\r\nUrl: sip:a@b\r\n\r\n")
    assert msg["Empty"] == ""
    assert msg["Tight"] == "value"
    assert msg["Url"] == "sip:a@b"


def test_greeting_captured_and_skipped_when_split():
    parser = Parser()
    assert parser.feed(b"Asterisk Call Man") == []
    assert parser.banner is None
    msgs = parser.feed(b"ager/11.0.0\r\nResponse: Success\r\n\r\n")
    assert parser.banner == "Asterisk Call Manager/11.0.0"
    assert [m.items() for m in msgs] == [[("Response", "Success")]]


def test_no_greeting_is_fine():
    parser = Parser()
    assert [m.name for m in parser.feed(b"Event: X\r\n\r\n")] == ["X"]
    assert parser.banner is None


def test_invalid_utf8_is_replaced():
    (msg,) = Parser().feed(b"Event: X\r\nName: caf\xe9\r\n\r\n")
    assert msg["Name"] == "caf\ufffd"


def test_message_accessors():
    msg = Message([("Response", "Success"), ("ActionID", "a-1"),
                   ("Output", "one"), ("output", "two")])
    assert msg.kind == "response" and msg.name == "Success" and msg.action_id == "a-1"
    assert msg.get_all("OUTPUT") == ["one", "two"]
    assert msg.get("missing", "d") == "d"
    assert "actionid" in msg and "nope" not in msg
    with pytest.raises(KeyError):
        msg["nope"]
    assert msg.to_dict() == {"Response": "Success", "ActionID": "a-1",
                             "Output": "one", "output": "two"}
    assert "a-1" in repr(msg) and "Output" in repr(msg)
    unknown = Message([("Foo", "bar")])
    assert unknown.kind == "unknown" and unknown.name is None and unknown.action_id is None


def test_encode_round_trip_with_repeated_keys():
    data = encode_action("Originate", "app-7", [
        ("Channel", "PJSIP/101"), ("Variable", "A=1"), ("Variable", "B=2"),
        ("Timeout", 30000), ("Async", True)])
    assert data.endswith(b"\r\n\r\n")
    (msg,) = Parser().feed(data)
    assert msg.items() == [
        ("Action", "Originate"), ("ActionID", "app-7"), ("Channel", "PJSIP/101"),
        ("Variable", "A=1"), ("Variable", "B=2"), ("Timeout", "30000"), ("Async", "True")]


def test_encode_mapping_and_utf8():
    data = encode_action("Ping", "p-1", {"Note": "café"})
    assert data == "Action: Ping\r\nActionID: p-1\r\nNote: café\r\n\r\n".encode()


@pytest.mark.parametrize("fields", [
    {"Command": "core show uptime\r\nAction: Originate"},
    {"Command": "x\ny"},
    {"Command": "x\ry"},
    {"Command": "x\x00y"},
    {"Command": "x\ty"},
    {"Bad\nKey": "v"},
    {"Bad\x00": "v"},
    {"": "v"},
    {"A:B": "v"},
    {"ActionID": "mine"},
])
def test_encode_rejects_injection(fields):
    with pytest.raises(ValueError):
        encode_action("Command", "c-1", fields)


def test_encode_rejects_bad_name_or_id():
    with pytest.raises(ValueError):
        encode_action("Ping\r\nAction: Logoff", "c-1")
    with pytest.raises(ValueError):
        encode_action("Ping", "c-1\n")


def _packets(seed):
    """Packets as a peer might write them: names in any case, space around them or none after the
    colon, lines without a colon, repeated headers, stray carriage returns and tabs, non-ASCII."""
    import random

    rnd = random.Random(seed)
    names = ["Event", "EVENT", "event", " Uniqueid", "UniqueID ", "LinkedID", "linkedid", "Channel", "\tChannel",
             "CallerIDNum", "Extra", "AppData", "Peer", "Privilege", "Ümlaut", "Output", "", "Event Name"]
    values = ["CEL", "Hold", " two  spaces", "", "a: b", "PJSIP/8001-0000002a", "1764550000.12", "中文",
              '{"bridge_id":"x"}', "\r", "K\u212a"]
    packets = []
    for _ in range(300):
        lines = []
        for _ in range(rnd.randint(1, 8)):
            kind = rnd.random()
            if kind < 0.1:
                lines.append(rnd.choice(["no colon here", "  ", "\t", "Ärger"]))
            else:
                lines.append(f"{rnd.choice(names)}:{rnd.choice(['', ' ', '  '])}{rnd.choice(values)}")
        packets.append("\r\n".join(lines).encode())
    return packets


@pytest.mark.parametrize("seed", range(5))
def test_a_packet_read_when_asked_for_is_the_packet_cut_into_headers(seed):
    """The parser keeps each packet's text and cuts it into headers when they are asked for, and
    answers a look-up of a name not written in it from the text: the same answers as headers cut at
    once (the Message made of them)."""
    from appliance.ami.protocol import picker

    pick = picker(["event", "uniqueid", "linkedid", "channel", "extra", "ümlaut", "event name"])
    def parsed(packet):
        [message] = Parser().feed(b"Asterisk Call Manager/9.0.0\r\n" + packet + b"\r\n\r\n")
        return message

    for packet in _packets(seed):
        message = parsed(packet)
        cut = [(k.strip(), v[1:] if v[:1] == " " else v)
               for k, _, v in (line.partition(":") for line in packet.decode().replace("\r\n", "\n").split("\n")
                               if line)]
        eager = Message(cut)
        for key in ("Event", "event", "UNIQUEID", "Channel", "Output", "ActionID", "Ümlaut", "", "Event Name"):
            assert parsed(packet).get(key) == eager.get(key), (packet, key)
        assert pick(parsed(packet)) == pick(eager), packet
        assert (message.kind, message.name) == (eager.kind, eager.name), packet
        assert message == eager and message.items() == cut and message.lowered() == eager.lowered()
        assert pick(message) == pick(eager)  # and from the headers once cut


# Packets of the shapes the box's subscribers read (recorded from Asterisk 22, names in the case it
# writes them): an async Originate's answer and its OriginateResponse carrying the same ActionID, a
# UserEvent from the dial plan, a multi-line Command answer, repeated headers.
_SHAPES = [
    b"Response: Success\r\nActionID: ami-7\r\nMessage: Originate successfully queued\r\n\r\n",
    b"Event: OriginateResponse\r\nPrivilege: call,all\r\nActionID: ami-7\r\nResponse: Success\r\n"
    b"Channel: Local/wait@callbox-callback-00000001;1\r\nContext: callbox-callback\r\nExten: call\r\n"
    b"Reason: 4\r\nUniqueid: 1764550000.12\r\nCallerIDNum: 0755123456\r\nCallerIDName: Callback\r\n\r\n",
    b"Event: UserEvent\r\nPrivilege: user,all\r\nChannel: PJSIP/8002-0000000a\r\nUniqueid: 1764550000.9\r\n"
    b"Linkedid: 1764550000.8\r\nUserEvent: callbox-refused\r\nFor: 8002\r\nClass: national\r\n"
    b"Reach: international\r\nNumber: 00441234567\r\n\r\n",
    b"Event: Newchannel\r\nPrivilege: call,all\r\nChannel: PJSIP/trunk-1-0000000b\r\nChannelState: 0\r\n"
    b"ChannelStateDesc: Down\r\nUniqueid: 1764550000.13\r\nLinkedid: 1764550000.12\r\n"
    b"ChanVariable: CALLBOX_FOR=8002\r\nChanVariable: CALLBOX_CLASS=national\r\n\r\n",
    b"event: hangup\r\nuniqueid: 1764550000.13\r\nCAUSE: 16\r\nCause-txt: Normal Clearing\r\n\r\n",
    b"Response: Success\r\nActionID: ami-9\r\nMessage: Command output follows\r\nOutput: one\r\n"
    b"Output:  two\r\nOutput:\r\n--END COMMAND--\r\n\r\n",
]
_ASKED = ["Event", "event", "Response", "ActionID", "actionid", "Uniqueid", "UniqueID", "Linkedid", "Channel",
          "UserEvent", "Number", "ChanVariable", "Cause", "Cause-txt", "Output", "Message", "Reason", "Value",
          "EventList", "--END COMMAND--", "Nope", ""]


def test_a_packet_answers_alike_whatever_is_asked_of_it_first():
    """The parser keeps a packet's text and cuts it into headers when they are asked for: each
    accessor, asked first or after any other, answers as the packet cut into headers at once, for
    the recorded transcripts and the shapes above cut at every byte."""
    import random

    rnd = random.Random(8)
    stream = b"".join([*(p.read_bytes().split(b"\r\n", 1)[1] for p in sorted(DATA.glob("*.txt"))), *_SHAPES])

    def answers(message, first):
        out = [message.get(first), first in message, message.get_all(first)]
        out += [message.kind, message.name, message.action_id]
        out += [(message.get(key, "-"), message.get_all(key)) for key in _ASKED]
        return out + [message.items(), message.lowered(), message.to_dict(), len(message), repr(message)]

    for cut in (1, 7, 64, len(stream)):
        parser, fresh = Parser(), []
        for i in range(0, len(stream), cut):
            fresh += parser.feed(stream[i:i + cut])
        again = Parser().feed(stream)
        assert len(fresh) == len(again) >= 40
        for message, twin in zip(fresh, again):
            eager = Message(twin.items())
            first = rnd.choice(_ASKED)
            assert answers(message, first) == answers(eager, first), message
            assert message == eager
    shapes = Parser().feed(b"".join(_SHAPES))
    assert [m.kind for m in shapes[:2]] == ["response", "event"]
    assert [m.action_id for m in shapes[:2]] == ["ami-7", "ami-7"] and shapes[1].name == "OriginateResponse"
    assert shapes[3].get_all("ChanVariable") == ["CALLBOX_FOR=8002", "CALLBOX_CLASS=national"]
    assert (shapes[4].kind, shapes[4].name, shapes[4]["Cause"]) == ("event", "hangup", "16")
    assert shapes[5].get_all("Output") == ["one", " two", ""] and shapes[5].get("Value") is None
