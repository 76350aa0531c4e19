"""Branch upgrades pushed from headquarters: the offered bundle and each site's push (Offers),
a branch taking an offer once (Taker) on a stand-in update manager, and the routes."""

from __future__ import annotations

import hashlib
import io
import time

import pytest

from appliance.errors import Conflict, Invalid, NotFound
from appliance.sites.updates import Offers, Taker

BUNDLE = b"signed bundle " * 1000


def test_offers_store_push_and_follow_a_site(tmp_path):
    offers = Offers(tmp_path / "hq")
    assert offers.current() is None
    with pytest.raises(Conflict):
        offers.push(2)
    with pytest.raises(Invalid):  # cut short: nothing offered
        offers.store(io.BytesIO(BUNDLE[:10]), len(BUNDLE))
    assert offers.current() is None and not list((tmp_path / "hq").glob("*.part"))
    meta = offers.store(io.BytesIO(BUNDLE), len(BUNDLE))
    assert meta["sha256"] == hashlib.sha256(BUNDLE).hexdigest() and meta["size"] == len(BUNDLE)

    assert offers.offer(2, None) is None  # not pushed: nothing offered
    entry = offers.push(2)
    offer = offers.offer(2, None)
    assert offer == {"push": entry["push"], "sha256": meta["sha256"], "size": len(BUNDLE)}
    assert offers.offer(3, None) is None
    # What the branch says of this push is kept; of another push, not.
    offers.offer(2, {"push": "0" * 16, "state": "failed", "message": "old"})
    assert offers.state(2)["state"] == "pushed"
    offers.offer(2, {"push": entry["push"], "state": "installing", "message": None})
    assert offers.state(2)["state"] == "installing"
    with offers.open_for(meta["sha256"]) as f:
        assert f.read() == BUNDLE
    # Another bundle uploaded since: the old push is no longer offered, nor its file served.
    offers.store(io.BytesIO(b"other" * 10), 50)
    assert offers.offer(2, None) is None
    with pytest.raises(NotFound):
        offers.open_for(meta["sha256"])
    offers.forget(2)
    assert offers.state(2) is None


class StandInUpdates:
    """The update manager's side a branch uses: take, install_async, job, confirmed, history."""

    def __init__(self, refuse: str | None = None):
        self.refuse = refuse
        self.job = {"state": "idle"}
        self.confirmed = True
        self.release = {"VERSION": "1.0"}
        self.taken: list[bytes] = []
        self._history: dict = {}

    def take(self, path):
        if self.refuse:
            raise RuntimeError(self.refuse)
        self.taken.append(path.read_bytes())
        return path

    def install_async(self, bundle):
        self.job = {"state": "checking"}

    def history(self):
        return self._history


