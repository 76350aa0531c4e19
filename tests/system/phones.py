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
    def account_config(self) -> pj.AccountConfig:
        cfg = super().account_config()
        cfg.sipConfig.proxies.append(f"sip:{self.server};lr")
        cfg.mediaConfig.transportConfig.publicAddress = QEMU_HOST_ALIAS
        cfg.natConfig.contactRewriteUse = 0
        cfg.natConfig.viaRewriteUse = 0
        return cfg
