"""Routes for trunks, ring groups, IVRs, prompts, inbound and outbound routes, users."""

from __future__ import annotations

from bottle import request, response, static_file

from appliance.errors import Invalid, NotFound
from appliance.blacklist import service as blacklist
from appliance.conferences import service as conferences
from appliance.conferences.schema import ConferenceSchema
from appliance.ivrs import service as ivrs
from appliance.permissions import service as permissions
from appliance.ivrs.schema import IvrSchema
from appliance.paging import service as paging
from appliance.prompts import service as prompts
from appliance.ringgroups import service as ringgroups
from appliance.ringgroups.schema import RingGroupSchema
from appliance.speeddials import service as speeddials
from appliance.routes import inbound, outbound
from appliance.timeconditions import ical
from appliance.timeconditions import service as timeconditions
from appliance.timeconditions.schema import TimeConditionSchema
from appliance.trunks import service as trunks
from appliance.trunks.schema import TrunkSchema
from appliance.users import admin as users
from appliance.users.passwords import hash_password

from ..offload import offload
from ..plugins import current_user, json_body
from .apply import settle
from .crud import install_crud


def install(api, box) -> None:
    def trunk_view(t):
        if t.kind == "dahdi":  # its lines are the box's spans: up or down as their alarms say
            hardware = getattr(box, "hardware", None)
            ok = hardware is not None and not hardware.error
            return trunks.to_dict(t, hardware.trunk_status(trunks.span_numbers(t)) if ok else None)
        return trunks.to_dict(t, box.pbx.trunk_status(t.id) if not box.pbx.error else None)

    install_crud(api, box, "/trunks", trunks, trunk_view, lambda t: t.id, schema=TrunkSchema)
    install_crud(api, box, "/ring-groups", ringgroups, ringgroups.to_dict, lambda g: g.number,
                 schema=RingGroupSchema)
    install_crud(api, box, "/paging-groups", paging, paging.to_dict, lambda g: g.number,
                 schema=paging.PagingGroupSchema)
    install_crud(api, box, "/ivrs", ivrs, ivrs.to_dict, lambda i: i.id, schema=IvrSchema)
    install_crud(api, box, "/inbound-routes", inbound, inbound.to_dict, lambda r: r.id,
                 schema=inbound.InboundRouteSchema)
    install_crud(api, box, "/outbound-routes", outbound, outbound.to_dict, lambda r: r.id,
                 schema=outbound.OutboundRouteSchema)

    install_crud(api, box, "/blacklist", blacklist, blacklist.to_dict, lambda e: e.id,
                 schema=blacklist.BlacklistSchema, roles=("admin", "supervisor"))
    install_crud(api, box, "/speed-dials", speeddials, speeddials.to_dict, lambda s: s.code,
                 schema=speeddials.SpeedDialSchema, roles=("admin", "supervisor"))
    install_crud(api, box, "/conferences", conferences, conferences.to_dict, lambda c: c.number,
                 schema=ConferenceSchema, read_roles=("admin", "supervisor"))
    # Supervisors assign classes to extensions: they may read them, not change them.
    install_crud(api, box, "/permission-classes", permissions, permissions.to_dict, lambda c: c.name,
                 schema=permissions.PermissionClassSchema, read_roles=("admin", "supervisor"))
    install_crud(api, box, "/time-conditions", timeconditions, timeconditions.to_dict, lambda c: c.id,
                 schema=TimeConditionSchema)

    @api.post("/time-conditions/<key>/holidays", body="text/calendar", success="200")
    def import_holidays(key):
        """An iCalendar file as the body: its all-day events become holidays (closed days)."""
        tc, revision, added = timeconditions.import_holidays(key, request.body.read(ical.MAX_BYTES + 1),
                                                             current_user().username)
        settle(box, revision)
        return {**timeconditions.to_dict(tc), "added": added}

    def hasher(password):
        return offload(hash_password, password)

    install_crud(
        api, box, "/users", _UsersService(hasher), users.to_dict, lambda u: u.id, schema=users.UserSchema,
        create=lambda data, actor: users.create(data, actor, hasher=hasher),
        delete=lambda key, actor: users.delete(key, actor, current_user_id=current_user().id),
    )
    _prompts(api, box)


class _UsersService:
    """users.admin with password hashing kept off the event loop."""

    def __init__(self, hasher):
        self.hasher = hasher
        self.listing, self.get = users.listing, users.get

    def update(self, key, data, actor, *, partial):
        return users.update(key, data, actor, partial=partial, hasher=self.hasher)


def _prompts(api, box) -> None:
    root = box.runtime.paths.prompts

    @api.get("/prompts")
    def list_prompts():
        """All prompts."""
        return {"items": [prompts.to_dict(p) for p in prompts.listing()]}

    @api.post("/prompts", body="multipart/form-data")
    def create_prompt():
        """multipart/form-data with `name` and `file` (WAV or MP3), or JSON {"name"} for one
        to record from a phone with the code in the answer's record_code."""
        if (request.content_type or "").startswith("multipart/form-data"):
            upload = request.files.get("file")
            if upload is None:
                raise Invalid("file: choose a WAV or MP3 file", "file")
            data = upload.file.read(prompts.audio.MAX_BYTES + 1)
            # sox runs as a child process, which gevent waits on without blocking the box.
            prompt, revision = prompts.create(request.forms.getunicode("name"), data, root, current_user().username)
        else:
            body = json_body()
            name = body.get("name") if isinstance(body, dict) else None
            prompt, revision = prompts.create(name, None, root, current_user().username)
        settle(box, revision)
        response.status = 201
        response.set_header("Location", f"/api/v1/prompts/{prompt.id}")
        return prompts.to_dict(prompts.get(prompt.id))

    @api.get("/prompts/<key>")
    def get_prompt(key):
        """One prompt."""
        return prompts.to_dict(prompts.get(key))

    @api.get("/prompts/<key>/audio", produces="audio/wav")
    def prompt_audio(key):
        """The prompt's audio as WAV."""
        prompt = prompts.get(key)
        path = prompts.audio_path(root, prompt)
        if prompt.duration <= 0 or not path.is_file():
            raise NotFound(f"prompt {prompt.id} has no audio yet")
        return static_file(path.name, root=str(path.parent), mimetype="audio/wav")

    @api.delete("/prompts/<key>")
    def delete_prompt(key):
        """Delete a prompt no IVR plays."""
        settle(box, prompts.delete(key, root, current_user().username))
        response.status = 204
