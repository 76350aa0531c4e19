"""`python3 -m appliance hardware scan` on simulated devices: umockdev gives libudev a sysfs
with the cards below (and a network card and host bridge that must be ignored); the command
runs unchanged under umockdev-run and names the cards, spans and ports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("umockdev-run") is None, reason="umockdev (scripts/host-deps.sh)")


def pci(slot: str, vendor: str, device: str, subvendor: str, subdevice: str, pci_class: str = "020000",
        driver: str | None = None) -> str:
    """A umockdev record of one PCI function, as `umockdev-record` writes it."""
    lines = [f"P: /devices/pci0000:00/0000:00:1c.0/{slot}",
             "E: SUBSYSTEM=pci",
             f"E: PCI_CLASS={pci_class.upper()}",
             f"E: PCI_ID={vendor.upper()}:{device.upper()}",
             f"E: PCI_SUBSYS_ID={subvendor.upper()}:{subdevice.upper()}",
             f"E: PCI_SLOT_NAME={slot}",
             *([f"E: DRIVER={driver}", f"L: driver=../../../../bus/pci/drivers/{driver}"] if driver else []),
             f"A: vendor=0x{vendor}", f"A: device=0x{device}",
             f"A: subsystem_vendor=0x{subvendor}", f"A: subsystem_device=0x{subdevice}",
             f"A: class=0x{pci_class}"]
    return "\n".join(lines) + "\n"


def usb(name: str, vendor: str, product: str) -> str:
    return "\n".join([f"P: /devices/pci0000:00/0000:00:14.0/usb1/{name}", "E: SUBSYSTEM=usb", "E: DEVTYPE=usb_device",
                      f"E: ID_VENDOR_ID={vendor}", f"E: ID_MODEL_ID={product}",
                      f"A: idVendor={vendor}", f"A: idProduct={product}"]) + "\n"


def scan(tmp_path, *records: str) -> dict:
    spec = tmp_path / "box.umockdev"
    spec.write_text("\n".join(records))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(["umockdev-run", "-d", str(spec), "--", sys.executable, "-m", "appliance", "hardware",
                           "scan"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_one_card_of_each_driver_family_with_numbered_spans_and_ports(tmp_path):
    found = scan(tmp_path,
                 pci("0000:00:00.0", "8086", "29c0", "8086", "29c0", "060000"),            # host bridge
                 pci("0000:02:00.0", "8086", "100e", "8086", "001e", "020000", "e1000"),   # network card
                 pci("0000:03:00.0", "d161", "1820", "d161", "1820", "020000", "wct4xxp"),  # TE820
                 pci("0000:04:00.0", "d161", "0410", "0004", "0000"),                       # TE410P 4th gen
                 pci("0000:05:00.0", "d161", "800a", "d161", "800a"),                       # TE133
                 pci("0000:06:00.0", "d161", "800d", "d161", "800d", "078000"),             # A8B
                 pci("0000:07:00.0", "d161", "2400", "d161", "2400", "078000"),             # TDM2400P
                 pci("0000:08:00.0", "e159", "0001", "b119", "0000", "078000"),             # TDM400P (Tiger320)
                 pci("0000:09:00.0", "d161", "b410", "d161", "b410", "020400"),             # B410P
                 usb("1-2", "e4e4", "1152"))                                                # Astribank
    cards = found["cards"]
    assert [(c["profile"], c["driver"]) for c in cards] == [
        ("digium-te820", "wct4xxp"), ("digium-te410p", "wct4xxp"), ("digium-te133", "wcte13xp"),
        ("digium-a8b", "wcaxx"), ("digium-tdm2400p", "wctdm24xxp"), ("digium-tdm400p", "wctdm"),
        ("digium-b410p", "wcb4xxp"), ("xorcom-astribank", "xpp_usb")]
    te820, te410p, te133, a8b, tdm2400, tdm400, b410p, astribank = cards
    assert te820["pci"] == "d161:1820" and te820["name"] == "Digium Wildcard TE820"
    assert [s["span"] for s in te820["spans"]] == list(range(1, 9)) and te820["ports"] == []
    assert te820["driver_loaded"] is True and te410p["driver_loaded"] is False
    assert [s["span"] for s in te410p["spans"]] == [9, 10, 11, 12]
    assert [s["span"] for s in te133["spans"]] == [13] and "e1" in te133["spans"][0]["kinds"]
    assert [p["port"] for p in a8b["ports"]] == list(range(1, 9)) and a8b["spans"] == []
    assert [p["port"] for p in tdm2400["ports"]] == list(range(9, 33))
    assert tdm2400["ports"][0]["kinds"] == ["fxs", "fxo"]
    assert [p["port"] for p in tdm400["ports"]] == [33, 34, 35, 36] and tdm400["pci"] == "e159:0001"
    assert [s["span"] for s in b410p["spans"]] == [14, 15, 16, 17] and b410p["spans"][0]["kinds"] == ["bri"]
    assert astribank["usb"] == "e4e4:1152" and astribank["pci"] is None
    assert found["unsupported"] == []


def test_an_unknown_card_is_listed_as_unsupported_not_an_error(tmp_path):
    found = scan(tmp_path,
                 pci("0000:03:00.0", "d161", "0120", "d161", "0120"),     # TE120P: known
                 pci("0000:04:00.0", "d161", "9999", "d161", "9999"),     # a Digium id no profile has
                 pci("0000:05:00.0", "e159", "0001", "1234", "5678"),     # an unknown Tiger320 clone
                 pci("0000:06:00.0", "1397", "08b4", "1397", "b520", "020400"),  # an ISDN controller
                 pci("0000:07:00.0", "8086", "100e", "8086", "001e"))     # a network card: not a telephony card
    assert [c["profile"] for c in found["cards"]] == ["digium-te120p"]
    assert [(u["pci"], u["slot"]) for u in found["unsupported"]] == [
        ("d161:9999", "0000:04:00.0"), ("e159:0001", "0000:05:00.0"), ("1397:08b4", "0000:06:00.0")]
    assert found["unsupported"][1]["subsystem"] == "1234:5678"


def test_a_box_without_cards_scans_empty(tmp_path):
    assert scan(tmp_path, pci("0000:00:00.0", "8086", "29c0", "8086", "29c0", "060000")) == {
        "cards": [], "unsupported": []}


def test_the_software_spans_and_ports_are_scanned_when_the_box_has_them_on(tmp_path):
    """The box setting software_spans, read from the box's config database (BOX_DATA): the software
    card follows the real ones with its two E1 spans and its 8 looped analog ports."""
    from appliance import box_settings
    from appliance.db import change, open_database

    data = tmp_path / "data"
    database = open_database(data / "config.db")
    with database.connection_context(), change("test", "settings.update", "software_spans") as cs:
        box_settings.save(cs, {"software_spans": True})
    database.close()
    spec = tmp_path / "box.umockdev"
    spec.write_text(pci("0000:08:00.0", "e159", "0001", "b119", "0000", "078000"))  # TDM400P: 4 ports
    env = {**os.environ, "PYTHONPATH": str(REPO), "BOX_DATA": str(data)}
    done = subprocess.run(["umockdev-run", "-d", str(spec), "--", sys.executable, "-m", "appliance", "hardware",
                           "scan"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    tdm400, software = json.loads(done.stdout)["cards"]
    assert tdm400["profile"] == "digium-tdm400p" and [p["channel"] for p in tdm400["ports"]] == [1, 2, 3, 4]
    assert software["profile"] == "software-loop" and software["driver"] == "dahdi_dynamic_loc"
    assert [(s["span"], s["first_channel"]) for s in software["spans"]] == [(1, 5), (2, 36)]
    assert [(p["port"], p["channel"], p["kinds"], p["looped_to"]) for p in software["ports"]] == [
        (5, 67, ["fxs"], 9), (6, 68, ["fxs"], 10), (7, 69, ["fxs"], 11), (8, 70, ["fxs"], 12),
        (9, 71, ["fxo"], 5), (10, 72, ["fxo"], 6), (11, 73, ["fxo"], 7), (12, 74, ["fxo"], 8)]
