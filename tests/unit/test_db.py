"""The config database: migrations make what the models expect; WAL; newer schemas refused."""

from __future__ import annotations

import sqlite3

import pytest

from appliance.db import db, open_database
from appliance.db.migrations import MIGRATIONS, migrate
from appliance.db.models import ALL_MODELS


def test_models_match_the_migrated_schema(config_db):
    for model in ALL_MODELS:
        table = model._meta.table_name
        columns = {row[1]: row for row in db.execute_sql(f"PRAGMA table_info({table})").fetchall()}
        assert columns, f"migrations make no table {table}"
        fields = {f.column_name: f for f in model._meta.sorted_fields}
        assert set(columns) == set(fields), f"{table}: schema {sorted(columns)} vs model {sorted(fields)}"
        for name, field in fields.items():
            notnull = bool(columns[name][3])
            assert notnull == (not field.null) or field.primary_key, f"{table}.{name}: NOT NULL differs"


def test_database_uses_wal_and_foreign_keys(config_db):
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_migrating_twice_changes_nothing(config_db):
    assert migrate(db) == MIGRATIONS[-1][0]
    assert db.execute_sql("SELECT COUNT(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "config.db"
    open_database(path)
    db.close()
    with sqlite3.connect(path) as con:
        con.execute("INSERT INTO schema_version (version, description) VALUES (999, 'from the future')")
    with pytest.raises(RuntimeError, match="newer than this software"):
        open_database(path)


def test_database_file_is_private(tmp_path):
    open_database(tmp_path / "config.db")
    db.close()
    assert (tmp_path / "config.db").stat().st_mode & 0o077 == 0
