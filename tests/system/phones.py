"""A phone that reaches the box through qemu's user-mode network (a NAT with port forwards).

The box sees the phone as 10.0.2.2 (qemu's alias for the host) and names
itself 10.0.2.15 in its SIP Contact and SDP, which the host cannot reach. So
the phone sends every request through the forwarded port (an outbound proxy
on 127.0.0.1) and offers 10.0.2.2 as its media address: the box's audio then
comes back to the phone through qemu, and the phone's audio goes back the way
the box's came (it answers the address the box's RTP comes from).

Requests inside a call (a BYE) follow the call's route set, which is empty
without a proxy that records the route: they would go to 10.0.2.15. `NatRelay`
is that proxy, on loopback between the phones and the forwarded port.
"""

from __future__ import annotations

import socket
import threading

import pjsua2 as pj

from tests.phones import Phone

QEMU_HOST_ALIAS = "10.0.2.2"


class NatPhone(Phone):
    """relay=True: the phone's SIP goes through a NatRelay of its own (requests inside calls work)."""

    def __init__(self, *args, relay: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.relay = NatRelay(self.server) if relay else None

    def close(self) -> None:
        super().close()
        if self.relay is not None:
            self.relay.close()

    def account_config(self) -> pj.AccountConfig:
        cfg = super().account_config()
        cfg.sipConfig.proxies.append(f"sip:{self.relay.address if self.relay else self.server}{self.uri_params};lr")
        cfg.mediaConfig.transportConfig.publicAddress = QEMU_HOST_ALIAS
        cfg.natConfig.contactRewriteUse = 0
        cfg.natConfig.viaRewriteUse = 0
        return cfg


class NatRelay:
    """Passes SIP between one phone (its own pjsua transport) and the box's forwarded port, and
    records the route of every call through itself twice: as 10.0.2.2 for the box (qemu takes
    that to the host's loopback) and as 127.0.0.1 for the phones. Each side's requests inside the
    call then come here, and go on to the other side."""

    def __init__(self, box: str):
        host, _, port = box.rpartition(":")
        self.box = (host, int(port))
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.phones: tuple[str, int] | None = None  # the phone's transport: the first to send
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="nat-relay", daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data, source = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            if self.phones is None:
                self.phones = source
            from_phones = source == self.phones
            out = self._rewrite(data, from_phones)
            self.sock.sendto(out, self.box if from_phones else self.phones)

    def _rewrite(self, data: bytes, from_phones: bool) -> bytes:
        head, sep, body = data.partition(b"\r\n\r\n")
        lines = head.decode("utf-8", "replace").split("\r\n")
        if lines[0].startswith("SIP/2.0"):
            return data  # responses carry the route back as the request had it
        mine = (f"{QEMU_HOST_ALIAS}:{self.port}", f"127.0.0.1:{self.port}")
        kept = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "route":
                hops = [h for h in value.split(",") if not any(m in h for m in mine)]
                if not hops:
                    continue
                line = f"{name}:{','.join(hops)}"
            kept.append(line)
        initial_invite = lines[0].startswith("INVITE ") and not any(
            h.lower().startswith(("to:", "t:")) and ";tag=" in h for h in kept)
        if initial_invite:
            # The callee's side uses the list top down, the caller's bottom up.
            box_side, phone_side = (f"Record-Route: <sip:{hop};lr>" for hop in mine)
            kept[0:0] = [box_side, phone_side] if from_phones else [phone_side, box_side]
        return "\r\n".join([lines[0], *kept]).encode() + sep + body
