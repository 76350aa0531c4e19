"""/phones: claimed desk phones by MAC with their extension and template; the phones that
asked unclaimed; new provisioning secrets for a phone."""

from __future__ import annotations

from appliance.errors import Unavailable
from appliance.provisioning import service
from appliance.provisioning.schema import PhoneSchema

from ..plugins import client_address, current_user
from .apply import settle
from .crud import install_crud

STAFF = ("admin", "supervisor")


def install(api, box) -> None:
    def manager():
        found = getattr(box, "provisioning", None)
        if found is None or found.error:
            raise Unavailable("provisioning is not running")
        return found

    def view(phone) -> dict:
        prov = manager()
        doc = service.to_dict(phone, prov.base_url(client_address()))
        doc["last_fetch"] = prov.fetched.get(phone.mac)
        return doc

    install_crud(api, box, "/phones", service, view, lambda p: p.mac, schema=PhoneSchema, roles=STAFF)

    @api.get("/phones/asking", roles=STAFF)
    def asking():
        """Phones that asked for their file (or sent a PnP SUBSCRIBE) and are not claimed, newest
        first; `provision_url` is the address to give phones (DHCP option 66)."""
        return {"items": service.asking(), "provision_url": manager().base_url(client_address())}

    @api.post("/phones/<mac>/secrets", roles=STAFF, success="200")
    def new_secrets(mac):
        """A new token and digest password for the phone: its old address and credentials stop working."""
        phone, revision = service.new_secrets(mac, current_user().username)
        settle(box, revision)
        return view(service.get(phone.mac))
