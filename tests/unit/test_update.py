"""Updates: the decisions (pure) and the update manager against a fake RAUC that records calls."""

from __future__ import annotations

import io
import threading

import pytest

from appliance.settings import Runtime
from appliance.update import logic
from appliance.update.manager import UpdateError, UpdateManager


# -- decisions ----------------------------------------------------------------------------

def test_normal_boot_only_marks_good():
    assert logic.after_healthy_boot("A", None) == logic.BootOutcome("normal")


def test_trial_slot_that_came_up_is_kept():
    out = logic.after_healthy_boot("B", "B")
    assert (out.kind, out.mark_good, out.mark_other_bad, out.clear_trial) == ("updated", True, False, True)


def test_back_on_the_old_slot_means_rolled_back():
    out = logic.after_healthy_boot("A", "B")
    assert (out.kind, out.mark_good, out.mark_other_bad, out.clear_trial) == ("rolled_back", True, True, True)


def test_other_slot():
    assert logic.other_slot("A") == "B" and logic.other_slot("B") == "A"


def test_booted_slot_from_the_kernel_command_line():
    assert logic.booted_slot("root=PARTUUID=x ro rauc.slot=B quiet") == "B"
    assert logic.booted_slot("root=/dev/sda2 ro") is None


@pytest.mark.parametrize("rauc_said, expected", [
    ("Failed to verify bundle: signature verification failed: CMS_verify", "signature is not valid"),
    ("unable to get local issuer certificate", "signature is not valid"),
    ("Failed to load bundle: bundle file size too small", "not a complete update bundle"),
    ("squashfs superblock invalid", "not a complete update bundle"),
    ("Compatible mismatch: expected X", "not for this box"),
    ("something else entirely", "not an update bundle this box can install (something else entirely)"),
])
def test_rauc_errors_read_as_sentences(rauc_said, expected):
    assert expected in logic.explain_rauc_error(rauc_said)
    assert logic.explain_rauc_error(rauc_said).endswith("nothing was changed")


def test_bundle_for_another_product_is_refused():
    with pytest.raises(logic.BundleRefused, match="is for 'router-x', not for this box"):
        logic.check_bundle_info({"compatible": "router-x", "version": "1"}, "callbox-x86_64")
    assert logic.check_bundle_info({"compatible": "callbox-x86_64", "version": "2.0"}, "callbox-x86_64") == {
        "compatible": "callbox-x86_64", "version": "2.0"}


def test_progress_lines():
    assert logic.progress_of(" 40% Copying image to rootfs.1") == 40
    assert logic.progress_of("100% Installing done.") == 100
    assert logic.progress_of("installing") is None


def test_release_file():
    assert logic.parse_release('NAME=Callbox\nVERSION="1.2"\n') == {"NAME": "Callbox", "VERSION": "1.2"}


# -- the manager -------------------------------------------------------------------------

class FakeSystem:
    """RAUC, GRUB's environment and the slots, as a box has them; records what was asked."""

    def __init__(self, booted="A", trial=None, info=None, install_error=None):
        self.calls: list[tuple] = []
        self._booted = booted
        self._trial = trial
        self._info = info or {"compatible": "callbox-x86_64", "version": "2.0"}
        self.install_error = install_error

    def booted(self):
        return self._booted

    def release(self):
        return {"VERSION": "1.0"}

    def compatible(self):
        return "callbox-x86_64"

    def trial(self):
        return self._trial

    def set_trial(self, slot):
        self.calls.append(("set_trial", slot))
        self._trial = slot

    def mark_good(self):
        self.calls.append(("mark_good",))

    def mark_bad(self, slot):
        self.calls.append(("mark_bad", slot))

    def info(self, bundle):
        self.calls.append(("info", bundle.name))
        if isinstance(self._info, Exception):
            raise self._info
        return self._info

    def install(self, bundle, progress):
        self.calls.append(("install", bundle.name))
        if self.install_error:
            raise self.install_error
        progress(50, "Copying image")

    def slot_release(self, slot):
        return {"VERSION": "0.9"}

    def slot_states(self):
        return {"B": {"boot_status": "good"}}

    def announce(self, text):
        self.calls.append(("announce", text))


class Box:
    def __init__(self, tmp_path, can_reboot=True, **more):
        env = {"BOX_DATA": str(tmp_path / "data"), "BOX_RUN": str(tmp_path / "run"), **more}
        if can_reboot:
            env["BOX_CAN_REBOOT"] = "1"
        self.runtime = Runtime.from_environ(env)
        self.reboots = threading.Event()

    def health(self):
        return {"asterisk": "up"}

    def request_reboot(self):
        self.reboots.set()


def manager(tmp_path, system, can_reboot=True) -> UpdateManager:
    m = UpdateManager(Box(tmp_path, can_reboot), system=system)
    m.reboot_delay = 0
    m.load()
    return m


def test_dev_box_has_no_updates(tmp_path):
    m = manager(tmp_path, FakeSystem(), can_reboot=False)
    assert m.status() == {"available": False, "reason": m.reason}
    with pytest.raises(UpdateError):
        m.receive(io.BytesIO(b"x"), 1)


def test_confirm_on_a_normal_boot(tmp_path):
    system = FakeSystem()
    m = manager(tmp_path, system)
    assert m.confirm() == "normal"
    assert [c[0] for c in system.calls][:2] == ["mark_good", "announce"]
    assert all(c[0] == "announce" and c[1].startswith("web UI: http://") for c in system.calls[2:])
    assert m.good_marker.read_text() == "A\n"
    assert m.health()["system"] == {"slot": "A", "version": "1.0", "confirmed": True, "other_slot": "B",
                                    "other_version": None}


