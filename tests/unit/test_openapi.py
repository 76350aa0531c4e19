"""The OpenAPI document: up to date, valid, complete, and true of the running API.

The last test lets schemathesis generate requests from the document (valid
and invalid ones) and send them to the real API: no answer may be a server
error, and every status and content type must be one the document names.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "webui" / "openapi.json"
sys.path.insert(0, str(REPO / "scripts"))

import openapi as generator  # noqa: E402


def test_document_is_up_to_date():
    doc = generator.build()
    doc.setdefault("components", {})["responses"] = json.loads(DOC.read_text())["components"]["responses"]
    assert json.loads(json.dumps(doc, sort_keys=True)) == json.loads(DOC.read_text()), \
        "webui/openapi.json is stale: run python3 scripts/openapi.py"


def test_document_is_valid_openapi():
    validate(json.loads(DOC.read_text()))


def test_every_route_is_documented():
    from appliance.users.ratelimit import LoginLimiter
    from webui.api import make_api

    documented = {(path, method) for path, ops in json.loads(DOC.read_text())["paths"].items() for method in ops}
    api = make_api(generator._Box(), LoginLimiter())
    registered = {("/api/v1" + re.sub(r"<(\w+)(?::[^>]*)?>", r"{\1}", r.rule), r.method.lower()) for r in api.routes}
    assert registered == documented


def test_writes_name_their_request_bodies():
    doc = json.loads(DOC.read_text())
    body = doc["paths"]["/api/v1/extensions"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema = doc["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert set(schema["required"]) == {"number", "name"}
    assert schema["properties"]["number"]["pattern"] == "^[1-9][0-9]{1,7}$"
    patch = doc["paths"]["/api/v1/trunks/{key}"]["patch"]["requestBody"]["content"]["application/json"]["schema"]
    assert "required" not in doc["components"]["schemas"][patch["$ref"].rsplit("/", 1)[1]]


# -- the API against its document ------------------------------------------------------

@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The real app on a real socket, with the real applier on a fake Asterisk, for the module."""
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
    from socketserver import ThreadingMixIn

    from appliance.db import db, open_database
    from appliance.settings import Runtime
    from tests.api import Api
    from tests.unit.conftest import FakeBox, Pbx
    from webui import make_app

    tmp = tmp_path_factory.mktemp("openapi")
    open_database(tmp / "config.db")
    db.connect(reuse_if_open=True)
    pbx = Pbx(tmp / "asterisk-config")
    pbx.boot()
    pbx.run_in_background()

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    box = FakeBox(Runtime.from_environ({"BOX_DATA": str(tmp / "data"), "BOX_RUN": str(tmp / "run")}), pbx)
    server = make_server("127.0.0.1", 0, make_app(box), server_class=Server, handler_class=Quiet)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    api = Api(f"http://127.0.0.1:{server.server_port}").sign_in("Unit-Test-Pass-99")
    for n in ("8001", "8002"):
        api.post("/extensions", {"number": n, "name": f"Desk {n}"})
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        pbx.stop()
        db.close()


def test_api_answers_as_documented(live):
    schema = schemathesis.openapi.from_dict(json.loads(DOC.read_text()))
    session = requests.Session()
    session.trust_env = False  # loopback only, never through a proxy
    base = live.base.rsplit("/api/v1", 1)[0]
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        # Signing out would end the run's session; the event stream never ends by itself.
        if operation.path in ("/api/v1/auth/logout", "/api/v1/events"):
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=10, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def answers_as_documented(case):
            response = case.call(base_url=base, session=session, headers={"Authorization": f"Bearer {live.token}"})
            assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:300]}"
            case.validate_response(response, checks=[status_code_conformance, content_type_conformance])

        answers_as_documented()
        checked += 1
    assert checked > 40
