#!/usr/bin/env python3
"""Write webui/openapi.json, the OpenAPI document of /api/v1, from the API itself.

Every route the API app registers becomes an operation: its summary from the
handler's docstring, its request body from the marshmallow schema named in
the route's `schema=` option (via apispec's marshmallow plugin), its security
from the route's `auth` and `roles`. The box serves the written file; this
generator (and apispec) is a development tool, and tests/unit/test_openapi.py
fails when the file is out of date:

    python3 scripts/openapi.py          # rewrite webui/openapi.json
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
OUT = REPO / "webui" / "openapi.json"

ERROR = {
    "type": "object",
    "required": ["error", "field"],
    "properties": {
        "error": {"type": "string"},
        "field": {"type": "string", "nullable": True},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
# What every operation may answer besides success, by its kind.
ERRORS_ALL = {"400", "401", "403", "404", "405", "413", "422", "429", "500", "503"}


class _Box:
    """Enough of a box to build the API app: routes only refer to it when called."""

    def __init__(self):
        from appliance.settings import Runtime

        self.runtime = Runtime.from_environ({"BOX_DATA": "/nonexistent"})

    pbx = events = network = callcenter = None


def build() -> dict:
    from apispec import APISpec
    from apispec.ext.marshmallow import MarshmallowPlugin

    from appliance import __version__
    from appliance.users.ratelimit import LoginLimiter
    from webui.api import make_api

    def name_of(schema) -> str:
        cls = schema if isinstance(schema, type) else type(schema)
        name = cls.__name__.removesuffix("Schema")
        return name + ("Patch" if getattr(schema, "partial", False) else "")

    spec = APISpec(
        title="Callbox API",
        version=__version__,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin(schema_name_resolver=name_of)],
        info={"description": "The JSON API of a Callbox call-center box. Writes answer once the PBX runs "
                             "the change (header Callbox-Applied), or 422 if the PBX refused it."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": "callbox_session"})
    spec.components.schema("Error", ERROR)

    api = make_api(_Box(), LoginLimiter())
    paths: dict[str, dict] = {}
    for route in api.routes:
        path = "/api/v1" + re.sub(r"<(\w+)(?::[^>]*)?>", r"{\1}", route.rule)
        paths.setdefault(path, {})[route.method.lower()] = operation(route, path)
    for path in sorted(paths):
        spec.path(path=path, operations=paths[path])
    return spec.to_dict()


def operation(route, path: str) -> dict:
    from marshmallow import Schema

    config = route.config
    doc = (route.callback.__doc__ or "").strip()
    summary = doc.splitlines()[0] if doc else route.name or f"{route.method} {route.rule}"
    op: dict = {
        "operationId": (route.name or route.callback.__name__).replace(".", "_") + "_" + route.method.lower(),
        "summary": summary,
        "tags": [path.split("/")[3]],
        "responses": {},
    }
    if doc and "\n" in doc:
        op["description"] = " ".join(line.strip() for line in doc.splitlines()[1:] if line.strip())
    params = re.findall(r"\{(\w+)\}", path)
    if params:
        op["parameters"] = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                            for p in params]
    schema = config.get("schema")
    if schema is not None and route.method in ("POST", "PUT", "PATCH"):
        if isinstance(schema, type) and issubclass(schema, Schema) and route.method == "PATCH":
            schema = schema(partial=True)
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    elif config.get("body"):
        op["requestBody"] = {"required": True, "content": {config["body"]: {"schema": {
            "type": "string", "format": "binary"}}}}
    success = config.get("success", {"POST": "201", "DELETE": "204"}.get(route.method, "200"))
    content = config.get("produces", "application/json")
    op["responses"][success] = {"description": "done"} if success in ("202", "204") and content == "application/json" \
        else {"description": "done", "content": {content: {"schema": {} if content != "application/json" else
                                                          {"type": "object"}}}}
    if route.method in ("POST", "PUT", "PATCH", "DELETE"):
        op["responses"]["409"] = {"$ref": "#/components/responses/Error"}
    for code in sorted(ERRORS_ALL):
        op["responses"][code] = {"$ref": "#/components/responses/Error"}
    if config.get("auth", True) is False:
        op["security"] = []
    else:
        op["security"] = [{"bearer": []}, {"session": []}]
        roles = config.get("roles", ("admin",))
        op["x-roles"] = list(roles)
    return op


def main() -> int:
    doc = build()
    doc.setdefault("components", {})["responses"] = {"Error": {
        "description": "an error, with the field it concerns",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
    text = json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if "--check" in sys.argv:
        return 0 if OUT.exists() and OUT.read_text() == text else 1
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(REPO)}: {len(doc['paths'])} paths")
    return 0


if __name__ == "__main__":
    sys.exit(main())
