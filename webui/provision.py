"""/provision: desk phones fetch their files here (appliance/provisioning/serving.py decides).

A Bottle app of its own, mounted beside the API: no sign-in, no pages' error pages, plain
answers a phone can read; failures feed the ban engine as web sign-in failures do.
"""

from __future__ import annotations

from bottle import Bottle, HTTPResponse, request

from appliance.provisioning import serving

from .plugins import Database, client_address, count_failure


def make_provision(box) -> Bottle:
    app = Bottle()
    app.install(Database())

    def plain(err):
        return f"{err.status_code}\n"

    for code in (400, 404, 405, 500):
        app.error(code)(plain)

    def manager():
        found = getattr(box, "provisioning", None)
        return None if found is None or found.error else found

    def answer(result: serving.Answer, account: str) -> HTTPResponse:
        address = client_address()
        if result.failure:
            count_failure(box, address, account, result.failure, service_="provisioning")
        if result.served and (prov := manager()) is not None:
            prov.served(result.served, address or "", request.get_header("User-Agent", ""))
        return HTTPResponse(result.body or f"{result.status}\n", status=result.status,
                            headers={"Content-Type": result.content_type, "Cache-Control": "no-store",
                                     **result.headers})

    @app.get("/<file>")
    def unclaimed(file):
        return answer(serving.unclaimed(file, request.get_header("User-Agent", ""), client_address() or ""), file)

    @app.get("/<token>/<file>")
    def claimed(token, file):
        prov = manager()
        if prov is None:
            return HTTPResponse("503\n", status=503)
        server, port = prov.sip_server(client_address())
        path = request.fullpath + (f"?{request.query_string}" if request.query_string else "")
        return answer(serving.claimed(prov.digest, token, file, request.get_header("Authorization"), path,
                                      server, port), token[:8])

    return app
