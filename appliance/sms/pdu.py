"""SMS PDUs (3GPP TS 23.040 and 23.038): what a GSM modem takes in PDU mode and gives back.

Written here rather than taken from a library: the PyPI codecs (python-gsmmodem's pdu module,
smspdu) have had no release for years, are not packaged by Debian, and tie the codec to their
own modem handling; this is the small, pure part the box needs (GSM 7-bit and UCS2 text,
concatenation with a user data header, SMS-DELIVER and SMS-STATUS-REPORT decoding), tested
against known PDUs in tests/unit/test_sms_pdu.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# The GSM 7-bit default alphabet (23.038 6.2.1), by septet value, and its extension table (after ESC).
GSM7 = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXT = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~", 0x3E: "]",
            0x40: "|", 0x65: "€"}
_TO_GSM7 = {ch: i for i, ch in enumerate(GSM7) if i != 0x1B}
_TO_GSM7_EXT = {ch: code for code, ch in GSM7_EXT.items()}
ESC = 0x1B

GSM7_SINGLE, GSM7_PART = 160, 153  # septets: one message, one part after a 6-octet header
UCS2_SINGLE, UCS2_PART = 140, 134  # octets
MAX_PARTS = 255


def gsm7_septets(text: str) -> list[int] | None:
    """`text` as GSM 7-bit septets (extension characters take two), or None if it needs UCS2."""
    out = []
    for ch in text:
        if ch in _TO_GSM7:
            out.append(_TO_GSM7[ch])
        elif ch in _TO_GSM7_EXT:
            out += [ESC, _TO_GSM7_EXT[ch]]
        else:
            return None
    return out


def pack7(septets: list[int], fill_bits: int = 0) -> bytes:
    """Septets packed into octets, least significant bit first, after `fill_bits` zero bits."""
    total = fill_bits + 7 * len(septets)
    out = bytearray((total + 7) // 8)
    pos = fill_bits
    for s in septets:
        byte, bit = divmod(pos, 8)
        out[byte] |= (s << bit) & 0xFF
        if bit > 1:
            out[byte + 1] |= s >> (8 - bit)
        pos += 7
    return bytes(out)


def unpack7(data: bytes, count: int, fill_bits: int = 0) -> list[int]:
    value = int.from_bytes(data, "little")
    return [(value >> (fill_bits + 7 * i)) & 0x7F for i in range(count)]


def gsm7_text(septets: list[int]) -> str:
    out, escaped = [], False
    for s in septets:
        if escaped:
            out.append(GSM7_EXT.get(s, " "))
            escaped = False
        elif s == ESC:
            escaped = True
        else:
            out.append(GSM7[s])
    return "".join(out)


def _split(units: list, size: int, keep_together) -> list[list]:
    """`units` in chunks of at most `size`, never cutting where keep_together(chunk's last unit) says."""
    parts, start = [], 0
    while start < len(units):
        end = min(start + size, len(units))
        if end < len(units) and keep_together(units[end - 1]):
            end -= 1
        parts.append(units[start:end])
        start = end
    return parts


def _semi_octets(digits: str) -> bytes:
    if len(digits) % 2:
        digits += "F"
    return bytes.fromhex("".join(digits[i + 1] + digits[i] for i in range(0, len(digits), 2)))


def _digits(data: bytes, count: int) -> str:
    swapped = "".join(f"{b:02X}"[::-1] for b in data)
    return swapped[:count].replace("F", "")


def address(number: str, international: bool) -> bytes:
    """A destination address: length in digits, type of number, the digits as semi-octets."""
    digits = number.lstrip("+")
    if not digits.isdigit() or not 1 <= len(digits) <= 20:
        raise ValueError(f"{number!r} is not a phone number")
    return bytes([len(digits), 0x91 if international else 0x81]) + _semi_octets(digits)


@dataclass
class Submit:
    """One SMS-SUBMIT PDU as AT+CMGS takes it: hex, and the TPDU length (the PDU without the SMSC octet)."""

    hex: str
    tpdu_length: int


def encode(number: str, text: str, *, international: bool, reference: int = 0, status_report: bool = False,
           validity_hours: int = 24) -> list[Submit]:
    """`text` to `number` as SMS-SUBMIT PDUs: one, or several carrying a concatenation header
    (8-bit reference `reference`, parts numbered from 1). GSM 7-bit where every character has a
    septet, UCS2 otherwise (Chinese); a part never ends halfway through an escape or a surrogate pair."""
    septets = gsm7_septets(text)
    if septets is not None:
        dcs = 0x00
        if len(septets) <= GSM7_SINGLE:
            chunks = [septets]
        else:
            chunks = _split(septets, GSM7_PART, lambda s: s == ESC)
    else:
        dcs = 0x08
        units = list(text.encode("utf-16-be"))
        pairs = [units[i:i + 2] for i in range(0, len(units), 2)]  # UTF-16 code units
        high = lambda p: 0xD8 <= p[0] <= 0xDB  # noqa: E731 - a high surrogate: its pair follows
        chunks = [pairs] if len(pairs) * 2 <= UCS2_SINGLE else _split(pairs, UCS2_PART // 2, high)
    if len(chunks) > MAX_PARTS:
        raise ValueError("the text is too long for one SMS")
    # Relative validity period (23.040 9.2.3.12.1): up to 12 h in 5-minute steps, then half hours, then days.
    hours = max(1, min(validity_hours, 24 * 30))
    vp = (hours * 12 - 1) if hours <= 12 else (143 + (hours - 12) * 2) if hours <= 24 else 166 + (hours + 23) // 24
    out = []
    for seq, chunk in enumerate(chunks, start=1):
        first = 0x01 | 0x10  # SMS-SUBMIT, relative validity period
        if status_report:
            first |= 0x20
        udh = b""
        if len(chunks) > 1:
            first |= 0x40
            udh = bytes([5, 0x00, 3, reference & 0xFF, len(chunks), seq])
        if dcs == 0x00:
            # The header takes the first octets; the septets start on a septet boundary after it.
            fill = (7 - (len(udh) * 8) % 7) % 7 if udh else 0
            ud = udh + pack7(chunk, fill)
            udl = (len(udh) * 8 + fill) // 7 + len(chunk)
        else:
            ud = udh + bytes(b for pair in chunk for b in pair)
            udl = len(ud)
        tpdu = bytes([first, 0x00]) + address(number, international) + bytes([0x00, dcs, min(vp, 255), udl]) + ud
        out.append(Submit(hex="00" + tpdu.hex().upper(), tpdu_length=len(tpdu)))
    return out


@dataclass
class Deliver:
    """A received SMS-DELIVER, or one part of a longer message (`parts` > 1)."""

    sender: str
    text: str
    sent_at: dt.datetime | None
    reference: int | None = None
    parts: int = 1
    part: int = 1


@dataclass
class StatusReport:
    reference: int  # the TP-MR of the message it reports on (the modem's +CMGS answer)
    recipient: str
    status: int  # 0x00-0x1F delivered; 0x20-0x3F still trying; 0x40 and up failed
    delivered: bool = field(init=False)

    def __post_init__(self):
        self.delivered = self.status < 0x20


def _timestamp(data: bytes) -> dt.datetime | None:
    d = [int(f"{b:02X}"[::-1]) if f"{b:02X}"[::-1].isdigit() else 0 for b in data[:6]]
    try:
        return dt.datetime((2000 if d[0] < 70 else 1900) + d[0], d[1], d[2], d[3], d[4], d[5])
    except ValueError:
        return None


def _address(data: bytes, pos: int) -> tuple[str, int]:
    length, kind = data[pos], data[pos + 1]
    octets = (length + 1) // 2
    raw = data[pos + 2:pos + 2 + octets]
    if kind & 0x70 == 0x50:  # alphanumeric (a bank's or a carrier's name), GSM 7-bit packed
        number = gsm7_text(unpack7(raw, length * 4 // 7))
    else:
        number = ("+" if kind & 0x70 == 0x10 else "") + _digits(raw, length)
    return number, pos + 2 + octets


def decode(pdu_hex: str) -> Deliver | StatusReport:
    """A PDU as the modem gives it (with its SMSC part): an SMS-DELIVER or an SMS-STATUS-REPORT.
    ValueError for anything else or anything cut short."""
    try:
        data = bytes.fromhex(pdu_hex.strip())
        pos = 1 + data[0]  # the SMSC address
        first = data[pos]
        pos += 1
        kind = first & 0x03
        if kind == 0x02:
            reference = data[pos]
            recipient, pos = _address(data, pos + 1)
            return StatusReport(reference=reference, recipient=recipient, status=data[pos + 14])
        if kind != 0x00:
            raise ValueError(f"not a received message (type {kind})")
        sender, pos = _address(data, pos)
        dcs = data[pos + 1]
        sent_at = _timestamp(data[pos + 2:pos + 9])
        udl = data[pos + 9]
        ud = data[pos + 10:]
    except IndexError:
        raise ValueError("the PDU is cut short") from None
    if dcs & 0xC0 == 0x00:
        alphabet = (dcs >> 2) & 0x03
    elif dcs & 0xF0 == 0xF0:
        alphabet = 1 if dcs & 0x04 else 0
    else:
        alphabet = 2 if dcs & 0xF0 == 0xE0 else 0
    reference, parts, part, udh_len = concatenation(ud) if first & 0x40 else (None, 1, 1, 0)
    if alphabet == 0:
        fill = (7 - (udh_len * 8) % 7) % 7 if udh_len else 0
        skip = (udh_len * 8 + fill) // 7
        text = gsm7_text(unpack7(ud[udh_len:], udl - skip, fill))
    elif alphabet == 2:
        text = ud[udh_len:udl].decode("utf-16-be", "replace")
    else:
        text = ud[udh_len:udl].decode("latin-1")
    return Deliver(sender=sender, text=text, sent_at=sent_at, reference=reference, parts=parts, part=part)


def concatenation(ud: bytes) -> tuple[int | None, int, int, int]:
    """A user data header's concatenation: (reference, parts, part, the header's length in bytes);
    (None, 1, 1, length) where it names none. SMPP's short_message carries the same header."""
    udh_len = ud[0] + 1
    reference, parts, part = None, 1, 1
    i = 1
    while i < udh_len:
        iei, length = ud[i], ud[i + 1]
        value = ud[i + 2:i + 2 + length]
        if iei == 0x00 and length == 3:
            reference, parts, part = value[0], value[1], value[2]
        elif iei == 0x08 and length == 4:
            reference, parts, part = int.from_bytes(value[:2], "big"), value[2], value[3]
        i += 2 + length
    return reference, parts, part, udh_len


class Reassembly:
    """Parts of long messages until all have come: (sender, reference, parts) -> {part: text}."""

    def __init__(self):
        self.pending: dict[tuple, dict[int, str]] = {}

    def add(self, msg: Deliver) -> str | None:
        """The whole text once `msg` completes its message (at once for a message of one part)."""
        if msg.parts <= 1 or msg.reference is None:
            return msg.text
        key = (msg.sender, msg.reference, msg.parts)
        got = self.pending.setdefault(key, {})
        got[msg.part] = msg.text
        if len(got) < msg.parts:
            return None
        del self.pending[key]
        return "".join(got[i] for i in sorted(got))
