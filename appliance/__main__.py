"""python3 -m appliance run | render | hardware scan | hardware render

`run` is the box's only init-started service. gevent must patch the standard
library before anything else imports threading or socket, hence the order here.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "help"
    if command == "run":
        from gevent import monkey

        monkey.patch_all()
        return run()
    if command == "render":
        return render(argv[2:])
    if command == "hardware":
        from .hardware.cli import main as hardware

        return hardware(argv[2:])
    print(__doc__.strip().splitlines()[0], file=sys.stderr)
    return 0 if command in ("help", "-h", "--help") else 2


def build_box():
    from .backup.manager import BackupManager
    from .callcenter.manager import CallCenterManager
    from .clicktocall.manager import ClickToCallManager
    from .conferences.manager import ConferencesManager
    from .db.manager import DatabaseManager
    from .fax.manager import FaxManager
    from .hardware.manager import HardwareManager
    from .ivrs.manager import SelfServiceManager
    from .mail.manager import MailManager
    from .network.manager import NetworkManager
    from .pbx.manager import PbxManager
    from .provisioning.manager import ProvisioningManager
    from .reports.manager import ReportsManager
    from .security.manager import SecurityManager
    from .sms.manager import SmsManager
    from .settings import Runtime
    from .sites.manager import SitesManager
    from .storage.manager import StorageManager
    from .supervisor import Box
    from .surveys.manager import SurveysManager
    from .switchboard.manager import SwitchboardManager
    from .system import SettingsManager
    from .tickets.manager import TicketsManager
    from .tls.manager import TlsManager
    from .update.manager import UpdateManager
    from .vpn.manager import VpnManager
    from .web import WebManager

    return Box(Runtime.from_environ(), [SettingsManager, DatabaseManager, HardwareManager, NetworkManager, TlsManager,
                                           VpnManager, SitesManager, PbxManager, SecurityManager, ProvisioningManager,
                                           SwitchboardManager, SelfServiceManager, ConferencesManager, ReportsManager,
                                           CallCenterManager, MailManager, StorageManager, BackupManager, FaxManager, SmsManager,
                                           TicketsManager, SurveysManager, ClickToCallManager, UpdateManager, WebManager])


def run() -> int:
    from . import log
    from .settings import Runtime, SettingsError

    try:
        runtime = Runtime.from_environ()
    except SettingsError as exc:
        print(f"callbox: {exc}", file=sys.stderr)
        return 2
    log.setup(runtime.paths.log)
    box = build_box()
    box.run()
    if box.reboot_after_stop:
        import subprocess

        subprocess.run(["systemctl", "reboot"], check=False)
    return 0


def render(args: list[str]) -> int:
    """Print the config the database renders to (for support; writes nothing)."""
    from . import secrets
    from .db import db
    from .pbx.manager import make_system
    from .pbx.render import render_all
    from .pbx.snapshot import load_snapshot
    from .settings import Runtime

    runtime = Runtime.from_environ()
    if not runtime.paths.config_db.exists():
        print(f"callbox: no config database at {runtime.paths.config_db}", file=sys.stderr)
        return 1
    db.init(str(runtime.paths.config_db))
    ami_secret = (runtime.paths.secrets / "ami").read_text().strip()
    with db.connection_context():
        files = render_all(load_snapshot(make_system(runtime, ami_secret)))
    for name in args or files:
        print(f"; ==> {name}")
        print(files[name])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
