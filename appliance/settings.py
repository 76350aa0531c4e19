"""Where the box keeps things and what it listens on, from the environment.

The init unit (or the dev box tool) sets BOX_* variables; everything else in the
supervisor takes its paths and addresses from the `Runtime` made here, so a unit
test can point a whole box at a temporary directory.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


class SettingsError(ValueError):
    """An environment value the box cannot run with."""


@dataclass(frozen=True)
class Address:
    host: str
    port: int

    @classmethod
    def parse(cls, text: str, what: str) -> "Address":
        host, sep, port = text.rpartition(":")
        if not sep:
            raise SettingsError(f"{what}: expected HOST:PORT, got {text!r}")
        host = host.strip("[]")
        try:
            ipaddress.ip_address(host)
        except ValueError:
            # An IP literal only: generated config must not depend on DNS.
            raise SettingsError(f"{what}: {host!r} is not an IP address") from None
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise SettingsError(f"{what}: bad port {port!r}")
        return cls(host, int(port))

    @property
    def is_loopback(self) -> bool:
        return ipaddress.ip_address(self.host).is_loopback

    def __str__(self) -> str:
        if ":" in self.host:
            return f"[{self.host}]:{self.port}"
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Paths:
    data: Path
    run: Path
    asterisk_etc: Path

    @property
    def config_db(self) -> Path:
        return self.data / "config.db"

    @property
    def secrets(self) -> Path:
        return self.data / "secrets"

    @property
    def tls(self) -> Path:
        """The certificate and key the web server and Asterisk's SIP TLS transport serve."""
        return self.data / "tls"

    @property
    def log(self) -> Path:
        return self.data / "log"

    @property
    def asterisk_log(self) -> Path:
        return self.log / "asterisk"

    @property
    def asterisk_lib(self) -> Path:
        """astdb and other state Asterisk keeps between runs."""
        return self.data / "asterisk"

    @property
    def spool(self) -> Path:
        return self.data / "asterisk" / "spool"

    @property
    def voicemail(self) -> Path:
        return self.spool / "voicemail"

    @property
    def prompts(self) -> Path:
        """IVR prompts, 8 kHz WAV, read by Asterisk."""
        return self.data / "prompts"

    @property
    def sounds(self) -> Path:
        """The owner's recordings in place of stock prompts: <language>/<name>.wav."""
        return self.data / "sounds"

    @property
    def sounds_live(self) -> Path:
        """What Asterisk reads: stock prompts with the replacements in place (prompts/replacements.py)."""
        return self.data / "sounds-live"

    @property
    def music(self) -> Path:
        """Uploaded music on hold, one folder per class."""
        return self.data / "moh"

    @property
    def recordings(self) -> Path:
        return self.data / "recordings"

    @property
    def ticket_audio(self) -> Path:
        """Audio kept with tickets (a complaint recorded by phone): <ticket number>.wav."""
        return self.data / "ticket-audio"

    @property
    def faxes(self) -> Path:
        """Received faxes: the TIFF Asterisk writes, then its PDF."""
        return self.data / "fax"

    @property
    def generations(self) -> Path:
        """Rendered Asterisk config; `asterisk_etc` is a symlink into here."""
        return self.run / "asterisk-config"

    @property
    def asterisk_run(self) -> Path:
        return self.run / "asterisk"


