"""The click-to-call manager: follows the calls POST /calls placed and tells each user what
became of theirs (appliance/clicktocall/follow.py).

AMI events it needs (class "call"): OriginateResponse, Newstate, DialEnd, Hangup, and the dial
plan's callbox-refused UserEvent ("user"); FullyBooted ("system") forgets the calls of an
Asterisk that restarted.
"""

from __future__ import annotations

from ..supervisor import Manager
from .follow import Follower


class ClickToCallManager(Manager):
    name = "clicktocall"
    needs = ("pbx",)

    def load(self) -> None:
        pbx = self.box.pbx
        self.follower = Follower(self.box.events.publish, pbx.registration)
        pbx.ami.subscribe(self.follower.on_event)
