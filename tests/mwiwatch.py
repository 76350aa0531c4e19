"""A desk phone's message-waiting lamp on a colleague's mailbox, as a Yealink (subscribe_mwi_to_vm)
or a Polycom (msg.mwi.subscribe) keeps it: a SUBSCRIBE for message-summary to the colleague's
number with the phone's own credentials, and every NOTIFY the box sends in that dialog answered
and read. Over the plain UDP client of tests/sipattack.py: pjsua2 subscribes to its own account's
mailbox only."""

from __future__ import annotations

import re
import secrets
import time

from tests.sipattack import SipClient


class MailboxLamp(SipClient):
    def __init__(self, bind_ip: str, server: str, user: str, password: str):
        super().__init__(bind_ip, server)
        self.user, self.password = user, password
        self.notifies: list[str] = []  # every NOTIFY of the subscription, in order

    def subscribe(self, number: str, timeout: float = 3.0) -> int | None:
        """Subscribe to `number`'s mailbox (once challenged, with the phone's credentials): the final
        status code, or None when the box did not answer."""
        host = self.server[0]
        uri = f"sip:{number}@{host}"
        call_id, tag, auth = secrets.token_hex(8), secrets.token_hex(4), ""
        for _attempt in range(2):
            self.cseq += 1
            self.send_raw((f"SUBSCRIBE {uri} SIP/2.0\r\n"
                           f"Via: SIP/2.0/UDP {self.bind_ip}:{self.port};branch=z9hG4bK{secrets.token_hex(6)};rport\r\n"
                           f"Max-Forwards: 70\r\n"
                           f"From: <sip:{self.user}@{host}>;tag={tag}\r\n"
                           f"To: <{uri}>\r\n"
                           f"Call-ID: {call_id}\r\n"
                           f"CSeq: {self.cseq} SUBSCRIBE\r\n"
                           f"Contact: <sip:{self.user}@{self.bind_ip}:{self.port}>\r\n"
                           f"Event: message-summary\r\n"
                           f"Accept: application/simple-message-summary\r\n"
                           f"{auth}Expires: 600\r\n"
                           f"Content-Length: 0\r\n\r\n").encode())
            code, answer = self._final(timeout)
            if code != 401:
                return code
            header = re.search(r"^WWW-Authenticate:\s*Digest\s+(.*)$", answer, re.M | re.I).group(1)
            auth = self.authorization(self.user, self.password, dict(re.findall(r'(\w+)="?([^",]*)"?', header)),
                                      method="SUBSCRIBE", uri=uri)
        return None

    def _final(self, timeout: float) -> tuple[int | None, str]:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            r = self.receive(left)
            if r is None:
                break
            if not r.startswith("SIP/2.0 "):
                self._take(r)
            elif (code := int(r.split(" ", 2)[1])) >= 200:
                return code, r
        return None, ""

    def _take(self, request: str) -> None:
        self.answer(request)
        if request.startswith("NOTIFY "):
            self.notifies.append(request)

    def waiting(self) -> bool | None:
        """The lamp as the last NOTIFY set it (Messages-Waiting), after reading what has come."""
        for r in self.drain():
            if not r.startswith("SIP/2.0 "):
                self._take(r)
        if not self.notifies:
            return None
        found = re.search(r"^Messages-Waiting:\s*(\w+)", self.notifies[-1], re.M | re.I)
        return found is not None and found.group(1).lower() == "yes"

    def voice_messages(self) -> str | None:
        """The last NOTIFY's Voice-Message counts: new/old."""
        found = re.search(r"^Voice-Message:\s*(\d+/\d+)", self.notifies[-1], re.M | re.I) if self.notifies else None
        return found.group(1) if found else None
