# Callbox: make run | make test | make rootfs | make bench | make disk | make boot | make image
# Run as root: a dev box mounts file systems and makes namespaces.

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
BOX := scripts/box
RUN_NAME ?= dev
export BOX_HTTP ?= 127.0.0.1:8080
export BOX_SIP ?= 127.0.0.1:5060

.PHONY: run test unit integration system rootfs bench host-deps venv stop disk boot image image-check

host-deps:
	@scripts/host-deps.sh

$(VENV)/.installed: requirements-test.txt
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if v in ((3, 11), (3, 12)) else \
		"tests need CPython 3.11 or 3.12 (the pjsua2 wheels); set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -r requirements-test.txt
	touch $@

venv: host-deps $(VENV)/.installed

rootfs: host-deps
	@$(PYTHON) scripts/rootfs.py build >/dev/null

## Start a box on this machine's network and stay attached; Ctrl-C stops it.
run: rootfs
	@$(BOX) up $(RUN_NAME) --foreground

stop:
	@$(BOX) down $(RUN_NAME)

unit: venv
	$(VPY) -m pytest -q -n 2 tests/unit

# Two at a time, a file's tests together (they share its box): most of their time is waiting on
# Asterisk, phones and timers, not CPU.
INTEGRATION := -n 2 --dist loadfile tests/integration

integration: venv rootfs
	$(VPY) -m pytest -q $(INTEGRATION)

system: venv rootfs
	$(VPY) -m pytest -q tests/system

## Everything: unit tests, then real Asterisk with real phones, then the web UI in Chromium,
## then the disk image in qemu (boot, phones, spans, updates, rollback); each layer lists its
## slowest tests. Chromium runs alone: a box made meanwhile (a veth and its address) aborts a
## page load under way with ERR_NETWORK_CHANGED.
test: venv rootfs
	$(VPY) -m pytest -q -n 2 --durations=10 tests/unit
	$(VPY) -m pytest -q --durations=10 $(INTEGRATION)
	$(VPY) -m pytest -q --durations=20 tests/browser tests/system

## The dev disk image (boot, system A, system B, data) and its update bundle, from Debian packages.
disk: host-deps
	@$(PYTHON) scripts/disk.py build

## Boot the dev disk image in qemu (KVM where it works), web and SIP forwarded to loopback.
## FRESH=1 starts over from the built image (a new box).
boot: host-deps
	@$(PYTHON) scripts/vm.py boot $(if $(FRESH),--fresh)

## The production firmware with Buildroot: make image BUILDROOT=path/to/buildroot (needs internet
## for sources). Output in $(O): images/disk.img and images/update.raucb. A release names its
## signing key with CALLBOX_RAUC_KEY and CALLBOX_RAUC_CERT; without them a development key is made.
O ?= $(CURDIR)/output
image:
	@test -n "$(BUILDROOT)" || { echo "make image: set BUILDROOT=path/to/buildroot"; exit 2; }
	$(MAKE) -C $(BUILDROOT) O=$(O) BR2_EXTERNAL=$(CURDIR)/buildroot_cfg callbox_x86_64_defconfig
	$(MAKE) -C $(BUILDROOT) O=$(O)

## Offline: the defconfig loads with the external tree and keeps every line.
image-check:
	@test -n "$(BUILDROOT)" || { echo "make image-check: set BUILDROOT=path/to/buildroot"; exit 2; }
	@scripts/image-check.sh $(BUILDROOT)

bench: venv rootfs
	$(VPY) scripts/bench.py
