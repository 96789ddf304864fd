"""The service's own statements store what SQLAlchemy's column types read back."""

from datetime import UTC, datetime

from sqlalchemy import select

from orbito.actions import repository
from orbito.db.engine import open_database
from orbito.db.tables import actions
from orbito.settings import Settings
from tests.db import through_sqlalchemy
from tests.factories import register_action, register_website


async def test_a_recorded_use_reads_back_as_the_moment_it_was_recorded(
    client, settings: Settings
) -> None:
    site = await register_website(client, "shop.example")
    await register_action(client, site["api_key"], "buy")
    database = open_database(settings)
    try:
        for moment in (
            datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC),
            datetime(2026, 3, 1, 12, 0, 1, 250_000, tzinfo=UTC),
        ):
            count = await database.write(repository.record_usage, site["website_id"], "buy", moment)
            stored = await through_sqlalchemy(
                settings.database_url,
                lambda connection: connection.execute(
                    select(actions.c.last_used).where(actions.c.action_id == "buy")
                ).scalar_one(),
            )
            assert stored == moment
        missing = await database.write(repository.record_usage, site["website_id"], "nope", moment)
    finally:
        await database.dispose()

    assert count == 2
    assert missing is None


async def test_a_re_registration_reads_back_as_it_was_given(client, settings: Settings) -> None:
    site = await register_website(client, "shop.example")
    await register_action(client, site["api_key"], "buy")
    moment = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    fields = {
        "intent": "kaufen",
        "description": "Legt «Bücher» in den Korb\nzweite Zeile",
        "selector": "[data-orbito-id='buy']",
        "parameters": {"menge": {"type": "integer", "default": 2, "x-extra": [1, None]}},
        "position": None,
        "meta": {"page_path": "/b\u00fccher", "nested": {"z": 1, "a": 2}},
        "registered_at": moment,
        "updated_at": moment,
    }
    database = open_database(settings)
    try:
        updated = await database.write(
            repository.update_registration, site["website_id"], "buy", fields
        )
        missing = await database.write(
            repository.update_registration, site["website_id"], "nope", fields
        )
        stored = await through_sqlalchemy(
            settings.database_url,
            lambda connection: (
                connection.execute(
                    select(*(actions.c[name] for name in fields)).where(
                        actions.c.action_id == "buy"
                    )
                )
                .one()
                ._asdict()
            ),
        )
    finally:
        await database.dispose()

    assert (updated, missing) == (True, False)
    assert stored == fields
    assert list(stored["meta"]["nested"]) == ["z", "a"]
