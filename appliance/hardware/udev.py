"""Thin adapter over pyudev: the PCI and USB devices udev knows, as plain records.

Everything else in this package works on these records, so detection is the
same whether udev reads the real /sys or a simulated one (umockdev in tests).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Device:
    bus: str                # "pci" or "usb"
    path: str               # the sysfs path: stable for a slot, names the card in logs and the API
    slot: str               # PCI slot name (0000:03:00.0) or USB bus path (1-1.2)
    vendor: str             # lower-case hex, 4 digits
    device: str
    subvendor: str | None = None
    subdevice: str | None = None
    pci_class: str | None = None   # 6 hex digits, PCI only
    driver: str | None = None      # the kernel driver bound now, if any


def _split(value: str | None) -> tuple[str | None, str | None]:
    """'D161:1220' -> ('d161', '1220'), as udev's PCI_ID and PCI_SUBSYS_ID spell them."""
    if not value or ":" not in value:
        return None, None
    a, b = value.lower().split(":", 1)
    return a.zfill(4), b.zfill(4)


def _attr(dev, name: str) -> str | None:
    try:
        raw = dev.attributes.get(name)
    except (KeyError, OSError):
        return None
    if raw is None:
        return None
    text = raw.decode(errors="replace").strip().lower()
    return text[2:].zfill(4) if text.startswith("0x") else text.zfill(4)


def _pci(dev) -> Device | None:
    props = dev.properties
    vendor, device = _split(props.get("PCI_ID"))
    subvendor, subdevice = _split(props.get("PCI_SUBSYS_ID"))
    vendor = vendor or _attr(dev, "vendor")
    device = device or _attr(dev, "device")
    subvendor = subvendor or _attr(dev, "subsystem_vendor")
    subdevice = subdevice or _attr(dev, "subsystem_device")
    if not vendor or not device:
        return None
    pci_class = props.get("PCI_CLASS")
    return Device(bus="pci", path=dev.sys_path, slot=props.get("PCI_SLOT_NAME") or dev.sys_name,
                  vendor=vendor, device=device, subvendor=subvendor, subdevice=subdevice,
                  pci_class=pci_class.lower().zfill(6) if pci_class else None,
                  driver=dev.driver or props.get("DRIVER"))


def _usb(dev) -> Device | None:
    if dev.device_type != "usb_device":
        return None  # interfaces and hubs' ports repeat the device
    vendor = (dev.properties.get("ID_VENDOR_ID") or _attr(dev, "idVendor") or "").lower()
    model = (dev.properties.get("ID_MODEL_ID") or _attr(dev, "idProduct") or "").lower()
    if not vendor or not model:
        return None
    return Device(bus="usb", path=dev.sys_path, slot=dev.sys_name, vendor=vendor, device=model,
                  driver=dev.driver or dev.properties.get("DRIVER"))


READERS = {"pci": _pci, "usb": _usb}


def devices(context=None) -> list[Device]:
    """PCI and USB devices in sysfs order (the order DAHDI registers their spans)."""
    import pyudev

    context = context or pyudev.Context()
    found = []
    for bus, read in READERS.items():
        for dev in context.list_devices(subsystem=bus):
            record = read(dev)
            if record:
                found.append(record)
    return found


def watch(on_change, stop) -> None:
    """Calls on_change(action, Device-or-None) when a PCI or USB device comes, goes or gets a
    driver, until the threading.Event `stop` is set. Run it in a thread of its own.

    select.select rather than pyudev's MonitorObserver: under gevent select.poll is gone."""
    import select
    import warnings

    import pyudev

    monitor = pyudev.Monitor.from_netlink(pyudev.Context())
    for bus in READERS:
        monitor.filter_by(bus)
    monitor.start()
    while not stop.is_set():
        ready, _, _ = select.select([monitor], [], [], 1.0)
        if not ready:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            action, dev = monitor.receive_device()
        if action in ("add", "remove", "bind", "unbind"):
            read = READERS.get(dev.subsystem)
            on_change(action, read(dev) if read and action != "remove" else None)
