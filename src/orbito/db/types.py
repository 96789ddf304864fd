"""Column types that behave the same on SQLite and PostgreSQL."""

from datetime import UTC, datetime

import orjson
from sqlalchemy import JSON, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out; SQLite keeps them naive, so UTC is put back on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# On PostgreSQL this is the plain `json` type, which keeps keys in the order the client sent
# them, as `jsonb` would not.
JSONDocument = JSON(none_as_null=True)

# How SQLAlchemy's engines write and read JSON documents: as `orbito.db.sql` does on SQLite.
JSON_CODEC = {
    "json_serializer": lambda value: orjson.dumps(value).decode(),
    "json_deserializer": orjson.loads,
}
