"""Unit-test fixtures: a temporary config database and a PBX with a fake Asterisk.

`pbx` is the real applier, config store and journal wired to FakeAsterisk
(tests/fakes/pbx.py): only Asterisk itself is stood in for.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from appliance.db import db, open_database
from appliance.db.journal import journal
from appliance.pbx.apply import Applier
from appliance.pbx.generations import ConfigStore
from appliance.pbx.snapshot import System, load_snapshot
from tests.fakes.pbx import FakeAsterisk
from tests.reportstore import reports_store

SYSTEM = System(
    sip_host="127.0.0.1", sip_port=5060, ami_host="127.0.0.1", ami_port=5038, ami_user="callbox",
    ami_secret="0123456789abcdef0123456789abcdef", rtp_start=10000, rtp_end=20000,
    etc_dir="/etc/asterisk", module_dir="/usr/lib/x86_64-linux-gnu/asterisk/modules",
    run_dir="/run/callbox/asterisk", data_lib_dir="/data/asterisk", spool_dir="/data/asterisk/spool",
    log_dir="/data/log/asterisk", prompts_dir="/data/prompts",
)


@pytest.fixture
def config_db(tmp_path):
    open_database(tmp_path / "config.db")
    db.connect(reuse_if_open=True)
    listeners = list(journal._listeners)
    yield db
    journal._listeners[:] = listeners
    db.close()


class FakeProcess:
    def __init__(self):
        self.restarts: list[str] = []

    def request_restart(self, reason: str) -> None:
        self.restarts.append(reason)


class Pbx:
    """The parts of the pbx manager the API and services use, on a fake Asterisk."""

    error = None

    def __init__(self, root: Path):
        self.store = ConfigStore(root)
        self.asterisk = FakeAsterisk(self.store.live)
        self.control = self.asterisk
        self.applier = Applier(self.store, self.asterisk, lambda: load_snapshot(SYSTEM), journal, debounce=0.005)
        self.process = FakeProcess()
        self.agi_handlers: dict = {}
        self._thread: threading.Thread | None = None
        # Stock prompts of a box, made small: a test adds the files it needs under share/ and own/.
        from appliance.prompts.replacements import Sources

        self.prompt_sources = Sources(asterisk=root / "share", own=root / "own", replacements=root / "sounds",
                                      live=root / "sounds-live")

    def boot(self) -> None:
        """As the pbx manager does: write config, 'start' Asterisk, mark it ready."""
        self.applier.prepare_start()
        self.asterisk.load_all()
        self.applier.asterisk_ready()

    def run_in_background(self) -> None:
        def loop():
            with db.connection_context():
                self.applier.run()

        journal.on_commit(self.applier.kick)
        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.applier.stop()
        if self._thread:
            self._thread.join(5)

    def wait_settled(self, revision, timeout=5.0):
        return journal.wait_settled(revision, timeout)

    def registration(self, number):
        return None

    def trunk_status(self, trunk_id):
        return {"registration": None, "reachable": None}


@pytest.fixture
def pbx(config_db, tmp_path):
    p = Pbx(tmp_path / "asterisk-config")
    p.boot()
    yield p
    p.stop()


class FakeBox:
    """The running box as the web app sees it; managers other than pbx and the call center are
    outside the unit. The call center is the real manager on a recording AMI stand-in."""

    def __init__(self, runtime, pbx):
        from appliance.events import EventBus

        self.runtime = runtime
        self.pbx = pbx
        self.events = EventBus()
        self.callcenter = _callcenter(self)
        self.conferences = _conferences(self)
        self.hardware = _hardware(self)
        self.security = _security(self)
        self.provisioning = _provisioning(self)
        self.vpn = _vpn(self)

    def health(self):
        return {"status": "ok", "asterisk": "up" if self.pbx.applier.ready else "down"}


def _hardware(box):
    """The hardware manager, loaded (not started: no udev scan of the test host). A test sets
    `found` from detect.scan of the devices it simulates."""
    from appliance.hardware.manager import HardwareManager

    manager = HardwareManager(box)
    manager.load()
    return manager


def _conferences(box):
    """The conferences manager, loaded on the call center's AMI stand-in."""
    from appliance.conferences.manager import ConferencesManager

    manager = ConferencesManager(box)
    manager.load()
    return manager


def _security(box):
    """The security manager, loaded on the call center's AMI stand-in, its nftables and
    conntrack adapters recording their commands instead of running them (tests/fakes/firewall.py)."""
    from appliance.security.manager import SecurityManager
    from tests.fakes.firewall import fake_adapters

    manager = SecurityManager(box)
    manager.load()
    fake_adapters(manager)
    manager.start()
    return manager


def _provisioning(box):
    """The provisioning manager, loaded (its PnP listener not started)."""
    from appliance.provisioning.manager import ProvisioningManager

    manager = ProvisioningManager(box)
    manager.load()
    return manager


def _vpn(box):
    """The VPN manager, loaded (not started: reconcile() runs when a test asks) on the
    WireGuard stand-in (tests/fakes/wireguard.py)."""
    from appliance.vpn.manager import VpnManager
    from tests.fakes import wireguard

    manager = VpnManager(box, tools=wireguard, managed=True)
    manager.load()
    return manager


def _callcenter(box):
    """The call-center manager, loaded (not started: no FastAGI port, no threads), on an AMI
    stand-in that records the actions it is sent."""
    from appliance.callcenter.manager import CallCenterManager
    from appliance.reports.db import open_reports
    from tests.fakes.ami import RecordingAmi

    box.pbx.ami = RecordingAmi()
    box.pbx.system = SYSTEM
    open_reports(reports_store(box.runtime.paths.data))
    manager = CallCenterManager(box)
    manager.load()
    return manager


@pytest.fixture
def web(pbx, tmp_path):
    """The real web app on a real socket in a thread; yields an Api client for it."""
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
    from socketserver import ThreadingMixIn

    from appliance.settings import Runtime
    from tests.api import Api
    from webui import make_app

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    runtime = Runtime.from_environ({"BOX_DATA": str(tmp_path / "data"), "BOX_RUN": str(tmp_path / "run")})
    box = FakeBox(runtime, pbx)
    pbx.run_in_background()
    server = make_server("127.0.0.1", 0, make_app(box), server_class=Server, handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    api = Api(f"http://127.0.0.1:{server.server_port}")
    api.box = box
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def admin(web):
    """The web client, signed in as the administrator of a freshly set-up box."""
    return web.sign_in("Unit-Test-Pass-99")
