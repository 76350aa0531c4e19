"""A phone that reaches the box through qemu's user-mode network (a NAT with port forwards).

The box sees the phone as 10.0.2.2 (qemu's alias for the host) and names
itself 10.0.2.15 in its SIP Contact and SDP, which the host cannot reach. So
the phone sends every request through the forwarded port (an outbound proxy
on 127.0.0.1) and offers 10.0.2.2 as its media address: the box's audio then
comes back to the phone through qemu. Audio from the phone to the box would
need the box's RTP ports forwarded; the tests do not need it.
"""

from __future__ import annotations

import pjsua2 as pj

from tests.phones import Phone

QEMU_HOST_ALIAS = "10.0.2.2"


class NatPhone(Phone):
    def register(self, wait: bool = True, timeout: float = 5.0) -> "NatPhone":
        cfg = pj.AccountConfig()
        cfg.idUri = f"sip:{self.number}@{self.server}"
        cfg.regConfig.registrarUri = f"sip:{self.server}"
        cfg.regConfig.timeoutSec = 300
        cfg.regConfig.retryIntervalSec = 5
        cfg.sipConfig.transportId = self.transport_id
        cfg.sipConfig.proxies.append(f"sip:{self.server};lr")
        cfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", self.number, 0, self.secret))
        cfg.mediaConfig.transportConfig.boundAddress = self.stack.bind_ip
        cfg.mediaConfig.transportConfig.publicAddress = QEMU_HOST_ALIAS
        cfg.natConfig.sipStunUse = pj.PJSUA_STUN_USE_DISABLED
        cfg.natConfig.mediaStunUse = pj.PJSUA_STUN_USE_DISABLED
        cfg.natConfig.contactRewriteUse = 0
        cfg.natConfig.viaRewriteUse = 0
        self.create(cfg)
        self.created = True
        if wait:
            self.wait_registered(timeout)
        return self
