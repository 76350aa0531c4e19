"""Tables of the config database. The schema itself is made by migrations.py;
tests/unit/test_db.py checks that these models match what the migrations make."""

from __future__ import annotations

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from .core import db


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class Setting(BaseModel):
    key = CharField(primary_key=True)
    value = TextField()  # JSON


class Extension(BaseModel):
    id = AutoField()
    number = CharField(unique=True)
    name = CharField()
    secret = CharField()
    email = CharField(null=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    recording = CharField(default="never")  # never | always | on_demand
    dnd = BooleanField(default=False)
    # Numbers as the phone would dial them (internal or through outbound routes); None: off.
    forward_all = CharField(null=True)
    forward_busy = CharField(null=True)
    forward_no_answer = CharField(null=True)
    pickup_groups = CharField(default="")  # group names, comma-separated: *8 answers within them
    intercom = BooleanField(default=True)  # *80<number> and page groups may make its phone answer by itself
    # Follow-me: up to 3 numbers (comma-separated, in order) rung after the desk phone's ring time.
    follow_me_enabled = BooleanField(default=False)
    follow_me_numbers = CharField(default="")
    follow_me_ring = CharField(default="sequential")  # sequential | together
    follow_me_confirm = BooleanField(default=True)  # outside legs press 1 to take the call
    permission_class = CharField(default="international")  # a PermissionClass name: what it may dial outside
    language = CharField(null=True)  # what its phone's user and callers to its voicemail hear; None: the box's
    # A second phone in its user's browser (WebRTC, appliance/webphone), rung with the desk phone.
    browser_phone = BooleanField(default=False)
    # How the box reaches its phone: udp (or as it registered), tcp, tls (its calls must come over TLS).
    transport = CharField(default="udp")
    srtp = CharField(default="off")  # off | optional (when the phone offers it) | required (no call without it)


class Mailbox(BaseModel):
    id = AutoField()
    number = CharField(unique=True)
    name = CharField()
    pin = CharField()
    email = CharField(null=True)
    extension = ForeignKeyField(Extension, null=True, unique=True, backref="mailboxes", on_delete="RESTRICT")


class Department(BaseModel):
    """A department tickets are dispatched to (the 12345 hotline's handling offices)."""

    id = AutoField()
    name = CharField(unique=True)
    phone = CharField(null=True)
    email = CharField(null=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()


class User(BaseModel):
    id = AutoField()
    username = CharField(unique=True)
    password_hash = CharField()
    role = CharField()
    extension = ForeignKeyField(Extension, null=True, backref="users", on_delete="RESTRICT")
    created_at = DateTimeField()
    language = CharField(default="en")
    # A department user (role "department") sees this department's tickets only.
    department = ForeignKeyField(Department, null=True, backref="users", on_delete="RESTRICT")


class Session(BaseModel):
    token_hash = CharField(primary_key=True)
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    created_at = DateTimeField()
    expires_at = DateTimeField()
    csrf_token = CharField(default="")


class Change(BaseModel):
    """One committed change: its id is the config revision."""

    id = AutoField()
    at = DateTimeField()
    actor = CharField()
    action = CharField()
    target = CharField()
    status = CharField()  # pending | applied | rejected
    error = TextField(null=True)


class ChangeRow(BaseModel):
    id = AutoField()
    change = ForeignKeyField(Change, backref="rows", on_delete="CASCADE")
    tbl = CharField()
    row_id = TextField()  # JSON of the primary key value
    before = TextField(null=True)  # JSON of the row's columns, None when created
    after = TextField(null=True)  # None when deleted
    seq = IntegerField()


class Number(BaseModel):
    """The dial plan: who owns each dialable number."""

    number = CharField(primary_key=True)
    kind = CharField()  # extension | ring_group | ivr
    owner_id = IntegerField()


class Trunk(BaseModel):
    id = AutoField()
    name = CharField(unique=True)
    host = CharField()
    port = IntegerField()
    transport = CharField()  # udp | tcp
    username = CharField(null=True)
    secret = CharField(null=True)
    register = BooleanField()
    from_domain = CharField(null=True)
    caller_id = CharField(null=True)
    max_channels = IntegerField(null=True)
    language = CharField(null=True)  # what callers hear; None: the box's language
    enabled = BooleanField()
    created_at = DateTimeField()
    updated_at = DateTimeField()
    kind = CharField(default="sip")  # sip | dahdi (its spans or FXO ports: DahdiSpan/DahdiPort.trunk)


class RingGroup(BaseModel):
    id = AutoField()
    number = CharField(unique=True)
    name = CharField()
    strategy = CharField()  # ringall | inorder
    ring_seconds = IntegerField()
    dest_kind = CharField()  # where an unanswered call goes
    dest_target = CharField(null=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()


class RingGroupMember(BaseModel):
    id = AutoField()
    ring_group = ForeignKeyField(RingGroup, backref="members", on_delete="RESTRICT")
    extension = ForeignKeyField(Extension, backref="ring_groups", on_delete="RESTRICT")
    position = IntegerField()


class Prompt(BaseModel):
    id = AutoField()
    name = CharField(unique=True)
    filename = CharField()
    duration = FloatField()
    source = CharField()  # upload | phone
    created_at = DateTimeField()


class Ivr(BaseModel):
    id = AutoField()
    number = CharField(unique=True, null=True)
    name = CharField(unique=True)
    prompt = ForeignKeyField(Prompt, null=True, backref="ivrs", on_delete="RESTRICT")
    timeout = IntegerField()
    max_tries = IntegerField()
    direct_dial = BooleanField()
    timeout_kind = CharField()
    timeout_target = CharField(null=True)
    invalid_kind = CharField()
    invalid_target = CharField(null=True)
    language = CharField(null=True)  # what callers hear; None: the box's language
    steps = TextField(default="[]")  # self-service steps as JSON (appliance/ivrs/schema.py StepSchema)
    created_at = DateTimeField()
    updated_at = DateTimeField()


class IvrOption(BaseModel):
    id = AutoField()
    ivr = ForeignKeyField(Ivr, backref="options", on_delete="RESTRICT")
    digit = CharField()
    dest_kind = CharField()
    dest_target = CharField(null=True)


class InboundRoute(BaseModel):
    id = AutoField()
    name = CharField(unique=True)
    did = CharField(null=True)  # None: any dialled number
    cid = CharField(null=True)  # None: any caller
    dest_kind = CharField()
    dest_target = CharField(null=True)
    position = IntegerField()
    language = CharField(null=True)  # what callers hear; None: the box's language
    fax_detect = BooleanField(default=False)  # a fax tone goes to the fax receiver
    created_at = DateTimeField()
    updated_at = DateTimeField()


class OutboundRoute(BaseModel):
    id = AutoField()
    name = CharField(unique=True)
    position = IntegerField()
    created_at = DateTimeField()
    updated_at = DateTimeField()


class OutboundPattern(BaseModel):
    id = AutoField()
    route = ForeignKeyField(OutboundRoute, backref="patterns", on_delete="RESTRICT")
    pattern = CharField()
    strip = IntegerField()
    prefix = CharField()
    position = IntegerField()
    reach = CharField(default="international")  # local | national | international: the numbers it dials


class OutboundRouteTrunk(BaseModel):
    id = AutoField()
    route = ForeignKeyField(OutboundRoute, backref="trunks", on_delete="RESTRICT")
    trunk = ForeignKeyField(Trunk, backref="routes", on_delete="RESTRICT")
    position = IntegerField()


class Queue(BaseModel):
    id = AutoField()
    number = CharField(unique=True)
    name = CharField(unique=True)
    strategy = CharField()
    #: Ring the agent who served this caller last for this many seconds first (0: off).
    memory_seconds = IntegerField()
    music = CharField()  # a music-on-hold class
    announce_position = BooleanField()
    announce_interval = IntegerField()
    join_empty = BooleanField()  # callers may join with no agent logged in
    leave_empty = BooleanField()  # callers leave when the last agent logs out
    max_wait = IntegerField()  # seconds, 0 for no limit
    max_callers = IntegerField()  # 0 for no limit
    overflow_kind = CharField()
    overflow_target = CharField(null=True)
    wrapup = IntegerField()
    ring_timeout = IntegerField()
    announce_agent = BooleanField()
    survey = BooleanField()
    survey_after_id = IntegerField(null=True)  # a Survey asked after the call (in place of `survey`)
    recording = CharField()  # never | always | on_demand
    callback = BooleanField()
    service_level = IntegerField()  # answered within this many seconds counts as served in time
    callback_class = CharField(default="national")  # a PermissionClass name: the numbers it calls back
    language = CharField(null=True)  # what callers hear; None: the box's language
    created_at = DateTimeField()
    updated_at = DateTimeField()


class QueueMember(BaseModel):
    id = AutoField()
    queue = ForeignKeyField(Queue, backref="members", on_delete="RESTRICT")
    extension = ForeignKeyField(Extension, backref="queues", on_delete="RESTRICT")
    penalty = IntegerField()
    #: Dynamic members log in and out; static ones always take calls.
    dynamic = BooleanField()


class PauseReason(BaseModel):
    id = AutoField()
    name = CharField(unique=True)
    code = IntegerField(unique=True)  # dialled after the pause feature code


class CustomerLevel(BaseModel):
    id = AutoField()
    name = CharField(unique=True)
    priority = IntegerField()  # queue priority: higher is answered first


class Customer(BaseModel):
    id = AutoField()
    name = CharField()
    company = CharField(null=True)
    level = ForeignKeyField(CustomerLevel, null=True, backref="customers", on_delete="RESTRICT")
    notes = TextField(null=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    # Set when the customer answers an SMS with TD, STOP or 退订: broadcasts skip them.
    sms_opt_out = BooleanField(default=False)


class CustomerNumber(BaseModel):
    id = AutoField()
    customer = ForeignKeyField(Customer, backref="numbers", on_delete="RESTRICT")
    number = CharField(unique=True)  # normalised: digits with the country code
    display = CharField()  # as it was typed


class MusicClass(BaseModel):
    id = AutoField()
    name = CharField(unique=True)
    created_at = DateTimeField()


class MusicFile(BaseModel):
    id = AutoField()
    music_class = ForeignKeyField(MusicClass, backref="files", on_delete="RESTRICT")
    filename = CharField()
    title = CharField()
    duration = FloatField()


class WizardStep(BaseModel):
    """An answer of the setup wizard, kept until its last step applies them all."""

    step = CharField(primary_key=True)
    data = TextField()  # JSON
    updated_at = DateTimeField()


class TimeCondition(BaseModel):
    id = AutoField()
    name = CharField(unique=True)
    code = IntegerField(unique=True)  # *28<code> switches it by hand
    rules = TextField()  # JSON: [{"days": [...], "from": "HH:MM", "to": "HH:MM"}]
    holidays = TextField()  # JSON: [{"date": "YYYY-MM-DD", "yearly": bool, "name"}]
    matched_kind = CharField()
    matched_target = CharField(null=True)
    unmatched_kind = CharField()
    unmatched_target = CharField(null=True)
    override = CharField(null=True)  # None: by the schedule; matched | unmatched: forced
    created_at = DateTimeField()
    updated_at = DateTimeField()


class BlacklistEntry(BaseModel):
    id = AutoField()
    number = CharField(unique=True)  # international form without '+'
    note = CharField(null=True)
    created_at = DateTimeField()


class SpeedDial(BaseModel):
    """*0<code> dials `number` as if the phone had dialled it."""

    id = AutoField()
    code = CharField(unique=True)  # two digits, 00-99
    number = CharField()
    name = CharField(null=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()


class SecurityBan(BaseModel):
    """An address's latest ban (appliance/security), kept after it ends for escalation."""

    address = CharField(primary_key=True)
    reason = CharField()
    since = FloatField()  # Unix time
    until = FloatField(null=True)  # None: permanent
    count = IntegerField()  # the how-many-th ban of this address


class Conference(BaseModel):
    """A conference room: its number is dialled from phones and is a destination."""

    id = AutoField()
    number = CharField(unique=True)
    name = CharField()
    pin = CharField(null=True)  # participants' PIN; None: no PIN asked
    host_pin = CharField(null=True)  # the host's PIN; None: no host
    max_parties = IntegerField()
    record = BooleanField()
    wait_for_host = BooleanField()  # participants hear music until the host joins
    created_at = DateTimeField()
    updated_at = DateTimeField()


class PagingGroup(BaseModel):
    """Dialled from a phone: every member's phone answers by itself and hears the pager."""

    id = AutoField()
    number = CharField(unique=True)
    name = CharField()
    duplex = BooleanField()  # False: one-way (members only listen)
    created_at = DateTimeField()
    updated_at = DateTimeField()


class PagingGroupMember(BaseModel):
    id = AutoField()
    paging_group = ForeignKeyField(PagingGroup, backref="members", on_delete="RESTRICT")
    extension = ForeignKeyField(Extension, backref="paging_groups", on_delete="RESTRICT")
    position = IntegerField()


class PermissionClass(BaseModel):
    """What kinds of outside numbers its extensions may dial (emergency numbers always)."""

    id = AutoField()
    name = CharField(unique=True)  # the key: extensions and queues name it
    reach = CharField()  # comma-separated: local, national, international (empty: internal only)
    builtin = BooleanField(default=False)
    note = CharField(null=True)


class TicketCategory(BaseModel):
    """A node of the category tree; its time limit sets a new ticket's deadline."""

    id = AutoField()
    name = CharField()
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    time_limit_hours = IntegerField(null=True)
    department = ForeignKeyField(Department, null=True, backref="categories", on_delete="RESTRICT")


class Ticket(BaseModel):
    """A case of the hotline. Not config: written directly, its history in TicketEvent."""

    id = AutoField()
    number = CharField(unique=True)  # 2026-000123: per year, in the box's time zone
    kind = CharField()
    category = ForeignKeyField(TicketCategory, null=True, backref="tickets", on_delete="RESTRICT")
    caller = CharField(null=True)  # as given
    caller_key = CharField(null=True)  # normalised: matches however the number is written
    customer = ForeignKeyField(Customer, null=True, backref="tickets", on_delete="SET NULL")
    summary = CharField()
    details = TextField(null=True)
    channel = CharField()
    call_id = CharField(null=True)  # the call record's id (the caller's uniqueid)
    department = ForeignKeyField(Department, null=True, backref="tickets", on_delete="RESTRICT")
    assignee = CharField(null=True)  # a user's name
    priority = CharField()
    deadline = DateTimeField(null=True)  # UTC
    status = CharField()
    answered_at = DateTimeField(null=True)  # UTC: when its status first became answered or closed
    created_by = CharField()
    created_at = DateTimeField()
    updated_at = DateTimeField()


class VoicemailTicket(BaseModel):
    """A message of a ticket mailbox (appliance/ivrs/mailbox_tickets.py) and the ticket it became."""

    id = AutoField()
    mailbox = CharField()
    message = CharField()  # the message's msg_id
    ticket = ForeignKeyField(Ticket, backref="voicemail", on_delete="CASCADE")

    class Meta:
        indexes = ((("mailbox", "message"), True),)


class TicketEvent(BaseModel):
    """One change of a ticket: who, when, which field, from what to what."""

    id = AutoField()
    ticket = ForeignKeyField(Ticket, backref="events", on_delete="CASCADE")
    at = DateTimeField()
    actor = CharField()
    field = CharField()
    old = TextField(null=True)
    new = TextField(null=True)


class TicketComment(BaseModel):
    id = AutoField()
    ticket = ForeignKeyField(Ticket, backref="comments", on_delete="CASCADE")
    at = DateTimeField()
    actor = CharField()
    text = TextField()


class DeskPhone(BaseModel):
    """A desk phone claimed by its MAC for an extension: served its vendor's file (appliance/provisioning)."""

    id = AutoField()
    mac = CharField(unique=True)  # 12 lower-case hex digits
    extension = ForeignKeyField(Extension, backref="desk_phones", on_delete="RESTRICT")
    template = CharField()  # yealink | grandstream | fanvil | snom | polycom
    transport = CharField()  # udp | tcp
    blf = TextField()  # colleagues' extension numbers for BLF keys, comma-separated, in key order
    park_keys = BooleanField()  # BLF keys for the park slots after the colleagues'
    firmware_url = CharField(null=True)
    token = CharField(unique=True)  # in the phone's URL: /provision/<token>/<file>
    password = CharField()  # HTTP digest password (user: the MAC)
    created_at = DateTimeField()
    updated_at = DateTimeField()


class PhoneRequest(BaseModel):
    """An unclaimed phone that asked for its file (or sent a PnP SUBSCRIBE): the latest time."""

    mac = CharField(primary_key=True)
    user_agent = CharField()
    address = CharField()
    file = CharField()
    count = IntegerField()
    first_seen = DateTimeField()
    last_seen = DateTimeField()


# The journal undoes a change Asterisk refused table by table: every config table is listed.
class DahdiSpan(BaseModel):
    """A digital span's settings; its number is DAHDI's, its channels as the scan found them."""

    number = IntegerField(primary_key=True)
    dahdi_span = IntegerField()  # DAHDI's own number: analog cards count too
    first_channel = IntegerField()
    hw_echocan = BooleanField(default=False)
    software = BooleanField(default=False)  # one of the box's looped software spans (no card)
    signalling = CharField()  # pri_net | pri_cpe | mfcr2 | unused
    framing = CharField()  # ccs | cas
    coding = CharField()  # hdb3 | ami
    crc4 = BooleanField()
    timing = IntegerField()  # 0: never the clock source; 1, 2, ...: the order of preference
    switchtype = CharField()  # euroisdn | national
    overlap = BooleanField()
    r2_variant = CharField()
    r2_max_ani = IntegerField()
    r2_max_dnis = IntegerField()
    r2_category = CharField()
    r2_double_answer = BooleanField()
    trunk = ForeignKeyField(Trunk, null=True, backref="spans", on_delete="RESTRICT")


class DahdiPort(BaseModel):
    """An analog port: FXS (a phone: an extension) or FXO (a local line: part of a trunk)."""

    number = IntegerField(primary_key=True)
    channel = IntegerField()
    hw_echocan = BooleanField(default=False)
    kind = CharField()  # fxs | fxo
    extension = ForeignKeyField(Extension, null=True, unique=True, backref="ports", on_delete="RESTRICT")
    trunk = ForeignKeyField(Trunk, null=True, backref="ports", on_delete="RESTRICT")
    software = BooleanField(default=False)  # one of the box's looped software ports (no card)



class VpnPeer(BaseModel):
    """A WireGuard peer of the box's interface (appliance/vpn): a branch, a remote seat."""

    id = AutoField()
    name = CharField(unique=True)
    public_key = CharField(unique=True)
    allowed_ips = CharField()  # networks, comma-separated, normalised
    endpoint = CharField(null=True)  # IP:port; None: the peer calls in (behind NAT)
    keepalive = IntegerField(default=0)  # seconds; 0 is off
    created_at = DateTimeField()
    updated_at = DateTimeField()
    # A remote seat's peer (appliance/vpn/seats.py): made for this extension's phone, which alone
    # may register through it.
    extension = ForeignKeyField(Extension, null=True, unique=True, on_delete="CASCADE")


class Site(BaseModel):
    """A branch box of this headquarters (appliance/sites): pending until it enrols with its code."""

    id = AutoField()
    name = CharField(unique=True)
    number = IntegerField(unique=True)  # headquarters is site 1
    extensions_from = CharField()
    extensions_to = CharField()
    breakout_patterns = CharField(default="")  # dial patterns, comma-separated
    code_hash = CharField(unique=True)  # SHA-256 of the code's one-time token
    code_expires = DateTimeField()
    tunnel_address = CharField()
    trunk_secret = CharField()
    enrolled_at = DateTimeField(null=True)
    public_key = CharField(null=True)
    vpn_peer = ForeignKeyField(VpnPeer, null=True, on_delete="SET NULL")
    version = CharField(null=True)
    phones_registered = IntegerField(null=True)
    created_at = DateTimeField()
    # The branch's own extensions as it last reported them (FROM-TO runs, comma-separated): their
    # busy lamps are watched here. Only numbers inside its range are kept.
    extensions_listed = TextField(default="")
    # Its Asterisk's entity id as it last reported it: what its published states are kept under
    # here (appliance/sites/forget.py). Status, as version is.
    eid = CharField(null=True)

CONFIG_MODELS = [Setting, Extension, Mailbox, User, Number, Trunk, RingGroup, RingGroupMember, Prompt, Ivr,
                 IvrOption, InboundRoute, OutboundRoute, OutboundPattern, OutboundRouteTrunk, Queue, QueueMember,
                 PauseReason, CustomerLevel, Customer, CustomerNumber, MusicClass, MusicFile, TimeCondition,
                 BlacklistEntry, SpeedDial, Conference, PagingGroup, PagingGroupMember,
                 PermissionClass, DahdiSpan, DahdiPort, Department, TicketCategory, DeskPhone,
                 VpnPeer, Site]
# Tickets are the hotline's work, not config: they keep their own history.
ALL_MODELS = CONFIG_MODELS + [Session, Change, ChangeRow, WizardStep, SecurityBan, Ticket, TicketEvent, TicketComment,
                              PhoneRequest]


class SmsGateway(BaseModel):
    """Where the box's SMS go out and come in: an HTTP provider or a GSM modem (appliance/sms)."""

    id = AutoField()
    name = CharField(unique=True)
    kind = CharField()  # http | modem
    enabled = BooleanField()
    rate = FloatField()  # messages a second, at most
    attempts = IntegerField()  # tries before a message is given up
    options = TextField()  # JSON, checked by the kind's schema
    token = CharField(unique=True)  # the inbound webhook's secret path part
    created_at = DateTimeField()
    updated_at = DateTimeField()


class SmsTemplate(BaseModel):
    """SMS text with {fields}, sent on the events it names (missed_call, voicemail, ...) and in broadcasts."""

    id = AutoField()
    name = CharField(unique=True)
    text = TextField()
    events = CharField()  # comma-separated
    created_at = DateTimeField()
    updated_at = DateTimeField()


class SmsBroadcast(BaseModel):
    """One send to a list of customers: what was sent to whom, for its report."""

    id = AutoField()
    template_id = IntegerField(null=True)
    text = TextField()
    filter = TextField()  # JSON: how the customers were chosen
    total = IntegerField()
    opted_out = IntegerField()
    no_number = IntegerField()
    created_by = CharField()
    created_at = DateTimeField()


class SmsMessage(BaseModel):
    """An SMS sent (the durable outbox) or received: traffic, not config."""

    id = AutoField()
    key = CharField(null=True, unique=True)
    direction = CharField()  # out | in
    number = CharField()
    text = TextField()
    state = CharField()
    attempts = IntegerField(default=0)
    gateway_id = IntegerField(null=True)
    external_id = CharField(null=True)
    customer_id = IntegerField(null=True)
    broadcast_id = IntegerField(null=True)
    template_id = IntegerField(null=True)
    created_by = CharField(null=True)
    created_at = DateTimeField()
    next_try = DateTimeField()
    sent_at = DateTimeField(null=True)
    delivered_at = DateTimeField(null=True)
    last_error = TextField(null=True)


# SMS gateways and templates are config (journaled); broadcasts and messages are traffic.
CONFIG_MODELS += [SmsGateway, SmsTemplate]
ALL_MODELS += [SmsGateway, SmsTemplate, SmsBroadcast, SmsMessage]


class Survey(BaseModel):
    """Questions a caller answers with keys (after a queue's call, or called by a campaign):
    config, rendered into a dial plan context of its own."""

    id = AutoField()
    name = CharField(unique=True)
    #: JSON: [{"prompt": library prompt id or null, "sound": the box's own prompt or null,
    #: "keys": "12345", "timeout": seconds}], in the order they are asked.
    questions = TextField()
    language = CharField(null=True)  # what the callers hear; None: the box's (or the queue's)
    created_at = DateTimeField()
    updated_at = DateTimeField()


class Campaign(BaseModel):
    """An outbound survey campaign: the box's work, not config (written directly)."""

    id = AutoField()
    name = CharField(unique=True)
    survey = ForeignKeyField(Survey, backref="campaigns", on_delete="RESTRICT")
    permission_class = CharField()  # the class the calls leave under
    calls_at_once = IntegerField()
    calls_per_minute = IntegerField()
    hours_from = CharField()  # HH:MM in the box's time zone
    hours_to = CharField()  # HH:MM (24:00: to midnight); before hours_from: overnight
    retries = IntegerField()  # more tries on busy or no answer
    retry_minutes = IntegerField()
    ring_seconds = IntegerField()
    status = CharField()  # draft | running | paused | stopped | finished
    created_by = CharField()
    created_at = DateTimeField()
    updated_at = DateTimeField()


class CampaignNumber(BaseModel):
    """One number of a campaign and what became of it."""

    id = AutoField()
    campaign = ForeignKeyField(Campaign, backref="numbers", on_delete="CASCADE")
    position = IntegerField()
    number = CharField()  # digits, as the box dials them
    state = CharField()  # pending | calling | done
    outcome = CharField(null=True)  # completed | partial | no_answer | busy | refused | blacklisted | opted_out
    attempts = IntegerField(default=0)
    next_try = DateTimeField(null=True)
    call_id = CharField(null=True)  # the last attempt's channel id
    updated_at = DateTimeField()

    class Meta:
        indexes = ((("campaign", "number"), True),)


class SurveyAnswer(BaseModel):
    """A key a caller pressed for a question: traffic, kept per call."""

    id = AutoField()
    survey_id = IntegerField()
    campaign_id = IntegerField(null=True)
    entry_id = IntegerField(null=True)  # the campaign's number
    call_id = CharField()  # the answering channel's unique id
    number = CharField()
    question = IntegerField()  # 1-based
    key = CharField()
    at = DateTimeField()


# Surveys are config (journaled, rendered); campaigns and answers are the box's work.
CONFIG_MODELS += [Survey]
ALL_MODELS += [Survey, Campaign, CampaignNumber, SurveyAnswer]
