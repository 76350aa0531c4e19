"""A stand-in for the WireGuard tools (appliance/vpn/wg.py) in unit tests: keys without `wg`,
and an interface that is a Present record the planner's steps change, with the steps kept."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os

from appliance.vpn.plan import Present
from appliance.vpn.wg import PeerLive


def genkey() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def pubkey(private: str) -> str:
    return base64.b64encode(hashlib.sha256(private.encode()).digest()).decode()


class WireGuard:
    def __init__(self, name, key_file, log_file):
        self.name = name
        self.state = Present(exists=False)
        self.steps: list[tuple] = []
        self.handshakes: dict[str, int] = {}

    def exists(self) -> bool:
        return self.state.exists

    def userspace_died(self) -> bool:
        return False

    def destroy(self) -> None:
        self.apply(("destroy",))

    def present(self, public_key: str) -> Present:
        return self.state

    def dump(self):
        return {}, [(p, PeerLive(k, p.endpoint, self.handshakes.get(k, 0), 100, 200))
                    for k, p in self.state.peers.items()]

    def apply(self, step: tuple) -> None:
        self.steps.append(step)
        s, kind = self.state, step[0]
        if kind == "create":
            s = Present(exists=True)
        elif kind == "destroy":
            s = Present(exists=False)
        elif kind == "key":
            s = dataclasses.replace(s, key_set=True, listen_port=step[1])
        elif kind == "peer":
            s = dataclasses.replace(s, peers={**s.peers, step[1].public_key: step[1]})
        elif kind == "remove_peer":
            s = dataclasses.replace(s, peers={k: v for k, v in s.peers.items() if k != step[1]})
        elif kind == "addr_add":
            s = dataclasses.replace(s, addresses=s.addresses + (step[1],))
        elif kind == "addr_del":
            s = dataclasses.replace(s, addresses=tuple(a for a in s.addresses if a != step[1]))
        elif kind == "up":
            s = dataclasses.replace(s, up=True)
        elif kind == "route_add":
            s = dataclasses.replace(s, routes=s.routes + (step[1],))
        elif kind == "route_del":
            s = dataclasses.replace(s, routes=tuple(r for r in s.routes if r != step[1]))
        self.state = s
