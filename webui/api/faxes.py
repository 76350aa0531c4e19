"""Received faxes: GET /faxes (paged), GET /faxes/{id}, its PDF, DELETE."""

from __future__ import annotations

from bottle import request, response, static_file

from appliance.fax import store

from .extensions import _int

STAFF = ("admin", "supervisor")


def install(api, box) -> None:
    @api.get("/faxes", roles=STAFF)
    def list_faxes():
        """Faxes received, newest first: page, per_page (at most 500). Each says who sent it, to which
        number, how many pages arrived, whether it was received whole (status received, partial or
        failed, with the error) and whether a voice route passed it on (detected)."""
        page, per_page = max(_int("page", 1), 1), min(max(_int("per_page", 50), 1), 500)
        rows, total = store.listing(page, per_page)
        return {"items": [store.to_dict(f) for f in rows], "page": page, "per_page": per_page, "total": total}

    @api.get("/faxes/<fax_id>", roles=STAFF)
    def get_fax(fax_id):
        """One fax's record."""
        return store.to_dict(store.get(fax_id))

    @api.get("/faxes/<fax_id>/pdf", roles=STAFF, produces="application/pdf")
    def fax_pdf(fax_id):
        """The pages received, as PDF (404 when none arrived); download=1 to save it."""
        fax = store.get(fax_id)
        path = store.pdf_of(fax)
        return static_file(path.name, root=str(path.parent), mimetype="application/pdf",
                           download=f"fax-{fax.id}.pdf" if request.query.get("download") else False)

    @api.delete("/faxes/<fax_id>", roles=STAFF, success="204")
    def delete_fax(fax_id):
        """Delete a fax and its PDF."""
        store.delete(fax_id)
        response.status = 204
