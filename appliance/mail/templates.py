"""Subjects and texts of the box's own mail, in English and Chinese.

Picked by the box's language setting. Values are put in with str.format; a
value never becomes part of the template itself, and the subject is made one
line when the message is built (compose.one_line).
"""

from __future__ import annotations

TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "test": {
        "en": ("Test message from {box}",
               "This is a test message from the call-center box {box}.\n"
               "If you can read it, the box's outgoing mail works.\n"),
        "zh": ("来自 {box} 的测试邮件",
               "这是呼叫中心设备 {box} 发出的测试邮件。\n"
               "能读到这封邮件，说明设备的外发邮件设置正确。\n"),
    },
    "voicemail": {
        "en": ("New voicemail from {caller} for mailbox {mailbox}",
               "Mailbox {mailbox} ({name}) has a new message.\n\n"
               "From:     {caller}\n"
               "Received: {received}\n"
               "Length:   {duration}\n\n"
               "{attachment_note}\n"),
        "zh": ("{caller} 给信箱 {mailbox} 留了新语音留言",
               "信箱 {mailbox}（{name}）有一条新留言。\n\n"
               "来电：{caller}\n"
               "时间：{received}\n"
               "时长：{duration}\n\n"
               "{attachment_note}\n"),
    },
    "voicemail_attached": {
        "en": ("", "The recording is attached."),
        "zh": ("", "录音见附件。"),
    },
    "unknown_caller": {
        "en": ("", "an unknown caller"),
        "zh": ("", "未知来电"),
    },
    "report": {
        "en": ("{period} traffic report, {start} to {end}",
               "Calls on {box} from {start} to {end} ({timezone}).\n\n{table}\n\n"
               "The attached CSV file has the same figures.\n"),
        "zh": ("{period}话务报表：{start} 至 {end}",
               "{box} 从 {start} 到 {end}（{timezone}）的通话统计。\n\n{table}\n\n"
               "附件 CSV 文件包含相同的数据。\n"),
    },
    "ticket_dispatched": {
        "en": ("Ticket {number} for {department}: {summary}",
               "Ticket {number} has been dispatched to {department}.\n\n"
               "Summary:  {summary}\n"
               "Category: {category}\n"
               "Caller:   {caller}\n"
               "Priority: {priority}\n"
               "Created:  {created}\n"
               "Deadline: {deadline}\n\n"
               "{details}\n"),
        "zh": ("工单 {number} 派至{department}：{summary}",
               "工单 {number} 已派至{department}。\n\n"
               "摘要：{summary}\n"
               "分类：{category}\n"
               "来电：{caller}\n"
               "优先级：{priority}\n"
               "创建：{created}\n"
               "办理时限：{deadline}\n\n"
               "{details}\n"),
    },
    "ticket_reminder": {
        "en": ("Reminder: ticket {number} {state}",
               "Ticket {number} {state}.\n\n"
               "Summary:    {summary}\n"
               "Department: {department}\n"
               "Caller:     {caller}\n"
               "Status:     {status}\n"
               "Deadline:   {deadline}\n\n"
               "Please answer it before its deadline. Sent by {box}.\n"),
        "zh": ("催办：工单 {number}{state}",
               "工单 {number}{state}。\n\n"
               "摘要：{summary}\n"
               "承办部门：{department}\n"
               "来电：{caller}\n"
               "状态：{status}\n"
               "办理时限：{deadline}\n\n"
               "请在时限内办结。由 {box} 发出。\n"),
    },
    "ticket_escalated": {
        "en": ("Escalated: ticket {number} is overdue ({department})",
               "Ticket {number} is past its deadline and still not answered.\n\n"
               "Summary:    {summary}\n"
               "Department: {department}\n"
               "Caller:     {caller}\n"
               "Status:     {status}\n"
               "Deadline:   {deadline}\n\n"
               "The department has been reminded. Sent by {box}.\n"),
        "zh": ("督办：工单 {number} 已超时（{department}）",
               "工单 {number} 已超过办理时限，仍未办结。\n\n"
               "摘要：{summary}\n"
               "承办部门：{department}\n"
               "来电：{caller}\n"
               "状态：{status}\n"
               "办理时限：{deadline}\n\n"
               "已向承办部门催办。由 {box} 发出。\n"),
    },
    "ticket_reminder_sms": {
        "en": ("", "Reminder: ticket {number} {state} (deadline {deadline}): {summary}"),
        "zh": ("", "【催办】工单 {number}{state}（时限 {deadline}）：{summary}"),
    },
    "ticket_dispatched_sms": {
        "en": ("", "Ticket {number} for {department} (deadline {deadline}): {summary}"),
        "zh": ("", "【派单】工单 {number} 派至{department}（时限 {deadline}）：{summary}"),
    },
    "ticket_due_in": {"en": ("", "is due in {minutes} minutes"), "zh": ("", "将在 {minutes} 分钟后到期")},
    "ticket_overdue": {"en": ("", "is past its deadline"), "zh": ("", "已超过办理时限")},
    "fax": {
        "en": ("Fax from {sender}: {pages} page(s)",
               "A fax arrived on {box}.\n\n"
               "From:     {sender}\n"
               "To:       {to}\n"
               "Received: {received}\n"
               "Pages:    {pages}\n"
               "{problem}\n"
               "The pages are attached as a PDF file.\n"),
        "zh": ("来自 {sender} 的传真：{pages} 页",
               "{box} 收到一份传真。\n\n"
               "发送方：{sender}\n"
               "接收号码：{to}\n"
               "时间：{received}\n"
               "页数：{pages}\n"
               "{problem}\n"
               "传真内容见 PDF 附件。\n"),
    },
    "fax_partial": {
        "en": ("", "Only part of the fax arrived: {error}\n"),
        "zh": ("", "传真未完整接收：{error}\n"),
    },
    "storage_alert": {
        "en": ("{box}: {store} {state} ({used} of {quota})",
               "The {store} on {box} use {used} of their {quota} quota ({percent} %): {state}.\n\n"
               "Free space on the System page (download and delete what is no longer needed) or raise the\n"
               "quota in the settings. This message is sent once a day while it lasts.\n"),
        "zh": ("{box}：{store}{state}（{used} / {quota}）",
               "{box} 的{store}已用 {used}，配额 {quota}（{percent}%）：{state}。\n\n"
               "请在“系统”页面清理不再需要的内容，或在设置中提高配额。\n"
               "情况持续期间，本邮件每天发送一次。\n"),
    },
    "store_logs": {"en": ("", "logs"), "zh": ("", "日志")},
    "store_voicemail": {"en": ("", "voicemail messages"), "zh": ("", "语音留言")},
    "store_recordings": {"en": ("", "call recordings"), "zh": ("", "通话录音")},
    "quota_near": {"en": ("", "nearly at the quota"), "zh": ("", "接近配额")},
    "quota_over": {"en": ("", "over the quota"), "zh": ("", "超出配额")},
    "security_ban": {
        "en": ("{box}: {address} banned ({reason})",
               "The box {box} banned the address {address}.\n\n"
               "Reason: {reason}\n"
               "Since:  {since}\n"
               "Until:  {until}\n"
               "This is ban number {count} of this address.\n\n"
               "Its packets no longer reach the box. The Security page lists the banned addresses and\n"
               "lifts a ban; an address of your own belongs on its allow list.\n"),
        "zh": ("{box}：已封禁 {address}（{reason}）",
               "设备 {box} 已封禁地址 {address}。\n\n"
               "原因：{reason}\n"
               "开始：{since}\n"
               "结束：{until}\n"
               "这是该地址第 {count} 次被封禁。\n\n"
               "该地址的数据包已无法到达设备。“安全”页面列出被封禁的地址并可解除封禁；\n"
               "您自己的地址请加入允许列表。\n"),
    },
    "security_bans": {
        "en": ("{box}: {n} more addresses banned",
               "Besides the messages already sent, the box {box} banned {n} more addresses\n"
               "from {start} to {end} (each message about one ban is limited to a few an hour):\n\n"
               "{lines}\n\n"
               "The Security page lists every banned address.\n"),
        "zh": ("{box}：另有 {n} 个地址被封禁",
               "除已发送的邮件外，设备 {box} 在 {start} 至 {end} 期间又封禁了 {n} 个地址\n"
               "（逐条通知每小时只发少数几封）：\n\n"
               "{lines}\n\n"
               "“安全”页面列出全部被封禁的地址。\n"),
    },
    "hardware_alarm": {
        "en": ("{box}: {summary}",
               "The box {box} reports a change in its hardware:\n\n{lines}\n\n"
               "A span in alarm carries no calls: check its cable and the line with the carrier. The\n"
               "Hardware page shows every span, port and sensor live; the dashboard lists the alarms.\n"),
        "zh": ("{box}：{summary}",
               "设备 {box} 的硬件状态有变化：\n\n{lines}\n\n"
               "告警中的中继无法通话：请检查线缆，并与运营商核对线路。\n"
               "“硬件”页面实时显示每个中继、端口和传感器；仪表盘列出全部告警。\n"),
    },
    "hw_span_alarm": {"en": ("", "Span {span} in alarm: {alarms}"), "zh": ("", "第 {span} 个中继告警：{alarms}")},
    "hw_span_cleared": {"en": ("", "Span {span} back to normal"), "zh": ("", "第 {span} 个中继已恢复正常")},
    "hw_sensor_high": {"en": ("", "{name}: {value} °C, over its high limit"),
                       "zh": ("", "{name}：{value} °C，超过高温上限")},
    "hw_sensor_critical": {"en": ("", "{name}: {value} °C, over its critical limit"),
                           "zh": ("", "{name}：{value} °C，超过临界温度")},
    "hw_sensor_stopped": {"en": ("", "{name}: the fan has stopped ({value} rpm)"),
                          "zh": ("", "{name}：风扇已停转（{value} 转/分）")},
    "hw_sensor_no_answer": {"en": ("", "{name}: the sensor does not answer"), "zh": ("", "{name}：传感器无响应")},
    "hw_sensor_cleared": {"en": ("", "{name} back to normal"), "zh": ("", "{name} 已恢复正常")},
    "hw_changes": {"en": ("", "{n} hardware alarms changed"), "zh": ("", "{n} 项硬件告警有变化")},
    "hw_all_cleared": {"en": ("", "{n} hardware alarms cleared"), "zh": ("", "{n} 项硬件告警已解除")},
    "ban_permanent": {"en": ("", "permanent"), "zh": ("", "永久")},
    "daily": {"en": ("", "Daily"), "zh": ("", "每日")},
    "weekly": {"en": ("", "Weekly"), "zh": ("", "每周")},
}


def language(value: str | None) -> str:
    return "zh" if (value or "").startswith("zh") else "en"


def render(template: str, lang: str, **values) -> tuple[str, str]:
    """(subject, text) of `template` in `lang` (en or zh; zh-CN counts as zh)."""
    subject, text = TEMPLATES[template][language(lang)]
    return subject.format(**values), text.format(**values)


def word(name: str, lang: str) -> str:
    """A text-only template: one phrase in the language."""
    return TEMPLATES[name][language(lang)][1]
