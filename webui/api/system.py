"""Health, first-time setup, sign-in and sign-out."""

from __future__ import annotations

from bottle import request, response

from appliance.users import service as users

from ..offload import offload
from ..plugins import clear_session_cookie, client_address, json_body


def verify(password, stored):
    return offload(users.verify_password, password, stored)


def install(api, box, limiter) -> None:
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
        user, opened = users.sign_in(data.get("username"), data.get("password"), client_address(), limiter,
                                     verifier=verify)
        return {"token": opened.token, "expires_at": opened.expires_at.isoformat() + "Z", "role": user.role}

    @api.post("/auth/logout", roles=users.ROLES)
    def logout():
        users.close_session(request.environ["callbox.token"])
        if request.environ["callbox.via"] == "cookie":
            clear_session_cookie()
        response.status = 204
