"""The settings manager: runtime settings, the data layout, first-boot secrets.

First in the order: everything after it finds its directories made, its
secrets present and the box's own name resolvable without DNS.
"""

from __future__ import annotations

import logging
import os
import resource
import socket
import time
from pathlib import Path

import psutil

from . import secrets
from .log import kv
from .supervisor import Manager

log = logging.getLogger(__name__)

NOFILE = 65536


def ensure_hosts_entry(hosts: Path, hostname: str) -> bool:
    """Make /etc/hosts name the box: Asterisk and others look their host up at start,
    and with no DNS server reachable every lookup would wait for a timeout."""
    try:
        text = hosts.read_text()
    except FileNotFoundError:
        text = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if hostname in fields[1:]:
            return False
    if text and not text.endswith("\n"):
        text += "\n"
    text += f"127.0.1.1\t{hostname}\n"
    tmp = hosts.with_name(hosts.name + ".callbox-tmp")
    tmp.write_text(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, hosts)
    return True


def nofile_steps(soft: int, hard: int, target: int = NOFILE) -> list[tuple[int, int]]:
    """The RLIMIT_NOFILE settings to try in turn so that the soft limit reaches `target`.

    systemd starts services with a soft limit of 1024 under a high hard one (524288): the
    soft one is what counts, and it alone needs raising. A hard limit below the target can
    only be raised with CAP_SYS_RESOURCE; without it, the soft limit goes as high as allowed."""
    infinite = resource.RLIM_INFINITY
    if soft == infinite or soft >= target:
        return []
    if hard == infinite or hard >= target:
        return [(target, hard)]
    return [(target, target), (hard, hard)]


def raise_open_files() -> int:
    """Raise the supervisor's open-file limit, which its children (Asterisk) inherit. Each
    channel, SIP and AGI connection and browser event stream holds descriptors: 960 channels
    and 800 agents' pages need thousands. The soft limit in effect afterwards."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for step in nofile_steps(soft, hard):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, step)
            break
        except (ValueError, OSError):
            continue
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft != resource.RLIM_INFINITY and soft < NOFILE:
        log.warning("open-file limit stays below the target", extra=kv(limit=soft, target=NOFILE))
    return soft


class SettingsManager(Manager):
    name = "settings"

    def load(self) -> None:
        paths = self.box.runtime.paths
        for d in (paths.data, paths.log, paths.run):
            d.mkdir(parents=True, exist_ok=True)
        os.chmod(paths.data, 0o755)
        self.box_id = secrets.ensure(paths.secrets, "box-id", 8)
        self.ami_secret = secrets.ensure(paths.secrets, "ami", 24)
        hostname = socket.gethostname()
        try:
            if ensure_hosts_entry(self.box.runtime.hosts_file, hostname):
                log.info("named the box in the hosts file", extra=kv(hostname=hostname))
        except OSError as exc:
            log.warning("cannot update the hosts file", extra=kv(error=str(exc)))
        raise_open_files()
        self.started_at = time.time()
        psutil.cpu_percent(None)  # prime: the first reading is meaningless

    def health(self) -> dict:
        vm = psutil.virtual_memory()
        disk = psutil.disk_usage(str(self.box.runtime.paths.data))
        return {
            "box_id": self.box_id,
            "uptime": round(time.time() - self.started_at),
            "cpu_percent": psutil.cpu_percent(None),
            "memory": {"total": vm.total, "available": vm.available, "percent": vm.percent},
            "disk": {"total": disk.total, "free": disk.free, "percent": disk.percent},
            "supervisor_rss": psutil.Process().memory_info().rss,
        }
