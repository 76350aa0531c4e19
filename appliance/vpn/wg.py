"""A thin adapter over WireGuard (`wg`, `wireguard-go`) and the interface's addresses and
routes (`ip`). No decisions here: plan.py decides, the manager calls.

The kernel's WireGuard is used where it exists; elsewhere (a kernel built without it, a dev
box) wireguard-go makes the interface in user space and dies with the supervisor.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ..pbx.process import _die_with_parent
from .plan import Peer, Present

ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}


def _run(*args: str, input: str | None = None) -> str:
    return subprocess.run(args, input=input, text=True, check=True, capture_output=True, timeout=10,
                          env=ENV).stdout


def genkey() -> str:
    return _run("wg", "genkey").strip()


def pubkey(private: str) -> str:
    return _run("wg", "pubkey", input=private + "\n").strip()


@dataclass
class PeerLive:
    public_key: str
    endpoint: str | None
    latest_handshake: int  # seconds since the epoch; 0: never
    rx_bytes: int
    tx_bytes: int


def parse_dump(text: str) -> tuple[dict, list[tuple[Peer, PeerLive]]]:
    """`wg show IF dump`: the interface's line, then one line per peer (tab-separated)."""
    lines = [line.split("\t") for line in text.splitlines() if line.strip()]
    if not lines:
        return {}, []
    head = lines[0]
    interface = {"public_key": None if head[1] == "(none)" else head[1],
                 "listen_port": int(head[2]) if head[2].isdigit() else None}
    peers = []
    for cols in lines[1:]:
        key, _psk, endpoint, allowed, handshake, rx, tx, keepalive = cols[:8]
        endpoint = None if endpoint == "(none)" else endpoint
        nets = tuple(str(ipaddress.ip_network(n, strict=False)) for n in allowed.split(",") if n and n != "(none)")
        peers.append((Peer(key, nets, endpoint, 0 if keepalive == "off" else int(keepalive)),
                      PeerLive(key, endpoint, int(handshake), int(rx), int(tx))))
    return interface, peers


class WireGuard:
    def __init__(self, name: str, key_file: Path, log_file: Path):
        self.name = name
        self.key_file = key_file
        self.log_file = log_file
        self.userspace: subprocess.Popen | None = None

    # -- the interface --------------------------------------------------------------------------

    def exists(self) -> bool:
        return Path("/sys/class/net", self.name).exists()

    def create(self) -> str:
        """Make the interface: the kernel's WireGuard, else wireguard-go. Returns which."""
        try:
            _run("ip", "link", "add", self.name, "type", "wireguard")
            return "kernel"
        except subprocess.CalledProcessError:
            pass
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as out:
            self.userspace = subprocess.Popen(["wireguard-go", "-f", self.name], stdin=subprocess.DEVNULL,
                                              stdout=out, stderr=subprocess.STDOUT, env=ENV,
                                              preexec_fn=_die_with_parent)
        socket = Path("/run/wireguard", f"{self.name}.sock")
        deadline = time.monotonic() + 10
        while not (self.exists() and socket.exists()):
            if self.userspace.poll() is not None:
                raise RuntimeError(f"wireguard-go exited with {self.userspace.returncode}; see {self.log_file}")
            if time.monotonic() > deadline:
                raise RuntimeError("wireguard-go made no interface within 10 s")
            time.sleep(0.05)
        return "wireguard-go"

    def destroy(self) -> None:
        if self.userspace is not None and self.userspace.poll() is None:
            self.userspace.terminate()  # it removes its interface as it exits
            try:
                self.userspace.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.userspace.kill()
                self.userspace.wait()
        self.userspace = None
        if self.exists():
            _run("ip", "link", "del", self.name)

    def userspace_died(self) -> bool:
        return self.userspace is not None and self.userspace.poll() is not None

    # -- reading ---------------------------------------------------------------------------------

    def dump(self) -> tuple[dict, list[tuple[Peer, PeerLive]]]:
        return parse_dump(_run("wg", "show", self.name, "dump"))

    def present(self, public_key: str) -> Present:
        if not self.exists():
            return Present(exists=False)
        interface, peers = self.dump()
        link = json.loads(_run("ip", "-j", "addr", "show", "dev", self.name))[0]
        addresses = tuple(str(ipaddress.ip_interface(f"{a['local']}/{a['prefixlen']}"))
                          for a in link.get("addr_info", []) if a.get("scope") != "link")
        routes = []
        for family in ("-4", "-6"):
            for r in json.loads(_run("ip", "-j", family, "route", "show", "dev", self.name, "proto", "static")
                                or "[]"):
                routes.append(str(ipaddress.ip_network(r["dst"], strict=False)))
        return Present(exists=True, up="UP" in link.get("flags", []),
                       key_set=interface.get("public_key") == public_key,
                       listen_port=interface.get("listen_port"), addresses=addresses, routes=tuple(routes),
                       peers={p.public_key: p for p, _live in peers})

    # -- changing ----------------------------------------------------------------------------------

    def apply(self, step: tuple) -> None:
        kind = step[0]
        if kind == "create":
            self.create()
        elif kind == "destroy":
            self.destroy()
        elif kind == "key":
            # wg reads the key from its file: the private key never passes through argv or a pipe.
            _run("wg", "set", self.name, "listen-port", str(step[1]), "private-key", str(self.key_file))
        elif kind == "peer":
            peer, set_endpoint = step[1], step[2]
            args = ["wg", "set", self.name, "peer", peer.public_key,
                    "allowed-ips", ",".join(peer.allowed_ips), "persistent-keepalive", str(peer.keepalive or "off")]
            if set_endpoint and peer.endpoint:
                args += ["endpoint", peer.endpoint]
            _run(*args)
        elif kind == "remove_peer":
            _run("wg", "set", self.name, "peer", step[1], "remove")
        elif kind == "addr_add":
            _run("ip", "addr", "add", step[1], "dev", self.name)
        elif kind == "addr_del":
            _run("ip", "addr", "del", step[1], "dev", self.name)
        elif kind == "up":
            _run("ip", "link", "set", self.name, "up")
        elif kind == "route_add":
            _run("ip", "route", "replace", step[1], "dev", self.name, "proto", "static")
        elif kind == "route_del":
            _run("ip", "route", "del", step[1], "dev", self.name, "proto", "static")
        else:
            raise ValueError(f"unknown step {kind}")

