"""SMS for the whole box: the one place other parts call.

    from appliance import sms
    sms.queue("13800138000", "您的回电已安排", customer_id=7, key="callback-12")

queue() only writes the message to the durable outbox (outbox.py) and wakes
the sender (manager.py), which hands it to the enabled gateway (an HTTP
provider, http_gateway.py, or a GSM modem, modem.py) off the request and event
paths, at the gateway's rate, retrying as many times as the gateway says.
"""

from __future__ import annotations

import threading

from . import gateways, outbox

#: Set when a message is queued; the sender waits on it.
wake = threading.Event()


class NoGateway(Exception):
    """No SMS gateway is enabled: a message would wait for nobody."""


def queue(number: str, text: str, *, key: str | None = None, customer_id: int | None = None,
          template_id: int | None = None, created_by: str | None = None):
    """Queue `text` to the normalised `number`; None if `key` was queued before (sent once)."""
    if gateways.active() is None:
        raise NoGateway("no SMS gateway is enabled (SMS page, gateways)")
    row = outbox.add(number, text, key=key, customer_id=customer_id, template_id=template_id,
                     created_by=created_by)
    wake.set()
    return row