def test_a_box_on_https_is_checked_and_announced_there(tmp_path):
    """Port 80 only sends browsers to HTTPS there: the box asks its own HTTPS listener whether the
    web UI answers (port 80's redirect is no answer), and shows the https:// addresses."""
    import http.server
    import ssl
    import subprocess

    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=callbox",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True)

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/api/v1/health" else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Health)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        system = FakeSystem()
        m = UpdateManager(Box(tmp_path, BOX_HTTP="127.0.0.1:9", BOX_HTTPS=f"127.0.0.1:{port}"), system=system)
        m.load()
        assert m.healthy()  # over HTTPS; nothing listens on the HTTP port
        assert m.web_addresses() == [f"https://127.0.0.1:{port}/"]
        m.box.runtime = Runtime.from_environ({"BOX_DATA": str(tmp_path / "data"), "BOX_RUN": str(tmp_path / "run"),
                                              "BOX_HTTP": "127.0.0.1:9"})
        assert not m.healthy()
    finally:
        server.shutdown()


def test_confirm_after_an_update_keeps_it(tmp_path):
    system = FakeSystem(booted="B", trial="B")
    m = manager(tmp_path, system)
    assert m.confirm() == "updated"
    assert system.calls[:2] == [("mark_good",), ("set_trial", None)]
    assert m.history()["result"] == "updated"


def test_confirm_on_the_old_slot_after_a_failed_update_settles_the_rollback(tmp_path):
    system = FakeSystem(booted="A", trial="B")
    m = manager(tmp_path, system)
    assert m.confirm() == "rolled_back"
    assert system.calls[:3] == [("mark_good",), ("mark_bad", "B"), ("set_trial", None)]
    assert m.history()["result"] == "rolled_back"
    assert any(c[0] == "announce" and "rolled back" in c[1] for c in system.calls)


def wait_job(m, states):
    for _ in range(1000):
        if m.job["state"] in states:
            return m.job
        threading.Event().wait(0.01)
    raise AssertionError(m.job)


def test_install_writes_the_other_slot_sets_it_on_trial_and_reboots(tmp_path):
    system = FakeSystem()
    m = manager(tmp_path, system)
    m.confirm()
    bundle = m.receive(io.BytesIO(b"B" * 3000), 3000)
    assert bundle.read_bytes() == b"B" * 3000
    m.install_async(bundle)
    assert m.box.reboots.wait(5)
    assert [c for c in system.calls if c[0] in ("info", "install", "set_trial")] == [
        ("info", bundle.name), ("install", bundle.name), ("set_trial", "B")]
    assert m.job["state"] == "rebooting" and m.job["version"] == "2.0"
    assert m.history()["result"] == "installing" and m.history()["from_version"] == "1.0"
    assert not bundle.exists()


def test_refused_bundle_changes_nothing(tmp_path):
    system = FakeSystem(info=logic.BundleRefused("the update's signature is not valid; nothing was changed"))
    m = manager(tmp_path, system)
    m.confirm()
    bundle = m.receive(io.BytesIO(b"x" * 10), 10)
    m.install_async(bundle)
    job = wait_job(m, {"failed"})
    assert "signature is not valid" in job["message"]
    assert not [c for c in system.calls if c[0] in ("install", "set_trial")]
    assert not m.box.reboots.is_set() and not bundle.exists()


def test_failed_install_keeps_the_running_system(tmp_path):
    from appliance.update.rauc import InstallFailed

    system = FakeSystem(install_error=InstallFailed("the file is not a complete update bundle; nothing was changed"))
    m = manager(tmp_path, system)
    m.confirm()
    m.install_async(m.receive(io.BytesIO(b"x" * 10), 10))
    assert "not a complete" in wait_job(m, {"failed"})["message"]
    assert ("set_trial", "B") not in system.calls and not m.box.reboots.is_set()


def test_upload_cut_short_is_refused(tmp_path):
    m = manager(tmp_path, FakeSystem())
    m.confirm()
    with pytest.raises(UpdateError, match="cut short"):
        m.receive(io.BytesIO(b"x" * 10), 100)
    assert not list(m.workdir.glob("upload-*"))


def test_an_upload_whose_connection_breaks_is_refused_and_a_new_one_is_taken(tmp_path):
    class Broken(io.BytesIO):
        def read(self, n=-1):
            if self.tell() >= 4:
                raise BrokenPipeError(32, "Broken pipe")
            return super().read(min(n, 4))

    m = manager(tmp_path, FakeSystem())
    m.confirm()
    with pytest.raises(UpdateError, match="interrupted"):
        m.receive(Broken(b"x" * 10), 10)
    assert m.status()["job"]["state"] == "failed" and not list(m.workdir.glob("upload-*"))
    assert m.receive(io.BytesIO(b"y" * 10), 10).read_bytes() == b"y" * 10


def test_no_update_before_the_running_system_is_confirmed(tmp_path):
    m = manager(tmp_path, FakeSystem())
    with pytest.raises(UpdateError, match="not confirmed"):
        m.receive(io.BytesIO(b"x"), 1)


def test_factory_reset_leaves_the_flag_and_reboots(tmp_path):
    m = manager(tmp_path, FakeSystem())
    m.factory_reset()
    assert (m.box.runtime.paths.data / ".factory-reset").exists()
    assert m.box.reboots.wait(5)


def test_api_on_a_dev_box_answers_409(admin):
    """The unit box cannot reboot: the update routes say so."""
    assert admin.get("/system/update").json["available"] is False
    r = admin.request("POST", "/system/update", raw=b"bundle", content_type="application/octet-stream")
    assert r.status == 409 and "cannot reboot" in r.json["error"]
    r = admin.post("/system/factory-reset", {"confirm": "erase"})
    assert r.status == 409
