"""Box-wide settings kept in the config database, typed, with defaults.

Only values that differ from the default are stored, so a new default in a
later release reaches boxes that never changed it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import ipaddress
import zoneinfo
from dataclasses import asdict, dataclass, field

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from .destinations import Destination
from .errors import Conflict, Invalid
from .db.models import Setting
from .fields import Bool, Email, Host, Language, StrictSchema, StrictString
from .network.schema import DEFAULT_NETWORK


def _timezones() -> set[str]:
    import zoneinfo

    return zoneinfo.available_timezones()


class NetworkSchema(StrictSchema):
    """The setup wizard's one-port answer (the Network page edits the whole document)."""

    interface = StrictString(allow_none=True, validate=validate.Regexp(r"^[A-Za-z0-9._-]{1,15}$"))
    mode = StrictString(required=True, validate=validate.OneOf(("dhcp", "static")))
    address = StrictString(allow_none=True)
    gateway = StrictString(allow_none=True)
    dns = fields.List(StrictString(), validate=validate.Length(max=3))

    @validates("address")
    def _address(self, value, **kwargs):
        if value is None:
            return
        try:
            iface = ipaddress.ip_interface(value)
        except ValueError:
            raise ValidationError("must be an address with its prefix, such as 192.168.1.10/24") from None
        if "/" not in value or iface.network.prefixlen in (0, iface.max_prefixlen):
            raise ValidationError("must be an address with its prefix, such as 192.168.1.10/24")

    @validates("gateway")
    def _gateway(self, value, **kwargs):
        if value is not None:
            try:
                ipaddress.ip_address(value)
            except ValueError:
                raise ValidationError("must be an IP address") from None

    @validates("dns")
    def _dns(self, value, **kwargs):
        for server in value:
            try:
                ipaddress.ip_address(server)
            except ValueError:
                raise ValidationError(f"{server!r} is not an IP address") from None

    @validates_schema
    def _static(self, data, **kwargs):
        if data.get("mode") == "static":
            if not data.get("address"):
                raise ValidationError("a static address is required", "address")
            gateway = data.get("gateway")
            if gateway and ipaddress.ip_address(gateway) not in ipaddress.ip_interface(data["address"]).network:
                raise ValidationError("the gateway must be in the address's network", "gateway")




@dataclass(frozen=True)
class BoxSettings:
    hostname: str = "callbox"
    ring_timeout: int = 20
    voicemail_max_seconds: int = 300
    tone_zone: str = "us"
    #: headquarters (also a standalone box) or branch (enrols with a headquarters box).
    role: str = "headquarters"
    timezone: str = "UTC"
    ntp_servers: tuple = ("pool.ntp.org",)
    #: Interfaces, VLANs, routes, DNS (network/schema.py); changed through /network only.
    network: dict = field(default_factory=lambda: dict(DEFAULT_NETWORK))
    #: The setup wizard has been completed once.
    wizard_done: bool = False
    #: How this country writes phone numbers: 0755-1234567 is +86 755 1234567 with these.
    country_code: str = ""
    national_prefix: str = "0"
    #: The business's CRM/ERP, asked with a caller's number: GET <url>?number=...
    customer_lookup_url: str = ""
    customer_lookup_timeout_ms: int = 800
    recording_retention_days: int = 90
    recording_quota_mb: int = 20000
    # The reports store: channel and queue events and call legs kept this many days, call records
    # (and queue calls) this many months, 0 for ever (appliance/reports/retention.py).
    call_event_retention_days: int = 90
    call_record_retention_months: int = 0
    #: Call park: lot 70 (FreePBX's), slots 71 on; a parked call rings its parker after the timeout.
    park_slots: int = 8
    park_timeout: int = 45
    #: Numbers every phone may dial whatever its permission class (China's 110, 119, 120, 122; 112).
    emergency_numbers: tuple = ("110", "112", "119", "120", "122")
    #: What callers hear where an extension, trunk, route, IVR or queue names no language of its own.
    language: str = "en"
    #: Where calls from blacklisted numbers go: None refuses them busy; else a destination
    #: {"kind", "target"} (a mailbox, a menu with a message, ...). One for the whole box, as the
    #: phones' *30/*32 codes add numbers with no question asked.
    blacklist_destination: dict | None = None
    #: What a ticket may be (a ticket's kind is one of these).
    ticket_kinds: tuple = ("complaint", "report", "consultation", "suggestion")
    #: Ticket reminders (催办, tickets/reminders.py): to the ticket's department when its deadline is
    #: this many minutes away (each), at the deadline, again every so many minutes while it stays
    #: open (0: once); so long past the deadline, an escalation to the supervisors' addresses
    #: (0: never), who also get the reminders of tickets no department has yet.
    ticket_remind_before_minutes: tuple = (60,)
    ticket_overdue_repeat_minutes: int = 240
    ticket_escalate_after_minutes: int = 120
    ticket_escalation_email: tuple = ()
    #: Mailboxes whose messages become tickets (a mayor's mailbox), of this kind
    #: (appliance/ivrs/mailbox_tickets.py).
    ticket_mailboxes: tuple = ()
    ticket_mailbox_kind: str = "suggestion"
    #: Where each received fax is mailed, its pages as PDF (none: kept on the Fax page only).
    fax_email: tuple = ()
    #: The fingerprint of the owner's certificate once uploaded (appliance/tls/service.py), never
    #: set through PATCH /settings: a new one re-renders pjsip.conf, and that reload has Asterisk's
    #: TLS transport take the new files.
    tls_certificate: str = ""
    #: NAT on the SIP transports: the public address phones outside reach the box at (its
    #: router forwards SIP and RTP to it), and the networks that are the box's own (phones
    #: there get its own address). Empty: the box is reached at its own address.
    sip_external_address: str = ""
    sip_local_networks: tuple = ()
    #: Log files (Asterisk's messages, security and queue logs, its console, the supervisor's) are
    #: rotated once one reaches this size or age; this many rotated files of each are kept; and the
    #: log folder as a whole is kept under its quota (the oldest rotated files go first).
    log_rotate_mb: int = 20
    log_rotate_days: int = 7
    log_keep: int = 5
    log_quota_mb: int = 500
    #: Voicemail is the callers' words: never deleted by the box; the dashboard (and alert_email)
    #: says when the spool is near or over this.
    voicemail_quota_mb: int = 5000
    #: Where the box mails its alerts (storage near or over its quota); none: the dashboard only.
    alert_email: tuple = ()
    #: Two DAHDI software spans looped to each other (dahdi_dynamic_loc), shown as a card with two
    #: E1 spans: an E1 cable between two ports without a card, for tests and demonstrations; and
    #: its 8 analog ports, 4 FXS ports wired to 4 FXO ports (detect.SOFTWARE_PORTS).
    software_spans: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


