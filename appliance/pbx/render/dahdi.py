"""chan_dahdi.conf and DAHDI's system.conf: the E1 spans and analog ports as the database sets them.

Channel numbers are DAHDI's (each span and port carries the first channel the
hardware scan found for it). E1 spans are 31 timeslots: PRI carries its
D channel in timeslot 16, MFC/R2 its line signalling there (CAS).
"""

from __future__ import annotations

from ...hardware.detect import SOFTWARE_PORTS
from ..conf import ConfFile, FlatFile
from ..snapshot import Snapshot
from .pjsip import PHONE_CONTEXT, TRUNK_CONTEXT

TONE_ZONE = "cn"
SOFTWARE_ECHOCAN = "mg2"  # where the card has no echo canceller of its own
R2_CAS_IDLE = "1101"  # the ABCD bits of an idle R2 line
E1_SLOTS = 31
E1_DCHAN = 16
# The looped software spans (box setting software_spans): dahdi_dynamic_loc addresses <key>:<id>,
# the two ids of one key being each other's far end. DAHDI numbers them in this order, after
# the cards' spans (they are made when dahdi_cfg reads these lines): the E1 pair, then the
# software ports' pair (the FXS ports' channels, then the FXO ports' they are wired to).
SOFTWARE_SPANS = (("loc,1:0", E1_SLOTS), ("loc,1:1", E1_SLOTS), ("loc,2:0", SOFTWARE_PORTS),
                  ("loc,2:1", SOFTWARE_PORTS))


def e1_channels(first: int) -> tuple[list[int], int]:
    """The bearer channels and the timeslot-16 channel of an E1 span starting at `first`."""
    slots = list(range(first, first + E1_SLOTS))
    dchan = first + E1_DCHAN - 1
    return [c for c in slots if c != dchan], dchan


def runs(channels) -> list[tuple[int, int]]:
    """{1, 2, 3, 7} -> [(1, 3), (7, 7)]."""
    out: list[tuple[int, int]] = []
    for c in sorted(channels):
        if out and out[-1][1] == c - 1:
            out[-1] = (out[-1][0], c)
        else:
            out.append((c, c))
    return out


def ranges(channels: list[int]) -> str:
    """[1, 2, 3, 5] -> '1-3,5', as DAHDI and chan_dahdi take channel lists."""
    return ",".join(f"{first}-{last}" if last != first else str(first) for first, last in runs(channels))


def render(snap: Snapshot) -> dict[str, str]:
    return {"chan_dahdi.conf": _chan_dahdi(snap).render(), "dahdi-system.conf": _system(snap).render()}


def _system(snap: Snapshot) -> FlatFile:
    f = FlatFile("DAHDI system.conf: spans, channels, echo cancellers, tone zone (read by dahdi_cfg)")
    software = snap.settings.software_spans
    if software:
        # Timing 0: the looped pair is no clock source; DAHDI's core timer drives it.
        for address, channels in SOFTWARE_SPANS:
            f.set("dynamic", f"{address},{channels},0")
    soft_echo: list[int] = []
    for span in snap.dahdi_spans:
        if span.software and not software:
            continue  # the setting is off: those spans are gone
        if not span.software:
            # A software span has no line code nor framing, and no span= line: dahdi_cfg sets the
            # spans before it makes the dynamic ones, so the line would name a span not there yet.
            framing = "cas" if span.signalling == "mfcr2" else span.framing
            line = f"{span.dahdi_span},{span.timing},0,{framing},{span.coding}" + (",crc4" if span.crc4 else "")
            f.set("span", line)
        bearers, dchan = e1_channels(span.first_channel)
        if span.signalling in ("pri_net", "pri_cpe"):
            f.set("bchan", ranges(bearers))
            f.set("dchan", str(dchan))
        elif span.signalling == "mfcr2":
            f.set("cas", f"{ranges(bearers)}:{R2_CAS_IDLE}")
        else:
            continue
        # An E1 carries A-law. Said here, not left to the driver: a software span's driver defaults to
        # mu-law, and chan_dahdi takes an R2 call in with A-law whatever the channel's default, so the
        # two ends of a call would read each other's audio in the other law.
        f.set("alaw", ranges(bearers))
        if not span.hw_echocan and not span.software:  # a loop has no line hybrid: no echo to cancel
            soft_echo += bearers
    for port in snap.dahdi_ports:
        if port.software and not software:
            continue
        # A port is named by what it talks to: an FXS port drives a phone with FXO signalling.
        # A software port's line is a software port of the box's own: robbed-bit signalling, and no
        # line hybrid to echo.
        f.set("fxoks" if port.kind == "fxs" else "fxsks", str(port.channel))
        if not port.hw_echocan and not port.software:
            soft_echo.append(port.channel)
    if soft_echo:
        f.set("echocanceller", f"{SOFTWARE_ECHOCAN},{ranges(soft_echo)}")
    f.set("loadzone", TONE_ZONE)
    f.set("defaultzone", TONE_ZONE)
    return f


