"""/system-prompts: the prompts the box and Asterisk say, and the owner's recordings in their place."""

from __future__ import annotations

from bottle import request, response, static_file

from appliance import audio
from appliance.errors import Invalid
from appliance.fields import LANGUAGES
from appliance.prompts import replacements

MAX_LISTED = 2000


def install(api, box) -> None:
    def sources() -> replacements.Sources:
        return box.pbx.prompt_sources

    @api.get("/system-prompts/<language>")
    def list_system_prompts(language):
        """Every prompt in a language (`q` filters by name), and whether it is replaced."""
        if language not in LANGUAGES:
            raise Invalid(f"language: must be one of {', '.join(LANGUAGES)}", "language")
        q = request.query.get("q", "").strip()
        if len(q) > 60:
            raise Invalid("q: 60 characters at most", "q")
        stock = replacements.stock(sources(), language)
        ours = replacements.replaced(sources(), language)
        names = [n for n in sorted(stock) if q in n]
        return {"items": [{"name": n, "language": language, "replaced": n in ours} for n in names[:MAX_LISTED]],
                "total": len(names)}

    @api.get("/system-prompts/<language>/<name:path>", produces="audio/wav")
    def get_system_prompt(language, name):
        """The prompt as callers hear it now (the replacement, or the stock file)."""
        found = replacements.playable(sources(), language, name)
        mimetype = "audio/wav" if found.suffix == ".wav" else "application/octet-stream"
        return static_file(found.name, root=str(found.parent), mimetype=mimetype)

    @api.put("/system-prompts/<language>/<name:path>", body="application/octet-stream")
    def put_system_prompt(language, name):
        """Replace a prompt: the body is the audio file itself (WAV or MP3). Callers hear it at once."""
        if request.content_length > audio.MAX_BYTES:
            raise Invalid(f"file: larger than {audio.MAX_BYTES // 2**20} MB", "file")
        seconds = replacements.replace(sources(), language, name, request.body.read(audio.MAX_BYTES + 1))
        return {"name": name, "language": language, "replaced": True, "seconds": seconds}

    @api.delete("/system-prompts/<language>/<name:path>")
    def reset_system_prompt(language, name):
        """Back to the stock prompt."""
        replacements.reset(sources(), language, name)
        response.status = 204
