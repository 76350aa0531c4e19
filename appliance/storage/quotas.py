"""How full the box's stores are against their quotas: logs, voicemail, recordings.

What the box does past a quota differs by store: rotated logs are deleted
(rotation.enforce_quota), the oldest recordings are deleted by the call-center
sweep (callcenter/recordings.py), and voicemail, the callers' words, is never
deleted by the box. All three are reported the same way: near (90 %) or over.
"""

from __future__ import annotations

from dataclasses import dataclass

from .rotation import MB, usage

NEAR = 0.9
STORES = ("logs", "voicemail", "recordings")


@dataclass(frozen=True)
class Usage:
    store: str
    used: int
    quota: int

    @property
    def state(self) -> str:
        if self.used > self.quota:
            return "over"
        if self.used >= self.quota * NEAR:
            return "near"
        return "ok"

    def to_dict(self) -> dict:
        return {"used": self.used, "quota": self.quota, "state": self.state,
                "percent": round(100.0 * self.used / self.quota, 1) if self.quota else None}


def quotas(settings) -> dict[str, int]:
    return {"logs": settings.log_quota_mb * MB, "voicemail": settings.voicemail_quota_mb * MB,
            "recordings": settings.recording_quota_mb * MB}


def measure(paths, settings) -> dict[str, Usage]:
    roots = {"logs": paths.log, "voicemail": paths.voicemail, "recordings": paths.recordings}
    limits = quotas(settings)
    return {store: Usage(store, usage(roots[store]), limits[store]) for store in STORES}
