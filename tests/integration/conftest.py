"""Dev box instances for integration tests: real Asterisk, real SIP phones.

Each test module gets its own box in its own network namespace; the phones
run in this process, bound to the host end of the box's veth pair. The box is
torn down (processes, mounts, namespace, data) however the module ends.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.api import Api

REPO = Path(__file__).resolve().parents[2]
BOX = REPO / "scripts" / "box"
ADMIN_PASSWORD = "Test-Admin-Pass-77"


def box_cli(*args: str, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([str(BOX), *args], check=check, text=True, capture_output=True, timeout=timeout)


# Run inside the box by BoxInstance.ami: the supervisor's AMI account, on loopback there.
AMI_ACTION = """
import json, socket, sys
secret = open("/data/secrets/ami").read().strip()
f = socket.create_connection(("127.0.0.1", 5038), timeout=10).makefile("rwb")
f.readline()
def send(fields):
    f.write("".join(f"{k}: {v}\\r\\n" for k, v in fields.items()).encode() + b"\\r\\n"); f.flush()
    out, block, listing = [], {}, False
    while True:
        line = f.readline().decode().rstrip("\\r\\n")
        if line:
            k, _, v = line.partition(": ")
            block[k] = v
            continue
        if block.get("ActionID") == fields["ActionID"]:
            out.append(block)
            listing = listing or block.get("EventList") == "start"
            if not listing or block.get("EventList") == "Complete":
                return out
        block = {}
send({"Action": "Login", "Username": "callbox", "Secret": secret, "Events": "off", "ActionID": "1"})
print(json.dumps(send({**json.loads(sys.argv[1]), "ActionID": "2"})))
"""


class BoxInstance:
    def __init__(self, name: str, info: dict):
        self.name = name
        self.url = info["url"]
        self.https_url = info.get("https_url")
        self.sip = info["sip"]
        self.host_ip = info["host_ip"]
        self.box_ip = info["box_ip"]
        self.api = Api(self.url)

    def exec(self, *cmd: str, check: bool = True) -> str:
        r = box_cli("exec", self.name, "--", *cmd, check=False)
        if check and r.returncode != 0:
            raise AssertionError(f"{cmd} failed in box: {r.stdout}{r.stderr}")
        return r.stdout

    def asterisk(self, cli: str) -> str:
        return self.exec("asterisk", "-rx", cli)

    def ami(self, action: str, **fields: str) -> list[dict]:
        """One AMI action sent inside the box: its response, then the events of its list."""
        return json.loads(self.exec("python3", "-c", AMI_ACTION, json.dumps({"Action": action, **fields})))

    def contacts(self, aor: str) -> list[dict]:
        """The AOR's contacts as Asterisk lists them (PJSIPShowContacts): Uri, Status, ..."""
        from appliance.pbx.live import contact_aor

        return [ev for ev in self.ami("PJSIPShowContacts")[1:]
                if ev.get("Event") == "ContactList" and contact_aor(ev) == aor]

    def health(self) -> dict:
        return self.api.get("/health").json

    def wait_health(self, predicate, timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            try:
                health = self.health()
                if predicate(health):
                    return health
            except OSError:
                health = None
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; last health: {health}")
            time.sleep(0.1)

    def state(self) -> dict:
        return json.loads((Path(os.environ.get("CALLBOX_STATE", "/var/lib/callbox-dev/boxes"))
                           / self.name / "state.json").read_text())

    @property
    def data(self) -> Path:
        """The box's /data as this host sees it (read it without a process in the box)."""
        return Path(os.environ.get("CALLBOX_STATE", "/var/lib/callbox-dev/boxes")) / self.name / "data"

    def logs(self) -> str:
        return box_cli("logs", self.name, check=False).stdout

    def data_file(self, relative: str) -> Path:
        """A file of the box's data directory (/data inside the box), read from this side."""
        return Path(os.environ.get("CALLBOX_STATE", "/var/lib/callbox-dev/boxes")) / self.name / "data" / relative

    def certificate_pem(self) -> bytes:
        """The certificate the box serves over HTTPS and SIP TLS (with its chain)."""
        return self.data_file("tls/box.crt").read_bytes()


def start_box(name: str, env: tuple[str, ...] = ()) -> BoxInstance:
    """`env`: BOX_NAME=VALUE settings for the box's supervisor (such as BOX_NETWORK=1)."""
    extra = [arg for item in env for arg in ("--env", item)]
    r = box_cli("up", name, "--net", "ns", "--timeout", "90", *extra, check=False)
    if r.returncode != 0:
        logs = box_cli("logs", name, check=False).stdout
        box_cli("down", name, "--purge", check=False)
        raise RuntimeError(f"box up failed: {r.stderr}\n--- box log ---\n{logs[-4000:]}")
    return BoxInstance(name, json.loads(r.stdout.strip().splitlines()[-1]))


def box_sound(relative: str) -> Path:
    """A prompt file as the box has it (made at build time, in the rootfs's app layer)."""
    layers = json.loads(subprocess.run(["python3", str(REPO / "scripts" / "rootfs.py"), "path"],
                                       check=True, capture_output=True, text=True).stdout)
    return Path(layers["app"]) / relative


ARTIFACTS = REPO / "tests" / "artifacts"


def stop_box(name: str) -> None:
    """Down and purge, keeping the box's logs in tests/artifacts for a failure's post-mortem."""
    state = Path(os.environ.get("CALLBOX_STATE", "/var/lib/callbox-dev/boxes")) / name
    ARTIFACTS.mkdir(exist_ok=True)
    for src, suffix in ((state / "console.log", "console"), (state / "data/log/asterisk/messages.log", "asterisk")):
        if src.exists():
            (ARTIFACTS / f"{name}-{suffix}.log").write_bytes(src.read_bytes()[-500_000:])
    r = box_cli("down", name, "--purge", check=False)
    assert r.returncode == 0, f"box down failed: {r.stderr}"


@pytest.fixture(scope="module")
def box():
    with running_box() as instance:
        yield instance


@contextmanager
def running_box(env: tuple[str, ...] = ()):
    """A box for a module, started with `env` (see start_box) and torn down however the module ends."""
    if os.geteuid() != 0:
        pytest.skip("integration tests run as root (they make namespaces and mounts)")
    name = f"t-{secrets.token_hex(4)}"
    instance = start_box(name, env)
    try:
        yield instance
    finally:
        stop_box(name)


@pytest.fixture(scope="module")
def api(box) -> Api:
    return Api(box.url).sign_in(ADMIN_PASSWORD)


@pytest.fixture(scope="module")
def sip(box, tmp_path_factory):
    from tests.phones import SipStack

    stack = SipStack(box.host_ip, tmp_path_factory.mktemp("sip"))
    try:
        yield stack
    finally:
        stack.close()
