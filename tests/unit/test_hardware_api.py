"""Spans, ports and DAHDI trunks over the API on a box whose scan found four TE820s (32 E1 spans)
and an A8B (8 analog ports), as udev would report them: what each change renders, and that each
refusal names its field and changes nothing."""

from __future__ import annotations

import pytest

from appliance.hardware import detect, profiles
from appliance.hardware.udev import Device


def te820(slot: int) -> Device:
    return Device("pci", f"/sys/devices/pci0000:00/0000:0{slot}:00.0", f"0000:0{slot}:00.0", "d161", "1820",
                  "d161", "1820", "020000", "wct4xxp")


@pytest.fixture
def box(admin):
    devices = [te820(n) for n in (3, 4, 5, 6)] + [
        Device("pci", "/sys/devices/pci0000:00/0000:07:00.0", "0000:07:00.0", "d161", "800d", "d161", "800d",
               "078000", "wcaxx")]
    admin.box.hardware.found = detect.scan(devices, profiles.load_cards())
    for n in ("8001", "8002"):
        assert admin.post("/extensions", {"number": n, "name": f"Desk {n}"}).status == 201
    return admin


def files(api) -> dict:
    return api.box.pbx.store.read()


def dahdi_trunk(api, name: str) -> int:
    r = api.post("/trunks", {"name": name, "kind": "dahdi"})
    assert r.status == 201, r
    assert (r.json["kind"], r.json["spans"], r.json["ports"], r.json["channels"]) == ("dahdi", [], [], 0)
    return r.json["id"]


def test_the_scan_numbers_32_spans_then_the_analog_ports(box):
    doc = box.get("/hardware").json
    assert doc["dahdi"] is False  # no DAHDI on the unit test host: no alarms, no channel states
    spans = [s for card in doc["cards"] for s in card["spans"]]
    ports = [p for card in doc["cards"] for p in card["ports"]]
    assert [s["span"] for s in spans] == list(range(1, 33)) and [p["port"] for p in ports] == list(range(1, 9))
    assert spans[31]["first_channel"] == 31 * 31 + 1 and ports[0]["channel"] == 32 * 31 + 1
    assert spans[0]["signalling"] == "unused" and spans[0]["alarms"] is None and ports[0]["state"] is None
    assert doc["cards"][4]["profile"] == "digium-a8b"


def test_a_pri_span_in_a_dahdi_trunk_is_dialled_by_its_group(box):
    trunk = dahdi_trunk(box, "Carrier PRI")
    r = box.put("/hardware/spans/2", {"signalling": "pri_cpe", "timing": 1, "trunk": trunk})
    assert r.status == 200 and (r.json["framing"], r.json["crc4"], r.json["trunk"]) == ("ccs", True, trunk), r
    system, chan = files(box)["dahdi-system.conf"], files(box)["chan_dahdi.conf"]
    assert "span=2,1,0,ccs,hdb3,crc4\nbchan=32-46,48-62\ndchan=47\n" in system
    assert "loadzone=cn\ndefaultzone=cn" in system
    assert f"group = {trunk}\n" in chan and "signalling = pri_cpe\nswitchtype = euroisdn\n" in chan
    assert "channel => 32-46,48-62" in chan
    assert box.get(f"/trunks/{trunk}").json["channels"] == 30
    route = box.post("/outbound-routes", {"name": "Out", "patterns": [{"pattern": "_0X."}], "trunks": [trunk]})
    assert route.status == 201, route
    assert f"Gosub(callbox-trunk-dial,s,1(g{trunk},${{CALLBOX_DIAL}},,0,dahdi))" in files(box)["extensions.conf"]
    assert "[trunk-" not in files(box)["pjsip.conf"]  # a DAHDI trunk is no PJSIP endpoint


def test_an_r2_span_takes_the_china_variant_and_cas(box):
    trunk = dahdi_trunk(box, "R2 lines")
    r = box.put("/hardware/spans/5", {"signalling": "mfcr2", "r2_max_ani": 12, "r2_max_dnis": 5, "trunk": trunk,
                                      "crc4": False})
    assert r.status == 200 and (r.json["framing"], r.json["r2_variant"]) == ("cas", "cn"), r
    system, chan = files(box)["dahdi-system.conf"], files(box)["chan_dahdi.conf"]
    assert "span=5,0,0,cas,hdb3\ncas=125-139,141-155:1101\n" in system
    for line in ("signalling = mfcr2", "mfcr2_variant = cn", "mfcr2_max_ani = 12", "mfcr2_max_dnis = 5",
                 "mfcr2_double_answer = no", "mfcr2_charge_calls = no", "channel => 125-139,141-155"):
        assert line in chan


