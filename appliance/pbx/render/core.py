"""asterisk.conf, modules.conf, logger.conf, rtp.conf: how Asterisk itself runs."""

from __future__ import annotations

from ... import box_settings
from ..conf import ConfFile
from ..snapshot import Snapshot
from .webrtc import browser_numbers

PARK_CONTEXT = "callbox-parked"
DAHDI_MODULES = ("chan_dahdi.so", "codec_dahdi.so", "res_timing_dahdi.so", "app_meetme.so", "app_dahdiras.so")

# Debian ships every module; these are ones the box does not use, or must not
# load: app_voicemail_odbc/imap race app_voicemail for VoiceMail() (see
# docs), func_shell runs shell commands from dialplan, the rest are channel
# drivers, back ends and integrations a call-center box does not offer.
NOLOAD = (
    "app_voicemail_odbc.so",
    "app_voicemail_imap.so",
    "func_shell.so",
    "app_system.so",
    "app_festival.so",
    "app_jack.so",
    "app_minivm.so",
    "app_externalivr.so",
    "app_mp3.so",
    "chan_iax2.so",
    "chan_unistim.so",
    "chan_motif.so",
    "chan_console.so",
    "chan_audiosocket.so",
    "chan_websocket.so",
    "app_audiosocket.so",
    "res_audiosocket.so",
    "res_xmpp.so",
    "res_hep.so",
    "res_hep_pjsip.so",
    "res_hep_rtcp.so",
    "res_snmp.so",
    "res_statsd.so",
    "res_prometheus.so",
    "res_calendar.so",
    "res_calendar_caldav.so",
    "res_calendar_ews.so",
    "res_calendar_exchange.so",
    "res_calendar_icalendar.so",
    "res_config_ldap.so",
    "res_config_odbc.so",
    "res_config_pgsql.so",
    "res_config_sqlite3.so",
    "res_config_curl.so",
    "res_odbc.so",
    "res_odbc_transaction.so",
    "func_odbc.so",
    "cdr_odbc.so",
    "cdr_adaptive_odbc.so",
    "cdr_pgsql.so",
    "cdr_tds.so",
    "cdr_radius.so",
    "cdr_sqlite3_custom.so",
    "cel_odbc.so",
    "cel_pgsql.so",
    "cel_tds.so",
    "cel_radius.so",
    "cel_sqlite3_custom.so",
    "pbx_lua.so",
    "pbx_ael.so",
    "res_ael_share.so",
    "pbx_dundi.so",
    "pbx_realtime.so",
    "res_realtime.so",
    "res_sorcery_realtime.so",
    "res_phoneprov.so",
    "res_pjsip_phoneprov_provider.so",
    "res_pjsip_stir_shaken.so",
    "res_stir_shaken.so",
    "res_aeap.so",
    "res_speech_aeap.so",
    "res_websocket_client.so",
    "res_corosync.so",
    "res_smdi.so",
    "res_resolver_unbound.so",
    "res_stun_monitor.so",
    "res_ari.so",
    "res_ari_applications.so",
    "res_ari_asterisk.so",
    "res_ari_bridges.so",
    "res_ari_channels.so",
    "res_ari_device_states.so",
    "res_ari_endpoints.so",
    "res_ari_events.so",
    "res_ari_model.so",
    "res_ari_playbacks.so",
    "res_ari_recordings.so",
    "res_ari_sounds.so",
    "app_stasis.so",
    "app_stasis_broadcast.so",
    "res_stasis_broadcast.so",
    "res_stasis_test.so",
    "res_http_media_cache.so",
    "res_http_post.so",
    "res_pjsip_config_wizard.so",
    "res_geolocation.so",
    "res_pjsip_geolocation.so",
    "res_clialiases.so",
    "app_alarmreceiver.so",
    "app_agent_pool.so",
    # Deprecated upstream.
    "res_adsi.so",
    "app_adsiprog.so",
    "app_getcpeid.so",
    # Call records are built by the supervisor from CEL over AMI (cel_manager): no file or
    # database back end writes a record per call inside Asterisk.
    "cdr_csv.so",
    "cdr_custom.so",
    "cdr_manager.so",
    "cel_custom.so",
)

# Loaded by autoload too; named so that a module list trimmed later keeps the fax receiver
# (ReceiveFax, FAXOPT and CNG detection in res_fax; the G.711 audio fax itself in res_fax_spandsp).
LOAD = ("res_fax.so", "res_fax_spandsp.so")

