"""First-time setup, sign-in and sessions (API tokens and browser cookies alike)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import NamedTuple

from ..db import change, write_lock
from ..db.journal import utcnow
from ..db.models import Session, User
from ..errors import Conflict, Invalid, Unauthorized
from .passwords import check_strength, hash_password, verify_password
from .ratelimit import LoginLimiter, TooManyAttempts

#: A department user sees the tickets dispatched to their department, and nothing else.
ROLES = ("admin", "supervisor", "agent", "department")
LANGUAGES = ("en", "zh")
SESSION_HOURS = 12
# Compared against when the user does not exist, so timing does not tell.
_DUMMY_HASH = hash_password("not-a-real-password")


def configured() -> bool:
    return User.select().where(User.role == "admin").exists()


def setup(admin_password, hasher=hash_password) -> User:
    reason = check_strength(admin_password)
    if reason:
        raise Invalid(f"admin_password: {reason}", "admin_password")
    hashed = hasher(admin_password)
    with change("setup", "setup", "admin", settled=True) as cs:
        if configured():
            raise Conflict("the box is already set up")
        return cs.create(User, username="admin", password_hash=hashed, role="admin", created_at=utcnow())


def authenticate(username, password, verifier=verify_password) -> User:
    if not isinstance(username, str) or not isinstance(password, str):
        raise Invalid("username and password are required")
    user = User.get_or_none(User.username == username)
    ok = verifier(password, user.password_hash if user else _DUMMY_HASH)
    if user is None or not ok:
        raise Unauthorized("wrong user name or password")
    return user


class OpenSession(NamedTuple):
    token: str
    csrf_token: str
    expires_at: dt.datetime


def sign_in(username, password, address: str | None, limiter: LoginLimiter,
            verifier=verify_password) -> tuple[User, OpenSession]:
    """authenticate() behind the limiter (per address and user pair, and per address), then a new session."""
    keys = limiter.keys(address, username)
    try:
        limiter.check(keys)
    except TooManyAttempts:
        limiter.report_failure(address, username)  # guessing on while shut counts all the more
        raise
    try:
        user = authenticate(username, password, verifier)
    except Unauthorized:
        limiter.failed(keys)
        limiter.report_failure(address, username)
        raise
    limiter.succeeded(address, user.username)
    return user, open_session(user)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User) -> OpenSession:
    """A new session; only digests of its token are kept, so a copy of the
    database does not sign anyone in. Its CSRF token is for browsers."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + dt.timedelta(hours=SESSION_HOURS)
    with write_lock:
        Session.delete().where(Session.expires_at < now).execute()
        Session.create(token_hash=_digest(token), user=user, created_at=now, expires_at=expires, csrf_token=csrf)
    return OpenSession(token, csrf, expires)


def session_for_token(token: str) -> Session | None:
    """The live session of this token, its user joined in."""
    return (Session.select(Session, User).join(User)
            .where(Session.token_hash == _digest(token), Session.expires_at > utcnow()).first())


def close_session(token: str) -> None:
    with write_lock:
        Session.delete().where(Session.token_hash == _digest(token)).execute()


def set_language(user: User, language) -> User:
    if language not in LANGUAGES:
        raise Invalid(f"language: must be one of {', '.join(LANGUAGES)}", "language")
    # Renders into nothing Asterisk loads, but stays in the audit log.
    with change(user.username, "user.language", user.username, settled=True) as cs:
        cs.update(user, language=language)
    return user