def test_analog_ports_serve_an_extension_and_a_local_line(box):
    trunk = dahdi_trunk(box, "Local line")
    r = box.put("/hardware/ports/1", {"kind": "fxs", "extension": "8001"})
    assert r.status == 200 and r.json["extension"] == "8001", r
    assert box.put("/hardware/ports/8", {"kind": "fxo", "trunk": trunk}).status == 200
    system, chan = files(box)["dahdi-system.conf"], files(box)["chan_dahdi.conf"]
    assert "fxoks=993\n" in system and "fxsks=1000\n" in system
    assert "echocanceller" not in system  # the A8B cancels echo itself
    fxs = chan.split("channel => 993")[0].rsplit("\nsignalling = ", 1)[1]
    assert fxs.startswith("fxo_ks") and 'callerid = "Desk 8001" <8001>' in fxs and "transfer = yes" in fxs
    fxo = chan.split("channel => 1000")[0].rsplit("\nsignalling = ", 1)[1]
    assert fxo.startswith("fxs_ks") and f"group = {trunk}" in fxo and "busydetect = yes" in fxo
    assert box.get(f"/trunks/{trunk}").json["ports"] == [8]
    assert "exten => 8001,hint,DAHDI/993" in files(box)["extensions.conf"]  # calls to 8001 ring the analog phone
    assert "exten => 8002,hint,PJSIP/8002" in files(box)["extensions.conf"]


def test_call_records_know_each_dahdi_line_as_its_extension_or_trunk(box):
    from appliance.reports.calls import party
    from appliance.reports.manager import dahdi_lines

    pri, r2, line = dahdi_trunk(box, "PRI"), dahdi_trunk(box, "R2"), dahdi_trunk(box, "Line")
    assert box.put("/hardware/spans/2", {"signalling": "pri_cpe", "trunk": pri}).status == 200
    assert box.put("/hardware/spans/5", {"signalling": "mfcr2", "trunk": r2}).status == 200
    assert box.put("/hardware/spans/7", {"signalling": "pri_net"}).status == 200  # in no trunk
    assert box.put("/hardware/ports/1", {"kind": "fxs", "extension": "8001"}).status == 200
    assert box.put("/hardware/ports/8", {"kind": "fxo", "trunk": line}).status == 200
    lines = dahdi_lines()
    # Span 2's bearers are channels 32-46 and 48-62; span 5's 125-139 and 141-155; the ports 993-1000.
    assert len(lines) == 1 + 30 + 30 + 2
    assert party("DAHDI/i2/075512345678-1a", lines) == ("trunk", str(pri))  # a PRI call, by its span
    assert party("DAHDI/i2/-3", lines) == ("trunk", str(pri))  # no number
    assert party("DAHDI/62-1", lines) == ("trunk", str(pri)) and party("DAHDI/47-1", lines) == ("other", None)
    assert party("DAHDI/125-1", lines) == party("DAHDI/155-2", lines) == ("trunk", str(r2))
    assert party("DAHDI/i7/0755-1", lines) == ("other", None)
    assert party("DAHDI/993-1", lines) == party("DAHDI/993-2", lines) == ("phone", "8001")  # call waiting's second
    assert party("DAHDI/1000-1", lines) == ("trunk", str(line))
    assert party("DAHDI/994-1", lines) == party("DAHDI/pseudo-1234", lines) == ("other", None)
    assert party("PJSIP/8002-0000000a", lines) == ("phone", "8002")