# The channel events call records are built from (appliance/reports/calls.py).
CEL_EVENTS = ("CHAN_START", "CHAN_END", "ANSWER", "HANGUP", "BRIDGE_ENTER", "BRIDGE_EXIT", "APP_START", "APP_END",
              "PARK_START", "PARK_END", "BLINDTRANSFER", "ATTENDEDTRANSFER", "PICKUP", "FORWARD", "LINKEDID_END",
              "LOCAL_OPTIMIZE", "USER_DEFINED")
CEL_APPS = ("dial", "queue", "voicemail", "confbridge", "park")

# Call-progress tones by country (values from Asterisk's sample indications.conf).
TONE_ZONES = {
    "us": {
        "description": "United States / North America",
        "ringcadence": "2000,4000",
        "dial": "350+440",
        "busy": "480+620/500,0/500",
        "ring": "440+480/2000,0/4000",
        "congestion": "480+620/250,0/250",
        "callwaiting": "440/300,0/10000",
        "record": "1400/500,0/15000",
        "info": "!950/330,!1400/330,!1800/330,0",
    },
    "uk": {
        "description": "United Kingdom",
        "ringcadence": "400,200,400,2000",
        "dial": "350+440",
        "busy": "400/375,0/375",
        "ring": "400+450/400,0/200,400+450/400,0/2000",
        "congestion": "400/400,0/350,400/225,0/525",
        "callwaiting": "400/100,0/4000",
        "record": "1400/500,0/60000",
        "info": "950/330,0/15,1400/330,0/15,1800/330,0/1000",
    },
    "cn": {
        "description": "China",
        "ringcadence": "1000,4000",
        "dial": "450",
        "busy": "450/350,0/350",
        "ring": "450/1000,0/4000",
        "congestion": "450/700,0/700",
        "callwaiting": "450/400,0/4000",
        "record": "950/400,0/10000",
        "info": "450/100,0/100,450/100,0/100,450/100,0/100,450/400,0/400",
    },
}

# Modules that read these files at start. The box sets nothing in them yet; a minimal file is quieter and clearer
# than a missing one, which some modules answer by refusing to load.
MINIMAL = {
    "acl.conf": {},
    "udptl.conf": {"general": {}},
    "ccss.conf": {"general": {}},
    "pjproject.conf": {},
    "followme.conf": {"general": {}},
    "amd.conf": {"general": {}},
    # The NOTIFY that asks a desk phone to fetch its provisioning again.
    "pjsip_notify.conf": {"check-sync": {"Event": "check-sync"}},
}


def music_class(name: str) -> str:
    """The musiconhold.conf class of an uploaded music collection (or Asterisk's default)."""
    return "default" if name == "default" else f"callbox-{name}"


