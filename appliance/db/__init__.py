"""The config database: the box's source of truth (peewee on SQLite, WAL)."""

from .core import db, open_database, write_lock  # noqa: F401
from .journal import ChangeSet, Journal, change, journal  # noqa: F401