@pytest.mark.parametrize("path, body, field", [
    ("/hardware/spans/33", {"signalling": "pri_cpe"}, "span"),               # more spans than the cards have
    ("/hardware/spans/0", {"signalling": "pri_cpe"}, "span"),
    ("/hardware/spans/1", {"signalling": "pri_net", "timing": 1}, "timing"),  # a timing source loop
    ("/hardware/spans/1", {"signalling": "mfcr2", "framing": "ccs"}, "framing"),
    ("/hardware/spans/1", {"signalling": "mfcr2", "r2_variant": "xx"}, "r2_variant"),
    ("/hardware/spans/1", {"signalling": "mfcr2", "r2_category": "national_subscriber\nx=1"}, "r2_category"),
    ("/hardware/spans/1", {"signalling": "pri_cpe", "trunk": 999}, "trunk"),
    ("/hardware/spans/1", {"signalling": "isdn"}, "signalling"),
    ("/hardware/spans/1", {"signalling": "unused", "timing": 2}, "timing"),
    ("/hardware/ports/9", {"kind": "fxs"}, "port"),
    ("/hardware/ports/1", {"kind": "fxs", "extension": "9999"}, "extension"),
    ("/hardware/ports/1", {"kind": "fxs", "extension": "8001;x"}, "extension"),
    ("/hardware/ports/1", {"kind": "fxo", "extension": "8001"}, "extension"),
    ("/hardware/ports/1", {"kind": "fxs", "trunk": 1}, "trunk"),
    ("/hardware/ports/1", {"kind": "bri"}, "kind"),
])
def test_bad_settings_are_refused_by_field_and_change_nothing(box, path, body, field):
    before = files(box)
    r = box.put(path, body)
    assert (r.status, r.json["field"]) == (422, field), r
    assert files(box) == before


def test_two_trunks_on_one_span_a_clock_priority_twice_and_mixed_trunks_are_refused(box):
    first, second = dahdi_trunk(box, "First"), dahdi_trunk(box, "Second")
    assert box.put("/hardware/spans/1", {"signalling": "pri_cpe", "timing": 1, "trunk": first}).status == 200
    before = files(box)
    r = box.put("/hardware/spans/1", {"signalling": "pri_cpe", "timing": 1, "trunk": second})
    assert (r.status, r.json["field"]) == (422, "trunk"), r
    r = box.put("/hardware/spans/2", {"signalling": "pri_cpe", "timing": 1})
    assert (r.status, r.json["field"]) == (422, "timing"), r
    r = box.put("/hardware/ports/8", {"kind": "fxo", "trunk": first})
    assert (r.status, r.json["field"]) == (422, "trunk"), r
    assert files(box) == before and box.get("/hardware/spans/1").json["trunk"] == first
    r = box.delete(f"/trunks/{first}")
    assert r.status == 409 and "span 1" in r.json["error"], r
    r = box.put(f"/trunks/{first}", {"name": "First", "kind": "sip", "host": "sip.example.net"})
    assert (r.status, r.json["field"]) == (422, "kind"), r


def test_a_sip_trunk_still_needs_its_host(box):
    r = box.post("/trunks", {"name": "Provider"})
    assert (r.status, r.json["field"]) == (422, "host"), r


def test_scan_again_looks_at_the_devices_now(box):
    """The unit test host has no telephony card: a fresh scan replaces the simulated one."""
    assert box.get("/hardware").json["cards"]
    r = box.post("/hardware/scan", {})
    assert r.status == 200 and r.json["cards"] == [] and r.json["dahdi"] is False, r
    assert box.get("/hardware").json["cards"] == []


def test_software_spans_are_refused_where_dahdi_cannot_make_them(box, monkeypatch):
    from appliance.hardware import kmod, manager

    monkeypatch.setattr(manager, "module_loaded", lambda name: False)
    monkeypatch.setattr(kmod, "load", lambda driver: f"modprobe {driver}: module not found")
    before = files(box)
    r = box.patch("/settings", {"software_spans": True})
    assert (r.status, r.json["field"]) == (422, "software_spans"), r
    assert "module not found" in r.json["error"]
    assert box.get("/settings").json["software_spans"] is False and files(box) == before