def offer_for(data: bytes, push: str = "a" * 16) -> dict:
    return {"push": push, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def taker(tmp_path, served: bytes, updates) -> tuple[Taker, list]:
    fetched = []

    def fetch(offer, path):
        fetched.append(offer["push"])
        path.write_bytes(served)
        return hashlib.sha256(served).hexdigest(), len(served)

    return Taker(tmp_path / "branch", fetch, lambda: updates), fetched


def settle(t: Taker) -> None:
    deadline = time.monotonic() + 5
    while t.current.get("state") == "fetching" or t._busy.locked():
        assert time.monotonic() < deadline, "the taker did not finish"
        time.sleep(0.01)


def test_a_branch_takes_a_push_once_and_follows_its_update_manager(tmp_path):
    updates = StandInUpdates()
    t, fetched = taker(tmp_path, BUNDLE, updates)
    assert t.reported() is None
    t.offered(offer_for(BUNDLE))
    settle(t)
    assert updates.taken == [BUNDLE] and t.reported() == {"push": "a" * 16, "state": "installing", "message": None}
    t.offered(offer_for(BUNDLE))  # the same push again: not fetched again
    settle(t)
    assert fetched == ["a" * 16]
    updates.job = {"state": "rebooting", "version": "1.1"}
    assert t.reported()["state"] == "rebooting"
    # After the reboot (a new taker over the same directory): the running system says how it went.
    after = StandInUpdates()
    after.release, after._history = {"VERSION": "1.1"}, {"result": "updated", "installed_at": time.time()}
    t2 = Taker(tmp_path / "branch", None, lambda: after)
    assert t2.reported() == {"push": "a" * 16, "state": "installed", "message": "1.1"}


def restarted(tmp_path, history: dict, confirmed: bool = True) -> Taker:
    """A new taker over the branch's directory, as after a restart: its update manager's job idle."""
    after = StandInUpdates()
    after._history, after.confirmed = history, confirmed
    return Taker(tmp_path / "branch", None, lambda: after)


def test_a_reboot_no_report_saw_coming_is_settled_by_the_running_system(tmp_path):
    """The install and its reboot between two reports (10 s apart): the branch said installing last,
    and after the restart the running system says how it ended, once it is confirmed good."""
    updates = StandInUpdates()
    t, _ = taker(tmp_path, BUNDLE, updates)
    t.offered(offer_for(BUNDLE))
    settle(t)
    assert t.reported()["state"] == "installing"
    installed = time.time()
    # Not confirmed yet: nothing said of the outcome.
    assert restarted(tmp_path, {"result": "rolled_back", "installed_at": installed},
                     confirmed=False).reported()["state"] == "installing"
    doc = restarted(tmp_path, {"result": "rolled_back", "installed_at": installed}).reported()
    assert doc["state"] == "rolled_back" and "did not become healthy" in doc["message"], doc


def test_a_restart_before_the_update_was_written_is_a_failure(tmp_path):
    updates = StandInUpdates()
    t, _ = taker(tmp_path, BUNDLE, updates)
    t.offered(offer_for(BUNDLE))
    settle(t)
    # The last install the running system knows is an earlier one (the power went while it wrote).
    doc = restarted(tmp_path, {"result": "updated", "installed_at": time.time() - 3600}).reported()
    assert doc["state"] == "failed" and "before the update was written" in doc["message"], doc


def test_a_restart_while_fetching_is_a_failure_to_push_again(tmp_path):
    t, _ = taker(tmp_path, BUNDLE, StandInUpdates())
    t._set(push="b" * 16, state="fetching", message=None)  # as a fetch left it when the box went down
    doc = restarted(tmp_path, {}).reported()
    assert doc == {"push": "b" * 16, "state": "failed",
                   "message": "the box restarted while it fetched the bundle; push it again"}


def test_the_update_managers_refusal_is_reported(tmp_path):
    for job, expect in (({"state": "failed", "message": "the update's signature is not valid"}, "signature"),):
        updates = StandInUpdates()
        t, _ = taker(tmp_path / "ok", BUNDLE, updates)
        t.offered(offer_for(BUNDLE))
        settle(t)
        updates.job = job
        assert t.reported()["state"] == "failed" and expect in t.reported()["message"]
    t, _ = taker(tmp_path / "dev", BUNDLE, StandInUpdates(refuse="not on a dev box"))
    t.offered(offer_for(BUNDLE))
    settle(t)
    doc = t.reported()
    assert doc["state"] == "failed" and "fetched intact" in doc["message"] and "not on a dev box" in doc["message"]


def test_a_changed_file_is_refused_before_the_update_manager_sees_it(tmp_path):
    updates = StandInUpdates()
    tampered = bytearray(BUNDLE)
    tampered[100] ^= 1
    t, _ = taker(tmp_path, bytes(tampered), updates)
    t.offered(offer_for(BUNDLE))
    settle(t)
    assert updates.taken == [] and t.reported()["state"] == "failed"
    assert "not the bundle headquarters offered" in t.reported()["message"]
    assert not list((tmp_path / "branch").glob("*.raucb"))


@pytest.mark.parametrize("offer", [{"push": "x" * 16, "sha256": "0" * 64, "size": 1},
                                   {"push": "a" * 16, "sha256": "0" * 63, "size": 1},
                                   {"push": "a" * 16, "sha256": "0" * 64, "size": True},
                                   {"push": "a" * 16, "sha256": "0" * 64, "size": 2 ** 40},
                                   {"push": "a" * 16}, "garbage"])
def test_an_offer_not_understood_is_ignored(tmp_path, offer):
    t, fetched = taker(tmp_path, BUNDLE, StandInUpdates())
    t.offered(offer if isinstance(offer, dict) else {"push": offer})
    assert fetched == [] and t.reported() is None


def test_routes_at_headquarters(admin):
    assert admin.get("/sites/update-bundle").status == 404
    r = admin.request("POST", "/sites/update-bundle", raw=BUNDLE, content_type="application/octet-stream")
    assert r.status == 200 and r.json["sha256"] == hashlib.sha256(BUNDLE).hexdigest(), r
    assert admin.get("/sites/update-bundle").json["size"] == len(BUNDLE)
    assert admin.post("/sites/99/update").status == 404
    # An unknown site or a wrong secret gets nothing.
    r = admin.post("/sites/update-bundle/fetch", {"number": 2, "secret": "x", "sha256": "0" * 64})
    assert r.status == 404
