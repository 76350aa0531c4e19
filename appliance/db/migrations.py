"""Schema migrations, from the first release on.

Each migration is frozen DDL (not generated from today's models, which change),
applied in order inside a transaction and recorded in schema_version, so a box
updated across several releases walks every step exactly once and a crash in
the middle leaves the previous version intact.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "initial schema: settings, extensions, mailboxes, users, sessions, journal",
        [
            """CREATE TABLE setting (
                key VARCHAR(255) NOT NULL PRIMARY KEY,
                value TEXT NOT NULL)""",
            """CREATE TABLE extension (
                id INTEGER NOT NULL PRIMARY KEY,
                number VARCHAR(255) NOT NULL UNIQUE,
                name VARCHAR(255) NOT NULL,
                secret VARCHAR(255) NOT NULL,
                email VARCHAR(255),
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL)""",
            """CREATE TABLE mailbox (
                id INTEGER NOT NULL PRIMARY KEY,
                number VARCHAR(255) NOT NULL UNIQUE,
                name VARCHAR(255) NOT NULL,
                pin VARCHAR(255) NOT NULL,
                email VARCHAR(255),
                extension_id INTEGER UNIQUE REFERENCES extension (id) ON DELETE RESTRICT)""",
            """CREATE TABLE user (
                id INTEGER NOT NULL PRIMARY KEY,
                username VARCHAR(255) NOT NULL UNIQUE,
                password_hash VARCHAR(255) NOT NULL,
                role VARCHAR(255) NOT NULL,
                extension_id INTEGER REFERENCES extension (id) ON DELETE RESTRICT,
                created_at DATETIME NOT NULL)""",
            "CREATE INDEX user_extension_id ON user (extension_id)",
            """CREATE TABLE session (
                token_hash VARCHAR(255) NOT NULL PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES user (id) ON DELETE CASCADE,
                created_at DATETIME NOT NULL,
                expires_at DATETIME NOT NULL)""",
            "CREATE INDEX session_user_id ON session (user_id)",
            # AUTOINCREMENT: a revision number is never reused, even after pruning.
            """CREATE TABLE change (
                id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
                at DATETIME NOT NULL,
                actor VARCHAR(255) NOT NULL,
                action VARCHAR(255) NOT NULL,
                target VARCHAR(255) NOT NULL,
                status VARCHAR(255) NOT NULL,
                error TEXT)""",
            "CREATE INDEX change_status ON change (status)",
            """CREATE TABLE change_row (
                id INTEGER NOT NULL PRIMARY KEY,
                change_id INTEGER NOT NULL REFERENCES change (id) ON DELETE CASCADE,
                tbl VARCHAR(255) NOT NULL,
                row_id TEXT NOT NULL,
                before TEXT,
                after TEXT,
                seq INTEGER NOT NULL)""",
            "CREATE INDEX change_row_change_id ON change_row (change_id)",
        ],
    ),
]


def current_version(database) -> int:
    database.execute_sql(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY,"
        " description TEXT NOT NULL, applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP)"
    )
    row = database.execute_sql("SELECT MAX(version) FROM schema_version").fetchone()
    return row[0] or 0


def migrate(database) -> int:
    version = current_version(database)
    known = MIGRATIONS[-1][0]
    if version > known:
        raise RuntimeError(
            f"config database is at schema {version}, newer than this software ({known})"
        )
    for number, description, statements in MIGRATIONS:
        if number <= version:
            continue
        with database.atomic():
            for sql in statements:
                database.execute_sql(sql)
            database.execute_sql(
                "INSERT INTO schema_version (version, description) VALUES (?, ?)",
                (number, description),
            )
        log.info("config database migrated to schema %d: %s", number, description)
        version = number
    return version
