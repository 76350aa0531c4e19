"""confbridge.conf: one bridge profile and two user profiles (participant, host) per room,
and the keypad menus of hosts and participants.

The dial plan (dialplan.py) asks for the PIN and picks the user profile: ConfBridge never
sees a PIN. Hosts are ConfBridge's admins and marked users; participants of a room that
waits for its host are wait_marked and hear music until a host is in.
"""

from __future__ import annotations

from ..conf import ConfFile
from ..snapshot import ConferenceView, Snapshot

HOST_MENU = "callbox-menu-host"
USER_MENU = "callbox-menu-user"
# In-conference keys. Both: 1 mutes or unmutes yourself; hosts also: 2 locks or unlocks the
# room, 3 removes the last party to join, 0 leaves (a participant leaves by hanging up).
HOST_KEYS = {"1": "toggle_mute", "2": "admin_toggle_conference_lock", "3": "admin_kick_last",
             "0": "leave_conference", "4": "decrease_listening_volume", "6": "increase_listening_volume"}
USER_KEYS = {"1": "toggle_mute", "4": "decrease_listening_volume", "6": "increase_listening_volume"}


def bridge_profile(room: ConferenceView) -> str:
    return f"callbox-room-{room.number}"


def user_profile(room: ConferenceView, host: bool) -> str:
    return f"callbox-room-{room.number}-{'host' if host else 'user'}"


def render(snap: Snapshot) -> dict[str, str]:
    conf = ConfFile("confbridge.conf: conference rooms")
    conf.section("general")
    for name, keys in ((HOST_MENU, HOST_KEYS), (USER_MENU, USER_KEYS)):
        menu = conf.section(name).set("type", "menu")
        for key, action in keys.items():
            menu.set(key, action)
    for room in snap.conferences:
        bridge = conf.section(bridge_profile(room))
        bridge.set("type", "bridge")
        # Hosts (admins) are not held to max_members; the dial plan counts them in too.
        bridge.set("max_members", room.max_parties)
        bridge.set("language", "en")
        for host in (False, True):
            user = conf.section(user_profile(room, host))
            user.set("type", "user")
            user.set("admin", host)
            user.set("marked", host)
            # The live page shows who talks (ConfbridgeTalking events).
            user.set("talk_detection_events", True)
            user.set("dsp_drop_silence", True)
            user.set("announce_user_count", False)
            user.set("music_on_hold_class", "default")
            if not host and room.wait_for_host:
                user.set("wait_marked", True)
                user.set("music_on_hold_when_empty", True)
    return {"confbridge.conf": conf.render()}
