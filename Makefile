# Callbox: make run | make test | make rootfs | make bench
# Run as root: a dev box mounts file systems and makes namespaces.

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
BOX := scripts/box
RUN_NAME ?= dev
export BOX_HTTP ?= 127.0.0.1:8080
export BOX_SIP ?= 127.0.0.1:5060

.PHONY: run test unit integration rootfs bench host-deps venv stop

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
	$(VPY) -m pytest -q tests/unit

integration: venv rootfs
	$(VPY) -m pytest -q tests/integration

## Everything: unit tests, then real Asterisk with real phones, then the web UI in Chromium.
test: venv rootfs
	$(VPY) -m pytest -q tests/unit tests/integration tests/browser

bench: venv rootfs
	$(VPY) scripts/bench.py
