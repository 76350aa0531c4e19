"""Hardware alarms by e-mail: one message per change, in the box's language, none for unused spans."""

from __future__ import annotations

import datetime as dt

from appliance import box_settings
from appliance.db import change
from appliance.db.models import DahdiSpan
from appliance.hardware.alarm_mail import AlarmMail
from appliance.mail.outbox import OutgoingMail

NOON = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.timezone.utc)


class Hardware:
    """The hardware manager's alarms as the job reads them (spans as DAHDI reports, the board's sensors)."""

    def __init__(self):
        self.alarms: dict[int, list[str]] = {}
        self.sensors = Sensors()


class Sensors:
    def __init__(self):
        self.now: list[dict] = []

    def alarms(self) -> list[dict]:
        return self.now


def span(n: int, signalling: str) -> None:
    DahdiSpan.create(number=n, dahdi_span=n, first_channel=1 + 31 * (n - 1), signalling=signalling, framing="ccs",
                     coding="hdb3", crc4=True, timing=0, switchtype="euroisdn", overlap=False, r2_variant="cn",
                     r2_max_ani=10, r2_max_dnis=4, r2_category="national_subscriber", r2_double_answer=False)


def configure(**values) -> None:
    with change("test", "settings.update", settled=True) as cs:
        box_settings.save(cs, values)


def mails() -> list[OutgoingMail]:
    return list(OutgoingMail.select().order_by(OutgoingMail.id))


def test_a_span_into_alarm_and_back_mails_each_change_once_in_the_box_language(config_db):
    configure(alert_email=["ops@example.com"], language="zh-CN")
    span(1, "pri_cpe")
    span(2, "unused")
    hw = Hardware()
    job = AlarmMail(hw)
    hw.alarms = {1: [], 2: ["RED"]}
    job(NOON)
    assert mails() == []  # the spare span's alarm is no news
    hw.alarms = {1: ["RED"], 2: ["RED"]}
    job(NOON)
    job(NOON + dt.timedelta(seconds=30))
    [raised] = mails()
    assert raised.subject.endswith("第 1 个中继告警：RED"), raised.subject
    assert "- 第 1 个中继告警：RED" in raised.body and "第 2 个" not in raised.body
    hw.alarms = {1: [], 2: ["RED"]}
    job(NOON + dt.timedelta(minutes=1))
    cleared = mails()[-1]
    assert len(mails()) == 2 and cleared.subject.endswith("第 1 个中继已恢复正常"), cleared.subject


def test_a_flapping_line_mails_once_an_hour_and_a_sensor_says_its_level(config_db):
    configure(alert_email=["ops@example.com"], language="en")
    span(1, "mfcr2")
    hw = Hardware()
    job = AlarmMail(hw)
    for minute in range(0, 40, 2):
        hw.alarms = {1: ["RED"] if minute % 4 == 0 else []}
        job(NOON + dt.timedelta(minutes=minute))
    assert [m.subject.split(": ", 1)[1] for m in mails()] == ["Span 1 in alarm: RED", "Span 1 back to normal"]
    hw.sensors.now = [{"name": "board", "measures": "temperature", "level": "critical", "value": 86.5,
                       "unit": "°C"}]
    hw.alarms = {1: []}
    job(NOON + dt.timedelta(hours=1))
    assert mails()[-1].subject.endswith("board: 86.5 °C, over its critical limit")
    hw.sensors.now = []
    hw.alarms = {1: ["YELLOW"]}
    job(NOON + dt.timedelta(hours=1, minutes=1))
    last = mails()[-1]
    assert last.subject.endswith("2 hardware alarms changed"), last.subject
    assert "- Span 1 in alarm: YELLOW\n- board back to normal" in last.body


def test_no_alert_address_no_mail_and_nothing_is_mailed_late(config_db):
    span(1, "pri_net")
    hw = Hardware()
    job = AlarmMail(hw)
    hw.alarms = {1: ["RED"]}
    job(NOON)
    assert mails() == []
    configure(alert_email=["ops@example.com"])
    job(NOON + dt.timedelta(minutes=1))
    assert mails() == []  # the alarm the job saw before there was an address is not news now
