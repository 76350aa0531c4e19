"""Stand-ins for nft and conntrack: the adapters' real code, with a runner that records the
command it would have run instead of changing this machine's firewall."""

from __future__ import annotations

from appliance.security.conntrack import Flows
from appliance.security.nft import Firewall


class Recorder:
    def __init__(self):
        self.calls: list = []

    def __call__(self, arg) -> None:
        self.calls.append(arg)


def fake_adapters(manager) -> tuple[Recorder, Recorder]:
    nft, conntrack = Recorder(), Recorder()
    manager.firewall = Firewall(nft)
    manager.flows = Flows(conntrack)
    manager.enforced = True
    manager.nft_calls, manager.conntrack_calls = nft.calls, conntrack.calls
    return nft, conntrack
