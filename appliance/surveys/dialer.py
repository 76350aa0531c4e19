"""The campaign's way to Asterisk: one Originate per attempt. No decisions here.

An extension of the box is rung on its endpoint (PJSIP/N: its forwards and voicemail stay out
of a survey); any other number goes through callbox-dial-for -> callbox-on-behalf and the
outbound routes, as a phone's call would, within the campaign's permission class (checked again
there). The answered call runs the survey's context with the campaign and the number's entry
set on it by the supervisor. The channel's id (ChannelId) names the attempt: survey-<entry>-<try>.
"""

from __future__ import annotations

from ..permissions import service as permissions
from ..pbx.render.surveys import context


def channel_id(entry_id: int, attempt: int) -> str:
    return f"survey-{entry_id}-{attempt}"


class AmiDialer:
    def __init__(self, ami):
        self.ami = ami

    def call(self, *, call_id: str, number: str, survey_id: int, campaign_id: int, entry_id: int,
             permission_class: str, ring_seconds: int) -> str | None:
        """Place the call; the Originate's ActionID (its OriginateResponse carries it)."""
        variables = [("Variable", f"CALLBOX_CAMPAIGN={int(campaign_id)}"),
                     ("Variable", f"CALLBOX_CAMPAIGN_ENTRY={int(entry_id)}")]
        channel, leg = permissions.on_behalf(number, permission_class, f"campaign-{int(campaign_id)}")
        variables += leg
        response = self.ami.action("Originate", variables, Channel=channel, Context=context(survey_id), Exten="s",
                                   Priority=1, CallerID=f'"Survey" <{number}>', ChannelId=call_id, Async="true",
                                   Timeout=int(ring_seconds) * 1000)
        return response.get("ActionID")
