"""The database manager: opens and migrates the config database."""

from __future__ import annotations

from ..supervisor import Manager
from .core import db, open_database
from .models import Extension


class DatabaseManager(Manager):
    name = "database"
    needs = ("settings",)

    def load(self) -> None:
        open_database(self.box.runtime.paths.config_db)

    def stop(self) -> None:
        db.close()

    def health(self) -> dict:
        with db.connection_context():
            return {"phones_configured": Extension.select().count()}
