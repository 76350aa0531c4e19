"""The one catalogue of user-visible strings: en.json and zh.json, the same keys.

Templates call _("key", name=value); keys under "js." are what the page
scripts need, handed to them in the page (see Translator.for_scripts).
"""

from __future__ import annotations

import json
from pathlib import Path

LANGUAGES = ("en", "zh")
DEFAULT = "en"
HERE = Path(__file__).parent
CATALOGUES: dict[str, dict[str, str]] = {
    lang: json.loads((HERE / f"{lang}.json").read_text(encoding="utf-8")) for lang in LANGUAGES
}


class Translator:
    def __init__(self, lang: str):
        self.lang = lang if lang in CATALOGUES else DEFAULT
        self.strings = CATALOGUES[self.lang]

    def __call__(self, key: str, **values) -> str:
        text = self.strings.get(key) or CATALOGUES[DEFAULT].get(key) or key
        return text.format(**values) if values else text

    @property
    def html_lang(self) -> str:
        return "zh-CN" if self.lang == "zh" else "en"

    def for_scripts(self) -> dict[str, str]:
        return {k[3:]: v for k, v in self.strings.items() if k.startswith("js.")}


def from_accept_language(header: str | None) -> str | None:
    """The first language of the Accept-Language header that we have, by q order."""
    choices = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in CATALOGUES and q > 0:
            choices.append((-q, position, primary))
    return min(choices)[2] if choices else None