@dataclass(frozen=True)
class Runtime:
    paths: Paths
    http: Address
    sip: Address
    ami: Address
    agi: Address
    rtp_start: int
    rtp_end: int
    asterisk_binary: str
    asterisk_user: str
    #: On a real box the supervisor manages the network, time and reboots;
    #: a dev box shares its host's and shows those steps as skipped.
    manage_host: bool = False
    can_reboot: bool = False
    #: Tests only (BOX_TEST_CLOCK=1): POST /api/v1/testing/clock moves the tickets' time
    #: (tickets/clock.py) so that a test sees a deadline pass without waiting for it.
    test_clock: bool = False
    #: The ban engine may change this network's firewall: a real box, or a dev box in a
    #: network namespace of its own (never one sharing its host's network).
    firewall: bool = False
    #: The network manager may change this network: interfaces, VLANs, routes, DNS, host name,
    #: time servers. A real box, or a dev box in a network namespace of its own (BOX_NETWORK=1;
    #: scripts/box refuses it for a box on the host network).
    manage_network: bool = False
    hosts_file: Path = Path("/etc/hosts")
    #: Where the web UI also answers over HTTPS (None: HTTP only, a dev box on loopback).
    https: Address | None = None
    #: HTTP answers every request with a redirect to HTTPS (an installed box; not a dev box,
    #: whose tests speak HTTP on loopback).
    http_redirect: bool = False
    #: Asterisk's own web server: SIP over WebSocket for the phones in browsers (appliance/webphone).
    webrtc: Address = Address("127.0.0.1", 8088)
    #: The reports store: empty for the SQLite file in the data directory, or a
    #: postgresql://user:password@host:port/name address for a site's own server.
    reports_db: str = ""
    #: The same over TLS (wss), where the web UI is served over HTTPS: a page from HTTPS may
    #: open no plain WebSocket.
    webrtc_tls: Address | None = None
    #: The box model (a file name in hwprofiles/boxes, such as callbox-e1-32) whose board this is:
    #: its sensors and front panel (appliance/hardware/board.py). Empty: none declared.
    box_model: str = ""
    #: The board's I2C buses are simulated (BOX_I2C=simulated): a dev box that declares a box
    #: model without having its board (appliance/hardware/i2c_sim.py).
    i2c_simulated: bool = False

    @classmethod
    def from_environ(cls, env=None) -> "Runtime":
        env = os.environ if env is None else env
        ami = Address.parse(env.get("BOX_AMI", "127.0.0.1:5038"), "BOX_AMI")
        if not ami.is_loopback:
            raise SettingsError("BOX_AMI: the manager interface listens on loopback only")
        agi = Address.parse(env.get("BOX_AGI", "127.0.0.1:4573"), "BOX_AGI")
        if not agi.is_loopback:
            raise SettingsError("BOX_AGI: the dial plan's questions to the supervisor stay on loopback")
        rtp = env.get("BOX_RTP", "10000-20000")
        start, _, end = rtp.partition("-")
        if not (start.isdigit() and end.isdigit() and 1024 <= int(start) < int(end) < 65536):
            raise SettingsError(f"BOX_RTP: expected LOW-HIGH ports, got {rtp!r}")
        if env.get("BOX_HTTP_REDIRECT", "0") == "1" and not env.get("BOX_HTTPS"):
            raise SettingsError("BOX_HTTP_REDIRECT: HTTP can only send browsers to HTTPS where BOX_HTTPS is set")
        sip = Address.parse(env.get("BOX_SIP", "127.0.0.1:5060"), "BOX_SIP")
        # Where SIP listens, on a port of its own: browsers reach the box's SIP where phones do.
        webrtc = Address.parse(env.get("BOX_WEBRTC", str(Address(sip.host, 8088))), "BOX_WEBRTC")
        reports_db = env.get("BOX_REPORTS_DB", "")
        if reports_db:
            url = urlsplit(reports_db)
            if url.scheme != "postgresql" or not url.hostname or not url.path.strip("/"):
                raise SettingsError("BOX_REPORTS_DB: expected postgresql://user:password@host:port/name, or nothing")
        box_model = env.get("BOX_MODEL", "")
        if box_model and not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", box_model):
            raise SettingsError(f"BOX_MODEL: expected a box model's name such as callbox-e1-32, got {box_model!r}")
        if env.get("BOX_I2C", "") not in ("", "simulated"):
            raise SettingsError("BOX_I2C: expected 'simulated' or nothing")
        webrtc_tls = (Address.parse(env.get("BOX_WEBRTC_TLS", str(Address(sip.host, 8089))), "BOX_WEBRTC_TLS")
                      if env.get("BOX_HTTPS") else None)
        return cls(
            paths=Paths(
                data=Path(env.get("BOX_DATA", "/data")),
                run=Path(env.get("BOX_RUN", "/run/callbox")),
                asterisk_etc=Path(env.get("BOX_ASTERISK_ETC", "/etc/asterisk")),
            ),
            http=Address.parse(env.get("BOX_HTTP", "127.0.0.1:8080"), "BOX_HTTP"),
            sip=sip,
            ami=ami,
            agi=agi,
            rtp_start=int(start),
            rtp_end=int(end),
            asterisk_binary=env.get("BOX_ASTERISK", "/usr/sbin/asterisk"),
            asterisk_user=env.get("BOX_ASTERISK_USER", "asterisk"),
            manage_host=env.get("BOX_MANAGE_HOST", "0") == "1",
            can_reboot=env.get("BOX_CAN_REBOOT", "0") == "1",
            test_clock=env.get("BOX_TEST_CLOCK", "0") == "1",
            firewall=env.get("BOX_FIREWALL", env.get("BOX_MANAGE_HOST", "0")) == "1",
            manage_network=env.get("BOX_NETWORK", env.get("BOX_MANAGE_HOST", "0")) == "1",
            hosts_file=Path(env.get("BOX_HOSTS_FILE", "/etc/hosts")),
            https=Address.parse(env["BOX_HTTPS"], "BOX_HTTPS") if env.get("BOX_HTTPS") else None,
            http_redirect=env.get("BOX_HTTP_REDIRECT", "0") == "1",
            webrtc=webrtc,
            reports_db=reports_db,
            webrtc_tls=webrtc_tls,
            box_model=box_model,
            i2c_simulated=env.get("BOX_I2C", "") == "simulated",
        )
