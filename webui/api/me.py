"""/me: the signed-in user, as every page and client needs it."""

from __future__ import annotations

from appliance.errors import Invalid
from appliance.users import service as users

from ..plugins import current_user, json_body


def me_dict(box, user) -> dict:
    ext = user.extension
    own = None
    if ext is not None:
        own = {"number": ext.number, "name": ext.name,
               "registration": None if box.pbx.error else box.pbx.registration(ext.number)}
    return {"username": user.username, "role": user.role, "language": user.language, "extension": own}


def install(api, box) -> None:
    @api.get("/me", roles=users.ROLES)
    def get_me():
        """The signed-in user."""
        return me_dict(box, current_user())

    @api.patch("/me", roles=users.ROLES, schema={"type": "object", "properties": {
        "language": {"type": "string", "enum": ["en", "zh"]}}})
    def patch_me():
        """Change the signed-in user's language."""
        data = json_body()
        if not isinstance(data, dict):
            raise Invalid('send a JSON object, such as {"language": "zh"}')
        for field in sorted(data):
            if field != "language":
                raise Invalid(f"{field}: cannot be changed here", field)
        if "language" in data:
            users.set_language(current_user(), data["language"])
        return me_dict(box, current_user())
