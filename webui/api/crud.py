"""The five routes of a config resource, over its service module.

A service offers listing(), get(key), create(data, actor) -> (row, revision),
update(key, data, actor, partial=) -> (row, revision or None) and
delete(key, actor) -> revision; every write answers once the PBX runs it.
"""

from __future__ import annotations

from typing import Callable

from bottle import request, response

from ..plugins import current_user, json_body
from .apply import settle


def install_crud(api, box, path: str, service, to_dict: Callable, key: Callable, *, schema=None,
                 roles=("admin",), read_roles=None, create=None, delete=None) -> None:
    """`roles` may do everything; `read_roles` (by default the same) may list and read."""
    item = f"{path}/<key>"
    read_roles = read_roles or roles
    create = create or (lambda data, actor: service.create(data, actor))
    delete = delete or (lambda k, actor: service.delete(k, actor))

    def actor() -> str:
        return current_user().username

    def list_items():
        """All of them."""
        return {"items": [to_dict(row) for row in service.listing()]}

    def create_item():
        """Create one; it is live when this answers."""
        row, revision = create(json_body(), actor())
        settle(box, revision)
        response.status = 201
        response.set_header("Location", f"/api/v1{path}/{key(row)}")
        return to_dict(service.get(key(row)))

    def get_item(key):
        """One of them."""
        return to_dict(service.get(key))

    def change_item(key):
        """Replace (PUT) or change some fields (PATCH)."""
        row, revision = service.update(key, json_body(), actor(), partial=request.method == "PATCH")
        settle(box, revision)
        return to_dict(service.get(key))

    def delete_item(key):
        """Delete one; refused while something still refers to it."""
        settle(box, delete(key, actor()))
        response.status = 204

    name = path.strip("/").replace("-", "_")
    api.route(path, "GET", list_items, name=f"{name}.list", roles=read_roles)
    api.route(path, "POST", create_item, name=f"{name}.create", roles=roles, schema=schema)
    api.route(item, "GET", get_item, name=f"{name}.get", roles=read_roles)
    api.route(item, ["PUT", "PATCH"], change_item, name=f"{name}.change", roles=roles, schema=schema)
    api.route(item, "DELETE", delete_item, name=f"{name}.delete", roles=roles)