def test_software_spans_are_two_e1_spans_after_the_cards_without_span_lines(box, monkeypatch):
    from appliance.hardware import kmod, manager

    loaded = []
    monkeypatch.setattr(manager, "module_loaded", lambda name: name in loaded)
    monkeypatch.setattr(kmod, "load", lambda driver: loaded.append(driver))
    monkeypatch.setattr(manager.udev, "devices", lambda: [te820(n) for n in (3, 4, 5, 6)])
    r = box.patch("/settings", {"software_spans": True})
    assert r.status == 200 and loaded == ["dahdi_dynamic_loc"], r
    card = box.get("/hardware").json["cards"][-1]
    assert (card["profile"], card["driver_loaded"]) == ("software-loop", True)
    assert [(s["span"], s["first_channel"]) for s in card["spans"]] == [(33, 32 * 31 + 1), (34, 33 * 31 + 1)]
    assert box.put("/hardware/spans/1", {"signalling": "pri_cpe"}).status == 200
    assert box.put("/hardware/spans/33", {"signalling": "pri_net"}).status == 200
    system = files(box)["dahdi-system.conf"]
    # The dynamic spans come first (dahdi_cfg makes them), the card's span has its line, theirs none.
    assert system.index("dynamic=loc,1:0,31,0\ndynamic=loc,1:1,31,0\n") < system.index("span=1,0,0,ccs,hdb3,crc4")
    assert "span=33" not in system and "bchan=993-1007,1009-1023\ndchan=1008\n" in system
    assert "channel => 993-1007,1009-1023" in files(box)["chan_dahdi.conf"]


def test_software_spans_bring_looped_fxs_and_fxo_ports_after_the_cards(box, monkeypatch):
    """With the setting, the software card also has 8 analog ports after the cards' (here four
    TE820s: none): 4 FXS ports each wired to an FXO port (1 to 5, ...), on a second looped pair of
    dynamic spans after the E1 pair; an FXS port serves an extension, its partner is a line of an
    analog trunk. With the setting off they go, from the scan and from DAHDI's and chan_dahdi's
    files."""
    from appliance.hardware import kmod, manager

    loaded = []
    monkeypatch.setattr(manager, "module_loaded", lambda name: name in loaded)
    monkeypatch.setattr(kmod, "load", lambda driver: loaded.append(driver))
    monkeypatch.setattr(manager.udev, "devices", lambda: [te820(n) for n in (3, 4, 5, 6)])
    assert box.patch("/settings", {"software_spans": True}).status == 200
    card = box.get("/hardware").json["cards"][-1]
    assert card["profile"] == "software-loop"
    first = 34 * 31 + 1  # after 32 card spans and the 2 software E1 spans
    assert [(p["port"], p["channel"], p["kinds"], p["looped_to"]) for p in card["ports"]] == [
        (1, first, ["fxs"], 5), (2, first + 1, ["fxs"], 6), (3, first + 2, ["fxs"], 7), (4, first + 3, ["fxs"], 8),
        (5, first + 4, ["fxo"], 1), (6, first + 5, ["fxo"], 2), (7, first + 6, ["fxo"], 3), (8, first + 7, ["fxo"], 4)]
    trunk = dahdi_trunk(box, "Looped line")
    r = box.put("/hardware/ports/5", {"kind": "fxs", "extension": "8001"})
    assert (r.status, r.json["field"]) == (422, "kind"), r  # the FXO side of the loop has no FXS module
    assert box.put("/hardware/ports/1", {"kind": "fxs", "extension": "8001"}).status == 200
    r = box.put("/hardware/ports/5", {"kind": "fxo", "trunk": trunk})
    assert r.status == 200 and (r.json["trunk"], r.json["looped_to"]) == (trunk, 1), r
    system, chan = files(box)["dahdi-system.conf"], files(box)["chan_dahdi.conf"]
    assert "dynamic=loc,2:0,4,0\ndynamic=loc,2:1,4,0\n" in system
    assert f"fxoks={first}\n" in system and f"fxsks={first + 4}\n" in system
    assert f"channel => {first}\n" in chan and f"channel => {first + 4}\n" in chan
    assert box.get(f"/trunks/{trunk}").json["ports"] == [5]
    assert box.patch("/settings", {"software_spans": False}).status == 200
    assert box.get("/hardware").json["cards"][-1]["profile"] == "digium-te820"
    system, chan = files(box)["dahdi-system.conf"], files(box)["chan_dahdi.conf"]
    assert "dynamic" not in system and "fxoks" not in system and "fxsks" not in system
    assert f"channel => {first}" not in chan


