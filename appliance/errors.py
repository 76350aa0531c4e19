"""Errors that services raise and the API turns into JSON with a status code."""

from __future__ import annotations


class BoxError(Exception):
    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details: list | None = None  # per-item problems of a bulk request

    def to_dict(self) -> dict:
        doc = {"error": self.message, "field": self.field}
        if self.details is not None:
            doc["errors"] = self.details
        return doc


class Invalid(BoxError):
    status = 422


class NotFound(BoxError):
    status = 404


class Conflict(BoxError):
    status = 409


class Unauthorized(BoxError):
    status = 401


class Forbidden(BoxError):
    status = 403


class Rejected(BoxError):
    """Asterisk refused what the change rendered to; the change was undone."""

    status = 422


class Unavailable(BoxError):
    status = 503
