"""What a REGISTER refused an extension's one binding means, pure: no clock of its own, no I/O.

The desk phone's AOR keeps one contact and never gives it up while it answers (pjsip.conf:
max_contacts 1, remove_existing no, remove_unavailable yes): a REGISTER that would take its
place is refused with a FailedACL security event (BINDING_IN_USE). Two kinds of sender meet
that refusal:

- the phone itself, back from a reboot behind a NAT with a new source port (same address)
  while its old binding has not yet failed a qualify: never counted, so fifty phones behind
  one NAT rebooting together are not banned;
- anyone else with the extension's password (cracked, or a second device): counted like a
  wrong password, and the success Asterisk reported for it just before buys no trust.

Either way the box asks Asterisk to qualify the binding at once (at most once per
QUALIFY_GAP for an extension): a binding that answers stays; one that does not is
unavailable after the AOR's qualify_timeout, and the sender's next REGISTER takes its place.
Without it a rebooted phone waited for the next periodic qualify (up to 30 s more).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .engine import normal_address

#: The FailedACL Asterisk reports when a REGISTER would add a binding to an extension whose
#: one binding still answers.
BINDING_IN_USE = "registrar_attempt_exceeds_maximum_configured_contacts"
#: Asterisk is asked to qualify an extension's binding at most this often for refusals: the
#: qualify itself lasts the AOR's qualify_timeout (3 s), and an attacker repeating a stolen
#: password must not make the box flood the real phone with OPTIONS.
QUALIFY_GAP = 5.0

_CONTACT_HOST = re.compile(r"@\[?([0-9A-Fa-f.:]+?)\]?(?::\d+)?(?:[;>?]|$)")


def contact_host(uri: str | None) -> str | None:
    """The address in a contact URI such as sip:6001@192.0.2.7:5060;ob (Asterisk rewrites a
    phone's contact to the address its REGISTER came from)."""
    match = _CONTACT_HOST.search(uri or "")
    return normal_address(match.group(1)) if match else None


@dataclass(frozen=True)
class Verdict:
    count: bool  # a failure for the ban engine (and no trust from the success before it)
    qualify: bool  # ask Asterisk to qualify the extension's binding now


class Refusals:
    def __init__(self):
        self._asked: dict[str, float] = {}  # extension -> when its binding was last qualified for a refusal

    def refused(self, account: str, address: str, binding: str | None, now: float) -> Verdict:
        """A REGISTER for `account` from `address` was refused the binding whose contact URI
        is `binding` (None: the box does not know it)."""
        own = binding is not None and contact_host(binding) == normal_address(address)
        qualify = now - self._asked.get(account, float("-inf")) >= QUALIFY_GAP
        if qualify:
            self._asked[account] = now
        return Verdict(count=not own, qualify=qualify)

    def forget(self, now: float) -> None:
        self._asked = {a: t for a, t in self._asked.items() if now - t < QUALIFY_GAP}
