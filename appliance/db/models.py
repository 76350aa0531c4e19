"""Tables of the config database. The schema itself is made by migrations.py;
tests/unit/test_db.py checks that these models match what the migrations make."""

from __future__ import annotations

from peewee import (
    AutoField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from .core import db


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class Setting(BaseModel):
    key = CharField(primary_key=True)
    value = TextField()  # JSON


class Extension(BaseModel):
    id = AutoField()
    number = CharField(unique=True)
    name = CharField()
    secret = CharField()
    email = CharField(null=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()


class Mailbox(BaseModel):
    id = AutoField()
    number = CharField(unique=True)
    name = CharField()
    pin = CharField()
    email = CharField(null=True)
    extension = ForeignKeyField(Extension, null=True, unique=True, backref="mailboxes", on_delete="RESTRICT")


class User(BaseModel):
    id = AutoField()
    username = CharField(unique=True)
    password_hash = CharField()
    role = CharField()
    extension = ForeignKeyField(Extension, null=True, backref="users", on_delete="RESTRICT")
    created_at = DateTimeField()


class Session(BaseModel):
    token_hash = CharField(primary_key=True)
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    created_at = DateTimeField()
    expires_at = DateTimeField()


class Change(BaseModel):
    """One committed change: its id is the config revision."""

    id = AutoField()
    at = DateTimeField()
    actor = CharField()
    action = CharField()
    target = CharField()
    status = CharField()  # pending | applied | rejected
    error = TextField(null=True)


class ChangeRow(BaseModel):
    id = AutoField()
    change = ForeignKeyField(Change, backref="rows", on_delete="CASCADE")
    tbl = CharField()
    row_id = TextField()  # JSON of the primary key value
    before = TextField(null=True)  # JSON of the row's columns, None when created
    after = TextField(null=True)  # None when deleted
    seq = IntegerField()


CONFIG_MODELS = [Setting, Extension, Mailbox, User]
ALL_MODELS = CONFIG_MODELS + [Session, Change, ChangeRow]