def test_an_extension_on_an_fxs_port_is_not_deleted_under_it(box):
    assert box.put("/hardware/ports/1", {"kind": "fxs", "extension": "8001"}).status == 200
    r = box.delete("/extensions/8001")
    assert r.status == 409 and "analog port 1" in r.json["error"], r
    assert box.get("/extensions/8001").status == 200
    assert box.put("/hardware/ports/1", {"kind": "fxs"}).status == 200
    assert box.delete("/extensions/8001").status in (200, 204)


def test_a_dahdi_trunk_is_down_when_all_its_spans_are_in_alarm(box, tmp_path):
    """GET /trunks/{id}'s status for an E1 trunk follows its spans' alarms as DAHDI reports them
    (its /proc/dahdi as a directory of span files)."""
    hardware = box.box.hardware
    hardware.box.events.publish = lambda topic, **data: None
    trunk = dahdi_trunk(box, "E1 pair")
    for span in (1, 2):
        assert box.put(f"/hardware/spans/{span}", {"signalling": "pri_cpe", "trunk": trunk}).status == 200
    assert box.get(f"/trunks/{trunk}").json["status"]["reachable"] is None  # DAHDI has said nothing yet
    proc = tmp_path / "proc-dahdi"
    proc.mkdir()

    def spans(one, two):
        for n, alarm in ((1, one), (2, two)):
            (proc / str(n)).write_text(f'Span {n}: TE8/0/{n} "T8XXP (PCI) Card 0 Span {n}" HDB3/CCS/CRC4 {alarm}\n')
        hardware.poll_alarms(proc)
        return box.get(f"/trunks/{trunk}").json["status"]

    assert spans("", "") == {"registration": None, "reachable": True, "spans_in_alarm": []}
    assert spans("RED", "") == {"registration": None, "reachable": True, "spans_in_alarm": [1]}
    assert spans("RED", "YELLOW") == {"registration": None, "reachable": False, "spans_in_alarm": [1, 2]}
    listed = next(t for t in box.get("/trunks").json["items"] if t["id"] == trunk)
    assert listed["status"]["reachable"] is False
    assert spans("", "")["reachable"] is True


def test_span_alarms_are_published_when_dahdi_reports_a_change(box, tmp_path):
    """DAHDI's /proc/dahdi as a directory of span files: a span going red is published once,
    with the API's span number, and shows in the box's health for the dashboard."""
    published = []
    hardware = box.box.hardware
    hardware.box.events.publish = lambda topic, **data: published.append((topic, data))
    proc = tmp_path / "proc-dahdi"
    proc.mkdir()

    def span_file(n, alarm=""):
        (proc / str(n)).write_text(f'Span {n}: TE8/0/{n} "T8XXP (PCI) Card 0 Span {n}" HDB3/CCS/CRC4 {alarm}\n\n'
                                   f"{(n - 1) * 31 + 1} TE8/0/{n}/1 Clear (In use)\n")

    for n in range(1, 33):  # the four TE820s' spans
        span_file(n)
    assert hardware.poll_alarms(proc) == {n: [] for n in range(1, 33)}
    assert published == [("span_alarms", {"spans": [{"span": n, "alarms": []} for n in range(1, 33)]})]
    assert hardware.poll_alarms(proc) and len(published) == 1  # nothing changed: nothing sent
    span_file(2, "RED")
    hardware.poll_alarms(proc)
    assert published[-1][1]["spans"][1] == {"span": 2, "alarms": ["RED"]}
    assert hardware.health()["hardware"]["span_alarms"] == {"2": ["RED"]}