def render(snap: Snapshot) -> dict[str, str]:
    s = snap.system
    asterisk = ConfFile("asterisk.conf: directories and process options")
    d = asterisk.section("directories")
    for key, value in (
        ("astcachedir", f"{s.run_dir}/cache"),
        ("astetcdir", s.etc_dir),
        ("astmoddir", s.module_dir),
        ("astvarlibdir", "/var/lib/asterisk"),
        ("astdbdir", s.data_lib_dir),
        ("astkeydir", "/usr/share/asterisk"),
        ("astdatadir", s.share_dir),
        ("astagidir", "/usr/share/asterisk/agi-bin"),
        ("astspooldir", s.spool_dir),
        ("astrundir", s.run_dir),
        ("astlogdir", s.log_dir),
        ("astsbindir", "/usr/sbin"),
    ):
        d.set(key, value, arrow=True)
    o = asterisk.section("options")
    # The default of 1000 open files caps concurrent channels far below 960 E1 channels.
    o.set("maxfiles", "65536", arrow=True)
    o.set("hideconnect", True, arrow=True)
    o.set("documentation_language", "en_US", arrow=True)
    o.set("defaultlanguage", "en", arrow=True)
    o.set("dontwarn", True, arrow=True)
    o.set("transmit_silence", True, arrow=True)
    o.set("verbose", "1", arrow=True)

    modules = ConfFile("modules.conf: what Asterisk loads")
    m = modules.section("modules")
    m.set("autoload", True)
    for name in NOLOAD:
        m.set("noload", name, arrow=True)
    if not s.dahdi:
        # Without DAHDI these fail to load, and a module failing at start stops Asterisk.
        for name in DAHDI_MODULES:
            m.set("noload", name, arrow=True)
    for name in LOAD:
        m.set("load", name, arrow=True)

    logger = ConfFile("logger.conf: where Asterisk logs")
    lg = logger.section("general")
    lg.set("dateformat", "%F %T.%3q")
    # The call history is read from here (appliance/reports).
    lg.set("queue_log", True)
    lg.set("queue_log_to_file", True)
    lg.set("queue_log_name", "queue_log")
    lf = logger.section("logfiles")
    lf.set("messages.log", "notice,warning,error", arrow=True)
    # Failed registrations and calls from unknown peers: input for brute-force defence.
    lf.set("security.log", "security", arrow=True)
    lf.set("console", "warning,error", arrow=True)

    rtp = ConfFile("rtp.conf: media ports")
    g = rtp.section("general")
    g.set("rtpstart", s.rtp_start)
    g.set("rtpend", s.rtp_end)
    g.set("strictrtp", True)
    # ICE only where a browser phone needs it: it costs each call's media set-up a gathering of
    # the box's addresses, which desk phones and trunks do not use.
    g.set("icesupport", bool(browser_numbers(snap)))
    tones = ConfFile("indications.conf: call-progress tones")
    tones.section("general").set("country", snap.settings.tone_zone)
    for zone, values in TONE_ZONES.items():
        z = tones.section(zone)
        for key, value in values.items():
            z.set(key, value)

    moh = ConfFile("musiconhold.conf: music on hold")
    moh.section("default").set("mode", "files").set("directory", "moh")
    for name, tracks in snap.music_classes:
        if tracks:  # a collection without tracks yet plays the default music (see queues.py)
            sec = moh.section(music_class(name)).set("mode", "playlist")
            for track in tracks:
                sec.set("entry", track, arrow=True)

    features = ConfFile("features.conf: in-call feature codes")
    features.section("general")
    fm = features.section("featuremap")
    fm.set("blindxfer", "##", arrow=True)
    fm.set("atxfer", "*2", arrow=True)
    # Recording on demand: *1 during a call records it (where the policy allows).
    fm.set("automixmon", "*1", arrow=True)

    parking = ConfFile("res_parking.conf: call park")
    parking.section("general").set("parkeddynamic", False)
    lot = parking.section("default")
    slots = box_settings.park_numbers(snap.settings.park_slots)
    lot.set("parkext", slots[0], arrow=True)
    lot.set("parkpos", f"{slots[1]}-{slots[-1]}", arrow=True)
    lot.set("context", PARK_CONTEXT)
    lot.set("parkingtime", snap.settings.park_timeout)
    # Unanswered, the call rings the phone that parked it (for as long as an extension rings).
    lot.set("comebacktoorigin", True)
    lot.set("comebackdialtime", snap.settings.ring_timeout)
    lot.set("parkedplay", "caller")
    lot.set("parkedcalltransfers", "both")
    lot.set("parkinghints", True)
    lot.set("findslot", "first")

    cdr = ConfFile("cdr.conf: call detail records")
    cdr.section("general").set("enable", False)
    # Channel events reach the supervisor over AMI (cel_manager), which builds one record per
    # call in the reports store (appliance/reports/cdr.py).
    cel = ConfFile("cel.conf: channel event logging, sent over AMI")
    cg = cel.section("general")
    cg.set("enable", True)
    cg.set("events", ",".join(CEL_EVENTS))
    # APP_START/APP_END only for the applications that tell a call's path.
    cg.set("apps", ",".join(CEL_APPS))
    cel.section("manager").set("enabled", True).set("show_user_defined", True)

    minimal = {}
    for name, sections in MINIMAL.items():
        f = ConfFile(name)
        for section, options in sections.items():
            sec = f.section(section)
            for key, value in options.items():
                sec.set(key, value)
        minimal[name] = f.render()
    return {
        **minimal,
        "indications.conf": tones.render(),
        "musiconhold.conf": moh.render(),
        "features.conf": features.render(),
        "res_parking.conf": parking.render(),
        "cdr.conf": cdr.render(),
        "cel.conf": cel.render(),
        "asterisk.conf": asterisk.render(),
        "modules.conf": modules.render(),
        "logger.conf": logger.render(),
        "rtp.conf": rtp.render(),
    }
