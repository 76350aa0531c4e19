"""The SMS PDU codec against known PDUs, and the modem adapter against the simulated modem on a
real pseudo-terminal (tests/modemsim.py): AT set-up, the "> " prompt, long messages in parts,
+CMTI and multipart reassembly, delivery reports, and a modem that stops answering."""

from __future__ import annotations

import time

import pytest

from appliance.sms import pdu
from appliance.sms.adapters import SendError
from appliance.sms.modem import ModemAdapter, open_serial
from tests.modemsim import SimModem, deliver_pdus, parse_submit


def test_a_gsm7_submit_is_the_textbook_pdu():
    # "hellohello" to +46708251358, validity 4 days: the example of the GSM 03.40 tutorials.
    (part,) = pdu.encode("46708251358", "hellohello", international=True, validity_hours=96)
    assert part.hex == "0011000B916407281553F80000AA0AE8329BFD4697D9EC37"
    assert part.tpdu_length == 23


def test_a_textbook_deliver_decodes():
    msg = pdu.decode("07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37")
    assert (msg.sender, msg.text, msg.parts) == ("27838890001", "hellohello", 1)
    assert msg.sent_at.isoformat() == "1999-03-29T15:16:59"


def test_chinese_goes_as_ucs2():
    (part,) = pdu.encode("8613800138000", "你好", international=True)
    assert part.hex == "0011000D91683108108300F00008A7044F60597D"


def test_gsm7_extension_characters_take_two_septets_and_are_not_split():
    assert pdu.gsm7_septets("€[") == [0x1B, 0x65, 0x1B, 0x3C]
    text = "a" * 152 + "€" + "b" * 10  # the escape would fall on the part boundary
    parts = [parse_submit(p.hex) for p in pdu.encode("123", text, international=False, reference=9)]
    assert [p["udh"]["seq"] for p in parts] == [1, 2] and parts[0]["udl"] == 7 + 152
    assert parts[0]["text"] == "a" * 152 and parts[1]["text"] == "\x1be" + "b" * 10
    whole = pdu.decode(_as_deliver(pdu.encode("123", text, international=False, reference=9)[1].hex))
    assert whole.text.endswith("b" * 10) and whole.text.startswith("€")


def _as_deliver(submit_hex: str) -> str:
    """An SMS-SUBMIT turned into the SMS-DELIVER the recipient's modem would show (same user data)."""
    info = parse_submit(submit_hex)
    b = bytes.fromhex(submit_hex)
    p = 1 + b[0]
    first = b[p]
    ud_start = p + 4 + (b[p + 2] + 1) // 2 + 2 + 1  # address, PID, DCS, relative validity
    head = bytes([0x00, 0x04 | (first & 0x40), len(info["number"]), 0x91])
    head += pdu._semi_octets(info["number"]) + bytes([0x00, info["dcs"]]) + bytes.fromhex("62211251403500")
    return (head + b[ud_start:]).hex()


def test_a_long_chinese_message_goes_in_parts_that_reassemble():
    text = "您好，您的快递已到达小区门口的智能柜，请凭取件码领取。" * 6  # 162 characters
    parts = pdu.encode("8613800138000", text, international=True, reference=0x2A)
    seen = [parse_submit(p.hex) for p in parts]
    assert [s["udh"] for s in seen] == [{"ref": 0x2A, "total": 3, "seq": i} for i in (1, 2, 3)]
    assert [len(s["text"]) for s in seen] == [67, 67, 28] and all(s["dcs"] == 8 for s in seen)
    assert "".join(s["text"] for s in seen) == text
    assert all(p.tpdu_length == len(p.hex) // 2 - 1 for p in parts)
    joined = pdu.Reassembly()
    got = [joined.add(pdu.decode(_as_deliver(p.hex))) for p in reversed(parts)]
    assert got[:2] == [None, None] and got[2] == text


def test_an_emoji_is_not_cut_between_parts():
    text = "好" * 66 + "😀" + "好" * 10
    parts = [parse_submit(p.hex) for p in pdu.encode("1", text, international=False)]
    assert parts[0]["text"] == "好" * 66 and parts[1]["text"].startswith("😀")


def test_received_multipart_and_a_status_report_decode():
    pdus = deliver_pdus("8613700137000", "一二三四五六七八九十" * 10, ref=0x42)
    decoded = [pdu.decode(p) for p in pdus]
    assert [(d.reference, d.parts, d.part) for d in decoded] == [(0x42, 2, 1), (0x42, 2, 2)]
    assert decoded[0].sender == "+8613700137000"
    report = pdu.decode("0006D60B911326880736F4111011719551401110117195714000")
    assert isinstance(report, pdu.StatusReport) and report.reference == 0xD6 and report.delivered
    with pytest.raises(ValueError):
        pdu.decode("0011")


@pytest.fixture
def modem(config_db):
    return SimModem()


def test_a_multipart_message_announced_with_cmti_is_read_reassembled_and_deleted(modem):
    from appliance.db.models import SmsMessage

    adapter = ModemAdapter(3, {"device": modem.device, "baud": 115200, "timeout": 3})
    try:
        adapter.ready()
        text = "请问我的订单什么时候发货？订单号是二零二六一二零五。" * 4
        indexes = modem.deliver(deliver_pdus("8613700137000", text, ref=0x11))
        deadline = time.monotonic() + 10
        while not SmsMessage.select().exists():
            assert time.monotonic() < deadline, modem.state()
            time.sleep(0.05)
        (m,) = SmsMessage.select()
        assert (m.direction, m.number, m.text, m.gateway_id) == ("in", "8613700137000", text, 3)
        while set(modem.state()["deleted"]) != set(indexes):
            assert time.monotonic() < deadline, modem.state()
            time.sleep(0.05)
    finally:
        adapter.close()


def test_the_adapter_sends_a_long_chinese_message_in_parts_through_the_prompt(modem):
    adapter = ModemAdapter(1, {"device": modem.device, "baud": 115200, "timeout": 3})
    try:
        text = "您好，您的快递已到达。" * 12
        mr = adapter.send("+8613800138000", text, 5)
        state = modem.state()
        assert state["commands"][:4] == ["AT", "ATE0", "AT+CMGF=0", "AT+CNMI=2,1,0,1,0"]
        parts = [parse_submit(p) for p in state["submitted"]]
        assert len(parts) == 2 and "".join(p["text"] for p in parts) == text
        assert {p["number"] for p in parts} == {"8613800138000"} and all(p["international"] for p in parts)
        assert mr == "2"
    finally:
        adapter.close()


def test_a_modem_that_stops_answering_fails_clearly(modem):
    adapter = ModemAdapter(1, {"device": modem.device, "baud": 115200, "timeout": 1})
    try:
        adapter.send("10086", "hi", 1)
        modem.silent = True
        t0 = time.monotonic()
        with pytest.raises(SendError, match="did not answer AT\\+CMGS within 1 s"):
            adapter.send("10086", "hi again", 2)
        assert time.monotonic() - t0 < 3
        with pytest.raises(SendError, match="did not answer AT within 1 s"):
            adapter.send("10086", "and again", 3)  # reopened: the set-up finds it silent too
        modem.silent = False
        assert adapter.send("10086", "back", 4)
    finally:
        adapter.close()


def test_a_missing_device_is_a_clear_error(config_db):
    adapter = ModemAdapter(1, {"device": "/dev/ttyNOPE9", "baud": 115200, "timeout": 1}, opener=open_serial)
    try:
        with pytest.raises(SendError, match="cannot open the modem at /dev/ttyNOPE9"):
            adapter.send("10086", "x", 1)
    finally:
        adapter.close()