def test_a_span_dahdi_no_longer_has_is_missing_and_its_trunk_down(box, tmp_path):
    """A card pulled: its driver unregisters its spans and their /proc/dahdi files go. The span
    the scan found shows the alarm MISSING (published, in health for the dashboard) and its trunk
    is down; the span back in DAHDI clears it."""
    published = []
    hardware = box.box.hardware
    hardware.box.events.publish = lambda topic, **data: published.append((topic, data))
    trunk = dahdi_trunk(box, "E1 pulled")
    assert box.put("/hardware/spans/2", {"signalling": "pri_cpe", "trunk": trunk}).status == 200
    proc = tmp_path / "proc-dahdi"
    proc.mkdir()
    for n in range(1, 33):  # the four TE820s' spans
        (proc / str(n)).write_text(f'Span {n}: TE8/0/{n} "T8XXP (PCI) Card 0 Span {n}" HDB3/CCS/CRC4 \n')
    assert hardware.poll_alarms(proc)[2] == []
    assert box.get(f"/trunks/{trunk}").json["status"]["reachable"] is True
    (proc / "2").unlink()
    assert hardware.poll_alarms(proc)[2] == ["MISSING"]
    assert published[-1][1]["spans"][1] == {"span": 2, "alarms": ["MISSING"]}
    assert hardware.health()["hardware"]["span_alarms"] == {"2": ["MISSING"]}
    assert box.get(f"/trunks/{trunk}").json["status"] == {"registration": None, "reachable": False,
                                                          "spans_in_alarm": [2]}
    returned = []
    hardware.spans_returned.append(lambda: returned.append(1))
    (proc / "2").write_text('Span 2: TE8/0/2 "T8XXP (PCI) Card 0 Span 2" HDB3/CCS/CRC4 \n')
    hardware.poll_alarms(proc)
    assert box.get(f"/trunks/{trunk}").json["status"]["reachable"] is True
    assert returned == [1]  # the pbx gives the span its channels again


def test_spans_not_made_yet_are_not_back_when_they_come(box, tmp_path):
    """Spans DAHDI makes only after the box starts (the software spans, made before Asterisk
    starts) are missing, then there: not a card put back."""
    hardware = box.box.hardware
    hardware.box.events.publish = lambda topic, **data: None
    returned = []
    hardware.spans_returned.append(lambda: returned.append(1))
    proc = tmp_path / "proc-dahdi"
    proc.mkdir()
    assert set(map(tuple, hardware.poll_alarms(proc).values())) == {("MISSING",)}
    for n in range(1, 33):
        (proc / str(n)).write_text(f'Span {n}: TE8/0/{n} "T8XXP (PCI) Card 0 Span {n}" HDB3/CCS/CRC4 \n')
    assert hardware.poll_alarms(proc)[1] == [] and returned == []


def test_calls_on_a_pulled_span_are_ended_before_it_returns(box, tmp_path):
    """A card's driver letting go of span 2 (DAHDI says NOTOPEN, then the span goes): the pbx is
    asked once, at the first sign, to end the calls on span 2's channels (32-62), and that is
    done before the span's return reconfigures it. Span 1 going red later is its own loss."""
    hardware = box.box.hardware
    hardware.box.events.publish = lambda topic, **data: None
    done = []
    hardware.spans_lost[:] = [lambda channels: done.append(("lost", min(channels), max(channels)))]
    hardware.spans_returned[:] = [lambda: done.append(("returned",))]
    proc = tmp_path / "proc-dahdi"
    proc.mkdir()

    def span_file(n, alarm=""):
        (proc / str(n)).write_text(f'Span {n}: TE8/0/{n} "T8XXP (PCI) Card 0 Span {n}" HDB3/CCS/CRC4 {alarm}\n')

    for n in range(1, 33):
        span_file(n)
    hardware.poll_alarms(proc)
    assert done == []
    span_file(2, "NOTOPEN")
    hardware.poll_alarms(proc)
    assert done == [("lost", 32, 62)]
    (proc / "2").unlink()
    hardware.poll_alarms(proc)
    assert done == [("lost", 32, 62)]  # already ended at the first sign
    span_file(1, "RED")
    hardware.poll_alarms(proc)
    assert done[-1] == ("lost", 1, 31)
    span_file(2)
    hardware.poll_alarms(proc)
    assert done[-1] == ("returned",)


def test_a_failure_to_end_the_calls_does_not_stop_the_watch(box, tmp_path):
    hardware = box.box.hardware
    published = []
    hardware.box.events.publish = lambda topic, **data: published.append(data)

    def refuse(channels):
        raise TimeoutError("calls still up on the lost spans: DAHDI/33-1")

    hardware.spans_lost[:] = [refuse]
    proc = tmp_path / "proc-dahdi"
    proc.mkdir()
    for n in range(1, 33):
        (proc / str(n)).write_text(f'Span {n}: TE8/0/{n} "T8XXP (PCI) Card 0 Span {n}" HDB3/CCS/CRC4 \n')
    hardware.poll_alarms(proc)
    (proc / "2").unlink()
    assert hardware.poll_alarms(proc)[2] == ["MISSING"]
    assert published[-1]["spans"][1] == {"span": 2, "alarms": ["MISSING"]}