def _chan_dahdi(snap: Snapshot) -> ConfFile:
    conf = ConfFile("chan_dahdi.conf: DAHDI channels (E1 spans, analog ports)")
    conf.section("trunkgroups")
    ch = conf.section("channels")
    # chan_dahdi applies the settings above each `channel =>` line to it and carries them on:
    # each block below therefore sets every option it depends on.
    ch.set("language", snap.settings.language)
    ch.set("usecallerid", True)
    ch.set("echocancel", True)
    ch.set("echocancelwhenbridged", False)
    ch.set("relaxdtmf", True)
    ch.set("rxgain", "0.0")
    ch.set("txgain", "0.0")
    for span in snap.dahdi_spans:
        if span.signalling == "unused" or (span.software and not snap.settings.software_spans):
            continue
        bearers, _ = e1_channels(span.first_channel)
        ch.set("context", TRUNK_CONTEXT)
        ch.set("group", str(span.trunk) if span.trunk is not None else "")
        ch.set("callerid", "asreceived")
        if span.signalling == "mfcr2":
            ch.set("signalling", "mfcr2")
            ch.set("mfcr2_variant", span.r2_variant)
            ch.set("mfcr2_max_ani", span.r2_max_ani)
            ch.set("mfcr2_max_dnis", span.r2_max_dnis)
            ch.set("mfcr2_category", span.r2_category)
            ch.set("mfcr2_get_ani_first", False)
            ch.set("mfcr2_double_answer", span.r2_double_answer)
            ch.set("mfcr2_allow_collect_calls", False)
            ch.set("mfcr2_immediate_accept", False)
            ch.set("mfcr2_forced_release", False)
            # No metering pulses: a call is not reported as charged, and the timers are the variant's (-1).
            ch.set("mfcr2_charge_calls", False)
            ch.set("mfcr2_metering_pulse_timeout", "-1")
            ch.set("mfcr2_mfback_timeout", "-1")
        else:
            ch.set("signalling", span.signalling)
            ch.set("switchtype", span.switchtype)
            ch.set("overlapdial", "incoming" if span.overlap else "no")
            ch.set("pridialplan", "unknown")
            ch.set("prilocaldialplan", "unknown")
        ch.set("channel", ranges(bearers), arrow=True)
    names = {e.number: e.name for e in snap.extensions}
    mailboxes = {m.number for m in snap.mailboxes}
    for port in snap.dahdi_ports:
        if port.software and not snap.settings.software_spans:
            continue
        if port.kind == "fxs":
            if port.extension is None:
                continue
            ch.set("signalling", "fxo_ks")
            ch.set("context", PHONE_CONTEXT)
            ch.set("group", "")
            ch.set("callerid", f'"{names.get(port.extension, port.extension)}" <{port.extension}>')
            ch.set("mailbox", f"{port.extension}@default" if port.extension in mailboxes else "")
            ch.set("hasvoicemail", port.extension in mailboxes)
            # The phone's caller ID goes out in Bell FSK between the first ring and the second
            # (chan_dahdi's defaults), and no busy tone ends its calls, whatever an FXO port's
            # block above set for its line.
            _line_signals(ch, cid="bell", start="ring", polarity=False, busy=False)
            ch.set("callwaiting", True)
            ch.set("threewaycalling", True)
            ch.set("transfer", True)  # hook flash transfers the call
            ch.set("canflash", True)
            ch.set("flash", "750")
            ch.set("accountcode", port.extension)
        else:
            if port.trunk is None:
                continue
            ch.set("signalling", "fxs_ks")
            ch.set("context", TRUNK_CONTEXT)
            ch.set("group", str(port.trunk))
            ch.set("callerid", "asreceived")
            ch.set("mailbox", "")
            ch.set("hasvoicemail", False)
            if port.software:
                # Its line is the box's own FXS port: no polarity reversal crosses a loop of robbed
                # bits, so the call is up once the number is dialled and ends on the far end's
                # kewlstart disconnect; the caller ID is what chan_dahdi's FXS port sends, Bell FSK
                # between the first ring and the second.
                _line_signals(ch, cid="bell", start="ring", polarity=False, busy=True)
            else:
                _line_signals(ch, cid="dtmf", start="polarity", polarity=True, busy=True)
            ch.set("busycount", "4")
            ch.set("busypattern", "350,350")  # the Chinese busy tone: 0.35 s on, 0.35 s off
            ch.set("accountcode", "")
        ch.set("channel", str(port.channel), arrow=True)
    return conf


def _line_signals(ch, cid: str, start: str, polarity: bool, busy: bool) -> None:
    """The line options FXS and FXO ports both depend on, set in every port's block: chan_dahdi
    carries each one on to the channels after it."""
    ch.set("cidsignalling", cid)
    ch.set("cidstart", start)
    ch.set("answeronpolarityswitch", polarity)
    ch.set("hanguponpolarityswitch", polarity)
    ch.set("busydetect", busy)
