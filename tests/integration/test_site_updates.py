"""Branch upgrades pushed from headquarters, between two boxes joined through an "internet"
namespace of the test's own (as test_sites.py): headquarters offers an uploaded bundle to an
enrolled branch, the branch fetches it at its next report over pinned HTTPS, checks its digest,
hands it to its own update manager and reports back; the Sites page shows the state.

What only the disk image can show: a box instance has no system slots, so its update manager
refuses every bundle (it says so, and the branch reports that reason with the fetch's result);
the signature check, the install into the other slot, the reboot and the rollback run on the
qemu image (tests/system). Here: the offer, the fetch through the pinned HTTPS, the digest
check refusing a bundle changed after upload, the refusal of a wrong site secret, and the state
back at headquarters."""

from __future__ import annotations

import hashlib
import os

from tests.api import Api
from tests.integration.conftest import ADMIN_PASSWORD
from tests.integration.test_sites import HQ_PUBLIC, boxes  # noqa: F401 - the two boxes and their internet
from tests.wgpeer import wait_for

BUNDLE = os.urandom(300_000)


def site_update(hq, site_id):
    return next(s for s in hq.get("/sites").json["items"] if s["id"] == site_id)["update"]


def test_a_pushed_upgrade_is_fetched_checked_and_reported(boxes):
    hq_box, branch_box, _net = boxes
    hq = Api(hq_box.url).sign_in(ADMIN_PASSWORD)
    branch = Api(branch_box.url).sign_in(ADMIN_PASSWORD)
    assert hq.put("/vpn", {"address": "10.99.0.1/24", "public_address": HQ_PUBLIC}).status == 200
    r = hq.post("/sites", {"name": "Branch", "extensions": "2000-2099"})
    assert r.status == 201, r
    site_id, code = r.json["id"], r.json["code"]
    # Nothing to push before a bundle is uploaded, nor to a branch that has not enrolled.
    assert hq.post(f"/sites/{site_id}/update").status == 409
    r = hq.request("POST", "/sites/update-bundle", raw=BUNDLE, content_type="application/octet-stream")
    assert r.status == 200 and r.json["sha256"] == hashlib.sha256(BUNDLE).hexdigest(), r
    assert hq.post(f"/sites/{site_id}/update").status == 409
    assert branch.post("/enrol", {"code": code}, timeout=30).status == 200

    # Pushed: at its next report the branch fetches the bundle through the pinned HTTPS, finds it
    # intact, and its update manager (no system slots in a box instance) refuses it with its reason.
    r = hq.post(f"/sites/{site_id}/update")
    assert r.status == 202 and r.json["state"] == "pushed", r
    update = wait_for(lambda: (lambda u: u if u["state"] == "failed" else None)(site_update(hq, site_id)), 40,
                      "the branch's answer to the push")
    assert "fetched intact" in update["message"] and hashlib.sha256(BUNDLE).hexdigest()[:16] in update["message"]
    assert "booted from its disk" in update["message"], update
    assert not list((branch_box.data / "update-pushed").glob("*.raucb"))  # nothing left behind

    # The bundle changed on headquarters' disk after its upload: the branch refuses what it gets.
    stored = hq_box.data_file("site-updates/bundle.raucb")
    data = bytearray(stored.read_bytes())
    data[1000] ^= 0xFF
    stored.write_bytes(bytes(data))
    push = hq.post(f"/sites/{site_id}/update").json
    assert push["state"] == "pushed"
    update = wait_for(lambda: (lambda u: u if u["state"] == "failed" and u["at"] >= push["at"] and
                               "not the bundle" in (u["message"] or "") else None)(site_update(hq, site_id)), 40,
                      "the branch refusing the changed bundle")
    assert "nothing was changed" in update["message"]

    # The bundle is served to an enrolled site with its secret only.
    r = Api(hq_box.url).post("/sites/update-bundle/fetch", {"number": 2, "secret": "wrong",
                                                           "sha256": hashlib.sha256(BUNDLE).hexdigest()})
    assert r.status == 404, r