_LISTS = ("ntp_servers", "emergency_numbers", "ticket_kinds", "fax_email", "sip_local_networks",
          "alert_email", "ticket_remind_before_minutes", "ticket_escalation_email", "ticket_mailboxes")  # tuples here, lists in JSON


class BoxSettingsSchema(StrictSchema):
    hostname = StrictString()
    ring_timeout = fields.Integer(strict=True, validate=validate.Range(5, 120))
    voicemail_max_seconds = fields.Integer(strict=True, validate=validate.Range(10, 3600))
    tone_zone = StrictString(validate=validate.OneOf(("us", "uk", "cn")))
    role = StrictString(validate=validate.OneOf(("headquarters", "branch")))
    timezone = StrictString()
    ntp_servers = fields.List(Host(), validate=validate.Length(max=4))
    country_code = StrictString(validate=validate.Regexp(r"^[0-9]{0,3}$", error="must be up to 3 digits"))
    national_prefix = StrictString(validate=validate.Regexp(r"^[0-9]{0,2}$", error="must be up to 2 digits"))
    customer_lookup_url = StrictString(validate=validate.Length(max=500))
    customer_lookup_timeout_ms = fields.Integer(strict=True, validate=validate.Range(100, 5000))
    recording_retention_days = fields.Integer(strict=True, validate=validate.Range(1, 3650))
    recording_quota_mb = fields.Integer(strict=True, validate=validate.Range(100, 10_000_000))
    call_event_retention_days = fields.Integer(strict=True, validate=validate.Range(1, 3650))
    call_record_retention_months = fields.Integer(strict=True, validate=validate.Range(0, 1200))
    park_slots = fields.Integer(strict=True, validate=validate.Range(1, 20))
    park_timeout = fields.Integer(strict=True, validate=validate.Range(10, 600))
    emergency_numbers = fields.List(StrictString(validate=validate.Regexp(
        r"^[0-9]{2,8}$", error="must be 2 to 8 digits")), validate=validate.Length(min=1, max=20))
    language = Language(allow_none=False)
    blacklist_destination = Destination(allow_none=True)
    ticket_kinds = fields.List(StrictString(validate=validate.Regexp(
        r"^[a-z][a-z0-9_]{0,31}$", error="must be lower-case letters, digits and _")),
        validate=validate.Length(min=1, max=20))
    fax_email = fields.List(Email(), validate=validate.Length(max=5))
    ticket_remind_before_minutes = fields.List(fields.Integer(strict=True, validate=validate.Range(1, 10080)),
                                               validate=validate.Length(max=5))
    ticket_overdue_repeat_minutes = fields.Integer(strict=True, validate=validate.Range(0, 10080))
    ticket_escalate_after_minutes = fields.Integer(strict=True, validate=validate.Range(0, 10080))
    ticket_escalation_email = fields.List(Email(), validate=validate.Length(max=5))
    ticket_mailboxes = fields.List(StrictString(validate=validate.Regexp(
        r"^[0-9]{2,8}$", error="must be a mailbox's number")), validate=validate.Length(max=10))
    ticket_mailbox_kind = StrictString(metadata={"description": "one of the ticket_kinds setting"})
    sip_external_address = StrictString()
    sip_local_networks = fields.List(StrictString(), validate=validate.Length(max=16))

    @validates("sip_external_address")
    def _external(self, value, **kwargs):
        # An address, not a name: the config Asterisk reads must not wait on DNS.
        if value:
            try:
                address = ipaddress.ip_address(value)
            except ValueError:
                raise ValidationError("must be an IP address (the router's public one), or empty") from None
            if address.is_unspecified or address.is_loopback or address.is_multicast:
                raise ValidationError("must be an address phones can reach")

    @validates("sip_local_networks")
    def _local(self, value, **kwargs):
        for net in value:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError:
                raise ValidationError(f"{net!r} is not a network such as 192.168.1.0/24") from None
    log_rotate_mb = fields.Integer(strict=True, validate=validate.Range(1, 1000))
    log_rotate_days = fields.Integer(strict=True, validate=validate.Range(1, 365))
    log_keep = fields.Integer(strict=True, validate=validate.Range(1, 50))
    log_quota_mb = fields.Integer(strict=True, validate=validate.Range(5, 100_000))
    software_spans = Bool()
    voicemail_quota_mb = fields.Integer(strict=True, validate=validate.Range(10, 10_000_000))
    alert_email = fields.List(Email(), validate=validate.Length(max=5))

    @validates("customer_lookup_url")
    def _lookup_url(self, value, **kwargs):
        from .httpjson import valid_url

        if value and not valid_url(value):
            raise ValidationError("must be an http:// or https:// address, or empty for none")

    @validates("timezone")
    def _timezone(self, value, **kwargs):
        if value not in _timezones():
            raise ValidationError("must be a time zone such as Asia/Shanghai or Europe/Berlin")

    @validates("hostname")
    def _hostname(self, value, **kwargs):
        check_hostname(value)


