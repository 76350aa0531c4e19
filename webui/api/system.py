"""Health, first-time setup and sign-in."""

from __future__ import annotations

from bottle import response

from appliance.users import service as users

from ..offload import offload
from ..plugins import json_body


def install(api, box) -> None:
    @api.get("/health", auth=False)
    def health():
        return box.health()

    @api.get("/setup", auth=False)
    def setup_state():
        return {"configured": users.configured()}

    @api.post("/setup", auth=False)
    def setup():
        data = json_body()
        password = data.get("admin_password") if isinstance(data, dict) else None
        users.setup(password, hasher=lambda p: offload(users.hash_password, p))
        response.status = 201
        return {"configured": True}

    @api.post("/auth/login", auth=False)
    def login():
        data = json_body()
        if not isinstance(data, dict):
            data = {}
        user = users.authenticate(data.get("username"), data.get("password"),
                                  verifier=lambda p, h: offload(users.verify_password, p, h))
        token, expires = users.open_session(user)
        return {"token": token, "expires_at": expires.isoformat() + "Z", "role": user.role}

    @api.post("/auth/logout", roles=users.ROLES)
    def logout():
        from bottle import request

        users.close_session(request.environ["callbox.token"])
        response.status = 204
