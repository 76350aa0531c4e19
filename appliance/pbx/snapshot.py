"""A consistent, immutable view of everything the renderers need.

Read in one transaction so that a render never mixes two revisions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .. import box_settings
from ..box_settings import BoxSettings
from peewee import JOIN

from ..db import db
from ..sites import peering
from ..vpn import seats
from ..db.journal import Journal
from ..db.models import (
    BlacklistEntry,
    Conference,
    DahdiPort,
    DahdiSpan,
    Extension,
    InboundRoute,
    Ivr,
    IvrOption,
    Mailbox,
    MusicClass,
    MusicFile,
    OutboundPattern,
    OutboundRoute,
    OutboundRouteTrunk,
    PagingGroup,
    PagingGroupMember,
    PermissionClass,
    Prompt,
    Queue,
    QueueMember,
    RingGroup,
    RingGroupMember,
    SpeedDial,
    Survey,
    TimeCondition,
    Trunk,
    User,
)


@dataclass(frozen=True)
class MailboxView:
    number: str
    name: str
    pin: str
    email: str | None


@dataclass(frozen=True)
class ExtensionView:
    number: str
    name: str
    secret: str
    has_mailbox: bool
    dnd: bool = False
    forward_all: str | None = None
    forward_busy: str | None = None
    forward_no_answer: str | None = None
    pickup_groups: str = ""  # comma-separated names
    intercom: bool = True  # may be made to answer by itself (*80N, page groups)
    #: Follow-me when on: the numbers in order (empty when off), rung "sequential" or "together";
    #: `follow_confirm`: outside legs press 1 to take the call.
    follow_me: tuple[str, ...] = ()
    follow_ring: str = "sequential"
    follow_confirm: bool = True
    permission_class: str = "international"
    browser_phone: bool = False  # a WebRTC endpoint <number>-web is rung with the desk phone
    transport: str = "udp"  # udp | tcp | tls
    srtp: str = "off"  # off | optional | required


@dataclass(frozen=True)
class TrunkView:
    id: int
    host: str
    port: int
    transport: str
    username: str | None
    secret: str | None
    register: bool
    from_domain: str | None
    caller_id: str | None
    max_channels: int | None
    kind: str = "sip"  # sip | dahdi

    @property
    def endpoint(self) -> str:
        """The PJSIP endpoint, or for a DAHDI trunk its channel group (Dial(DAHDI/g<id>/...))."""
        return f"g{self.id}" if self.kind == "dahdi" else f"trunk-{self.id}"


@dataclass(frozen=True)
class DahdiSpanView:
    number: int
    dahdi_span: int
    first_channel: int
    signalling: str  # pri_net | pri_cpe | mfcr2 | unused
    framing: str
    coding: str
    crc4: bool
    timing: int
    switchtype: str = "euroisdn"
    overlap: bool = False
    r2_variant: str = "cn"
    r2_max_ani: int = 10
    r2_max_dnis: int = 4
    r2_category: str = "national_subscriber"
    r2_double_answer: bool = False
    trunk: int | None = None
    hw_echocan: bool = False
    software: bool = False  # a looped software span (DAHDI's dahdi_dynamic_loc), not a card's


@dataclass(frozen=True)
class DahdiPortView:
    number: int
    channel: int
    kind: str  # fxs | fxo
    extension: str | None = None
    trunk: int | None = None
    hw_echocan: bool = False
    software: bool = False  # a looped software port: its line is another port of the box's


Dest = tuple  # (kind, target)


@dataclass(frozen=True)
class RingGroupView:
    number: str
    strategy: str
    ring_seconds: int
    members: tuple[str, ...]
    no_answer: Dest


@dataclass(frozen=True)
class IvrView:
    id: int
    number: str | None
    prompt: str | None  # audio file without extension, None when there is none yet
    timeout: int
    max_tries: int
    direct_dial: bool
    options: tuple[tuple[str, str, str | None], ...]  # (digit, kind, target)
    on_timeout: Dest
    on_invalid: Dest
    #: Self-service steps as stored (appliance/ivrs/schema.py), a digits step's prompt as its
    #: audio file without extension ("prompt_file", None when it has none yet).
    steps: tuple = ()


@dataclass(frozen=True)
class InboundView:
    id: int
    did: str | None
    cid: str | None
    dest: Dest
    fax_detect: bool = False


@dataclass(frozen=True)
class OutboundView:
    id: int
    patterns: tuple[tuple[str, int, str, str], ...]  # (pattern, strip, prefix, reach)
    trunks: tuple[int, ...]


@dataclass(frozen=True)
class QueueView:
    number: str
    strategy: str
    memory_seconds: int
    music: str
    announce_position: bool
    announce_interval: int
    join_empty: bool
    leave_empty: bool
    max_wait: int
    max_callers: int
    overflow: Dest
    wrapup: int
    ring_timeout: int
    announce_agent: bool
    survey: bool
    recording: str
    callback: bool
    service_level: int
    members: tuple[tuple[str, int, bool], ...]  # (extension, penalty, dynamic)
    callback_class: str = "national"
    survey_after: int | None = None  # a survey (SurveyView.id) asked after the call


@dataclass(frozen=True)
class SurveyQuestionView:
    #: The audio file without extension: a library prompt's full path, or the name of one of the
    #: box's own prompts (played in the caller's language); None: a library prompt not recorded yet.
    prompt: str | None
    own: bool
    keys: str  # the digits a caller may press
    timeout: int


@dataclass(frozen=True)
class SurveyView:
    id: int
    language: str | None
    questions: tuple[SurveyQuestionView, ...]


@dataclass(frozen=True)
class TimeConditionView:
    id: int
    code: int
    rules: tuple[tuple[tuple[str, ...], str, str], ...]  # (days, from, to)
    holidays: tuple[tuple[str, bool], ...]  # (YYYY-MM-DD, yearly)
    matched: Dest
    unmatched: Dest
    override: str | None


@dataclass(frozen=True)
class ConferenceView:
    number: str
    pin: str | None
    host_pin: str | None
    max_parties: int
    wait_for_host: bool


@dataclass(frozen=True)
class PagingGroupView:
    number: str
    duplex: bool
    members: tuple[str, ...]


@dataclass(frozen=True)
class System:
    """What the running box contributes: addresses, paths, secrets."""

    sip_host: str
    sip_port: int
    ami_host: str
    ami_port: int
    ami_user: str
    ami_secret: str
    rtp_start: int
    rtp_end: int
    etc_dir: str
    module_dir: str
    run_dir: str
    data_lib_dir: str
    spool_dir: str
    log_dir: str
    prompts_dir: str
    music_dir: str = "/data/moh"
    sounds_dir: str = "/usr/share/callbox/sounds"  # the box's own prompts, by language
    share_dir: str = "/usr/share/asterisk"  # Asterisk's data directory (its prompts under sounds/)
    agi: str = "127.0.0.1:4573"
    dahdi: bool = False  # /dev/dahdi exists: chan_dahdi may load
    fax_dir: str = "/data/fax"  # where ReceiveFax writes
    webrtc_host: str = "127.0.0.1"  # Asterisk's web server, for SIP over WebSocket
    webrtc_port: int = 8088
    #: The same over TLS (wss) with the box's certificate, for pages served over HTTPS (0: none).
    webrtc_tls_port: int = 0
    #: The box's certificate and key (appliance/tls): wss and the browsers' DTLS, and the SIP TLS
    #: transport on sip_port + 1; empty where the box has none (no TLS transport then: a missing
    #: file would break the others).
    tls_cert: str = ""
    tls_key: str = ""


@dataclass(frozen=True)
class SiteTrunkView:
    """The inter-site trunk to one other site (appliance/sites/peering.py): PJSIP endpoint site<number>
    at its tunnel address, both ends authenticating with the one username and secret."""

    number: int
    address: str
    username: str
    secret: str


@dataclass(frozen=True)
class SitesView:
    """What this box dials at other sites. `ranges` and `breakouts`: (pattern, site number whose
    trunk takes it); `local_breakout`: this box's own breakout patterns, which calls from the
    other sites may leave by; `network`: the tunnels' network (never NATed). Device states go
    both ways over each trunk (busy lamps)."""

    trunks: tuple[SiteTrunkView, ...] = ()
    own: int = 1  # this box's site number (headquarters is 1): the other end's name for it
    ranges: tuple[tuple[str, int], ...] = ()
    #: Other sites' extensions dialled with their prefix (3*8001): (pattern, site number whose trunk
    #: takes it, leading characters dropped: the prefix at headquarters, none at a branch, whose
    #: headquarters needs it to know the site).
    prefixed: tuple[tuple[str, int, int], ...] = ()
    #: Prefixed patterns of the sites dialled by prefix only: a caller from such a site is shown with
    #: its prefix, so that a call back reaches it.
    callers: tuple[str, ...] = ()
    #: Extensions of another site whose busy lamps this box's phones watch: (number, site number).
    watched: tuple[tuple[str, int], ...] = ()
    breakouts: tuple[tuple[str, int], ...] = ()
    local_breakout: tuple[str, ...] = ()
    network: str | None = None


@dataclass(frozen=True)
class SeatsView:
    """Remote seats (appliance/vpn/seats.py). `network`: the box's tunnel network (None: no tunnel),
    from which an extension registers only through its own seat; `addresses`: (extension number,
    its seat's address)."""

    network: str | None = None
    addresses: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Snapshot:
    revision: int
    pending: tuple[int, ...]
    settings: BoxSettings
    extensions: tuple[ExtensionView, ...]
    mailboxes: tuple[MailboxView, ...]
    system: System
    trunks: tuple[TrunkView, ...] = ()
    ring_groups: tuple[RingGroupView, ...] = ()
    ivrs: tuple[IvrView, ...] = ()
    inbound: tuple[InboundView, ...] = ()
    outbound: tuple[OutboundView, ...] = ()
    #: Extensions of administrators and supervisors: they may use supervisor feature codes.
    supervisors: tuple[str, ...] = ()
    queues: tuple[QueueView, ...] = ()
    music_classes: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (name, track files without extension)
    recording: dict = field(default_factory=dict)  # extension -> never | always | on_demand
    time_conditions: tuple[TimeConditionView, ...] = ()
    blacklist: tuple[str, ...] = ()  # caller numbers, international form without '+'
    speed_dials: tuple[tuple[str, str], ...] = ()  # (code NN of *0NN, number)
    paging_groups: tuple[PagingGroupView, ...] = ()
    conferences: tuple[ConferenceView, ...] = ()
    #: Permission classes: (name, reaches: local | national | international).
    permission_classes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Languages set on resources, where they differ from the box's (settings.language):
    #: {"extension": {number: lang}, "trunk": {id: lang}, "inbound": {id: lang}, "ivr": {id: lang},
    #: "queue": {number: lang}}.
    languages: dict = field(default_factory=dict)
    dahdi_spans: tuple[DahdiSpanView, ...] = ()
    dahdi_ports: tuple[DahdiPortView, ...] = ()
    sites: SitesView = SitesView()
    seats: SeatsView = SeatsView()
    surveys: tuple[SurveyView, ...] = ()

    def language(self, kind: str, key) -> str:
        """What callers hear at this resource: its own language or the box's."""
        return self.languages.get(kind, {}).get(key) or self.settings.language


def load_snapshot(system: System) -> Snapshot:
    with db.atomic():
        mailboxes = list(Mailbox.select().order_by(Mailbox.number))
        owned = {m.extension_id for m in mailboxes if m.extension_id is not None}
        extensions = tuple(
            ExtensionView(e.number, e.name, e.secret, e.id in owned, e.dnd, e.forward_all, e.forward_busy,
                          e.forward_no_answer, e.pickup_groups, intercom=e.intercom,
                          follow_me=tuple(e.follow_me_numbers.split(",")) if e.follow_me_enabled
                          and e.follow_me_numbers else (), follow_ring=e.follow_me_ring,
                          follow_confirm=e.follow_me_confirm,
                          permission_class=e.permission_class, browser_phone=e.browser_phone,
                          transport=e.transport, srtp=e.srtp)
            for e in Extension.select().order_by(Extension.number)
        )
        return Snapshot(
            revision=Journal.latest(),
            pending=tuple(Journal.pending()),
            settings=box_settings.load(),
            extensions=extensions,
            mailboxes=tuple(MailboxView(m.number, m.name, m.pin, m.email) for m in mailboxes),
            system=system,
            trunks=_trunks(),
            ring_groups=_ring_groups(),
            ivrs=_ivrs(),
            inbound=tuple(InboundView(r.id, r.did, r.cid, (r.dest_kind, r.dest_target), bool(r.fax_detect))
                          for r in InboundRoute.select().order_by(InboundRoute.id)),
            outbound=_outbound(),
            queues=_queues(),
            time_conditions=_time_conditions(),
            blacklist=tuple(b.number for b in BlacklistEntry.select().order_by(BlacklistEntry.number)),
            speed_dials=tuple((s.code, s.number) for s in SpeedDial.select().order_by(SpeedDial.code)),
            paging_groups=_paging_groups(),
            conferences=tuple(ConferenceView(c.number, c.pin, c.host_pin, c.max_parties, c.wait_for_host)
                              for c in Conference.select().order_by(Conference.number)),
            permission_classes=tuple((c.name, tuple(r for r in c.reach.split(",") if r))
                                     for c in PermissionClass.select().order_by(PermissionClass.name)),
            music_classes=_music(system),
            dahdi_spans=_dahdi_spans(),
            dahdi_ports=_dahdi_ports(),
            sites=peering.view(),
            seats=SeatsView(seats.tunnel_network(), tuple(sorted(seats.seats().items()))),
            surveys=_surveys(system),
            languages=_languages(),
            recording={e.number: e.recording for e in Extension.select(Extension.number, Extension.recording)
                       .where(Extension.recording != "never")},
            supervisors=tuple(sorted(
                u.extension.number for u in User.select(User, Extension).join(Extension)
                .where(User.role.in_(("admin", "supervisor"))))),
        )


def _paging_groups() -> tuple[PagingGroupView, ...]:
    members: dict[int, list[str]] = {}
    for m in (PagingGroupMember.select(PagingGroupMember, Extension).join(Extension)
              .order_by(PagingGroupMember.paging_group, PagingGroupMember.position)):
        members.setdefault(m.paging_group_id, []).append(m.extension.number)
    return tuple(PagingGroupView(g.number, g.duplex, tuple(members.get(g.id, ())))
                 for g in PagingGroup.select().order_by(PagingGroup.number))


def _languages() -> dict:
    out = {}
    for kind, model, key in (("extension", Extension, Extension.number), ("trunk", Trunk, Trunk.id),
                             ("inbound", InboundRoute, InboundRoute.id), ("ivr", Ivr, Ivr.id),
                             ("queue", Queue, Queue.number)):
        out[kind] = {k: lang for k, lang in model.select(key, model.language)
                     .where(model.language.is_null(False)).tuples()}
    return out


def _time_conditions() -> tuple[TimeConditionView, ...]:
    out = []
    for tc in TimeCondition.select().order_by(TimeCondition.id):
        rules = tuple((tuple(r["days"]), r["from"], r["to"]) for r in json.loads(tc.rules))
        holidays = tuple((h["date"], h["yearly"]) for h in json.loads(tc.holidays))
        out.append(TimeConditionView(tc.id, tc.code, rules, holidays, (tc.matched_kind, tc.matched_target),
                                     (tc.unmatched_kind, tc.unmatched_target), tc.override))
    return tuple(out)


def _music(system: System) -> tuple:
    tracks: dict[int, list[str]] = {}
    for f in MusicFile.select().order_by(MusicFile.id):
        if f.filename:
            tracks.setdefault(f.music_class_id, []).append(f.filename.rsplit(".", 1)[0])
    return tuple((m.name, tuple(f"{system.music_dir}/{m.name}/{t}" for t in tracks.get(m.id, ())))
                 for m in MusicClass.select().order_by(MusicClass.name))


def _surveys(system: System) -> tuple[SurveyView, ...]:
    prompts = {p.id: p for p in Prompt.select()}

    def question(q: dict) -> SurveyQuestionView:
        if q["sound"] is not None:
            return SurveyQuestionView(q["sound"], True, q["keys"], q["timeout"])
        p = prompts.get(q["prompt"])
        path = f"{system.prompts_dir}/{p.filename.rsplit('.', 1)[0]}" if p is not None and p.duration > 0 else None
        return SurveyQuestionView(path, False, q["keys"], q["timeout"])

    return tuple(SurveyView(s.id, s.language, tuple(question(q) for q in json.loads(s.questions)))
                 for s in Survey.select().order_by(Survey.id))


def _queues() -> tuple[QueueView, ...]:
    members: dict[int, list] = {}
    for m in (QueueMember.select(QueueMember, Extension).join(Extension)
              .order_by(QueueMember.queue, QueueMember.penalty, Extension.number)):
        members.setdefault(m.queue_id, []).append((m.extension.number, m.penalty, m.dynamic))
    return tuple(
        QueueView(q.number, q.strategy, q.memory_seconds, q.music, q.announce_position, q.announce_interval,
                  q.join_empty, q.leave_empty, q.max_wait, q.max_callers, (q.overflow_kind, q.overflow_target),
                  q.wrapup, q.ring_timeout, q.announce_agent, q.survey, q.recording, q.callback, q.service_level,
                  tuple(members.get(q.id, ())), q.callback_class, q.survey_after_id)
        for q in Queue.select().order_by(Queue.number)
    )


def _trunks() -> tuple[TrunkView, ...]:
    return tuple(
        TrunkView(t.id, t.host, t.port, t.transport, t.username, t.secret, t.register, t.from_domain,
                  t.caller_id, t.max_channels, t.kind)
        for t in Trunk.select().where(Trunk.enabled == True).order_by(Trunk.id)  # noqa: E712
    )


def _ring_groups() -> tuple[RingGroupView, ...]:
    members: dict[int, list[str]] = {}
    for m in (RingGroupMember.select(RingGroupMember, Extension).join(Extension)
              .order_by(RingGroupMember.ring_group, RingGroupMember.position)):
        members.setdefault(m.ring_group_id, []).append(m.extension.number)
    return tuple(
        RingGroupView(g.number, g.strategy, g.ring_seconds, tuple(members.get(g.id, ())),
                      (g.dest_kind, g.dest_target))
        for g in RingGroup.select().order_by(RingGroup.number)
    )


def _ivrs() -> tuple[IvrView, ...]:
    options: dict[int, list] = {}
    for o in IvrOption.select().order_by(IvrOption.ivr, IvrOption.digit):
        options.setdefault(o.ivr_id, []).append((o.digit, o.dest_kind, o.dest_target))
    prompts = {p.id: p for p in Prompt.select()}
    out = []
    for i in Ivr.select().order_by(Ivr.id):
        p = prompts.get(i.prompt_id)
        prompt = p.filename.rsplit(".", 1)[0] if p is not None and p.duration > 0 else None
        out.append(IvrView(i.id, i.number, prompt, i.timeout, i.max_tries, i.direct_dial,
                           tuple(options.get(i.id, ())), (i.timeout_kind, i.timeout_target),
                           (i.invalid_kind, i.invalid_target), _steps(i, prompts)))
    return tuple(out)


def _steps(ivr: Ivr, prompts: dict) -> tuple:
    out = []
    for step in json.loads(ivr.steps or "[]"):
        if step["kind"] == "digits":
            p = prompts.get(step.get("prompt"))
            step["prompt_file"] = p.filename.rsplit(".", 1)[0] if p is not None and p.duration > 0 else None
        out.append(step)
    return tuple(out)


def _outbound() -> tuple[OutboundView, ...]:
    patterns: dict[int, list] = {}
    for p in OutboundPattern.select().order_by(OutboundPattern.route, OutboundPattern.position):
        patterns.setdefault(p.route_id, []).append((p.pattern, p.strip, p.prefix, p.reach))
    trunks: dict[int, list] = {}
    for t in OutboundRouteTrunk.select().order_by(OutboundRouteTrunk.route, OutboundRouteTrunk.position):
        trunks.setdefault(t.route_id, []).append(t.trunk_id)
    return tuple(
        OutboundView(r.id, tuple(patterns.get(r.id, ())), tuple(trunks.get(r.id, ())))
        for r in OutboundRoute.select().order_by(OutboundRoute.position, OutboundRoute.id)
    )


def _dahdi_spans() -> tuple[DahdiSpanView, ...]:
    return tuple(DahdiSpanView(s.number, s.dahdi_span, s.first_channel, s.signalling, s.framing, s.coding, s.crc4,
                               s.timing, s.switchtype, s.overlap, s.r2_variant, s.r2_max_ani, s.r2_max_dnis,
                               s.r2_category, s.r2_double_answer, s.trunk_id, s.hw_echocan, s.software)
                 for s in DahdiSpan.select().order_by(DahdiSpan.number))


def _dahdi_ports() -> tuple[DahdiPortView, ...]:
    return tuple(DahdiPortView(p.number, p.channel, p.kind, p.extension.number if p.extension_id else None,
                               p.trunk_id, p.hw_echocan, p.software)
                 for p in DahdiPort.select(DahdiPort, Extension).join(Extension, JOIN.LEFT_OUTER)
                 .order_by(DahdiPort.number))