def check_hostname(value: str) -> None:
    if not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", value):
        raise ValidationError("must be a host name: lower-case letters, digits and '-'")


def zone(timezone: str) -> dt.tzinfo:
    """The named time zone; UTC where the name is unknown here (never a failure in a report or a mail)."""
    try:
        return zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.timezone.utc


def load() -> BoxSettings:
    stored = {s.key: json.loads(s.value) for s in Setting.select()}
    known = {k: v for k, v in stored.items() if k in BoxSettings.__dataclass_fields__}
    for key in _LISTS:
        if key in known:
            known[key] = tuple(known[key])
    if "network" in known:
        known["network"] = {**DEFAULT_NETWORK, **known["network"]}
    return BoxSettings(**known)


PARK_LOT = "70"


def park_numbers(slots: int) -> list[str]:
    """The park lot and its slots: 70, 71, ... (numbers nothing else may have)."""
    return [PARK_LOT] + [str(int(PARK_LOT) + n) for n in range(1, slots + 1)]


def save(cs, values: dict) -> BoxSettings:
    """Store validated values within the change `cs`."""
    if "park_slots" in values:
        from . import numbers

        for number in park_numbers(values["park_slots"])[1:]:
            holder = numbers.in_use(number, parking=False)
            if holder:
                raise Conflict(f"park_slots: park slot {number} would clash with the {holder} {number}",
                               "park_slots")
    if values.get("blacklist_destination") is not None:
        from . import destinations

        kind, target = destinations.check_exists(values["blacklist_destination"], "blacklist_destination")
        values = {**values, "blacklist_destination": {"kind": kind, "target": target}}
    for number in values.get("ticket_mailboxes", ()):
        from .db.models import Mailbox

        if not Mailbox.select().where(Mailbox.number == number).exists():
            raise Invalid(f"ticket_mailboxes: there is no mailbox {number}", "ticket_mailboxes")
    current = load()
    if values.get("ticket_mailboxes", current.ticket_mailboxes) or "ticket_mailbox_kind" in values:
        kinds = values.get("ticket_kinds") or current.ticket_kinds
        kind = values.get("ticket_mailbox_kind") or current.ticket_mailbox_kind
        if kind not in kinds:
            raise Invalid(f"ticket_mailbox_kind: must be one of {', '.join(kinds)}", "ticket_mailbox_kind")
    defaults = BoxSettings()
    for key, value in values.items():
        if key in _LISTS:
            value = list(value)
        if key == "network":
            value = {**DEFAULT_NETWORK, **value}
        row = Setting.get_or_none(Setting.key == key)
        default = getattr(defaults, key)
        if value == (list(default) if isinstance(default, tuple) else default):
            if row is not None:
                cs.delete(row)
        elif row is None:
            cs.create(Setting, key=key, value=json.dumps(value))
        else:
            cs.update(row, value=json.dumps(value))
    return load()
