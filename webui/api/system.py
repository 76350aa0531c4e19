"""Health, first-time setup, sign-in and sign-out."""

from __future__ import annotations

from bottle import request, response

from appliance.users import service as users

from ..plugins import clear_session_cookie, client_address, hash_password, json_body, verify_password

def install(api, box, limiter) -> None:
    @api.get("/health", auth=False)
    def health():
        """The box's health: status ok or degraded, Asterisk, resources, phones, config apply state."""
        return box.health()

    @api.get("/setup", auth=False)
    def setup_state():
        """Whether the box has its administrator yet."""
        return {"configured": users.configured()}

    @api.post("/setup", auth=False, schema={"type": "object", "required": ["admin_password"],
                                            "properties": {"admin_password": {"type": "string"}}})
    def setup():
        """Set the administrator's password, once, on a fresh box (409 afterwards)."""
        data = json_body()
        password = data.get("admin_password") if isinstance(data, dict) else None
        users.setup(password, hasher=hash_password)
        response.status = 201
        return {"configured": True}

    @api.post("/auth/login", auth=False, success="200", schema={
        "type": "object", "required": ["username", "password"],
        "properties": {"username": {"type": "string"}, "password": {"type": "string"}}})
    def login():
        """Sign in; gives a bearer token. Five wrong passwords for one user from one address in a minute get 429, for a delay that doubles with each further failure."""
        data = json_body()
        if not isinstance(data, dict):
            data = {}
        user, opened = users.sign_in(data.get("username"), data.get("password"), client_address(), limiter,
                                     verifier=verify_password)
        return {"token": opened.token, "expires_at": opened.expires_at.isoformat() + "Z", "role": user.role}

    @api.post("/auth/logout", roles=users.ROLES, success="204")
    def logout():
        """Close this session."""
        users.close_session(request.environ["callbox.token"])
        if request.environ["callbox.via"] == "cookie":
            clear_session_cookie()
        response.status = 204
