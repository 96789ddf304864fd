"""The service's own statements store what SQLAlchemy's column types read back."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from orbito.actions import repository
from orbito.db.engine import open_database
from orbito.db.tables import actions, usage_days
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


async def test_uses_counted_together_are_counted_as_one_after_another(
    client, settings: Settings
) -> None:
    site = await register_website(client, "shop.example")
    for action_id in ("buy", "other"):
        await register_action(client, site["api_key"], action_id)
    first_day = datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC)
    second_day = datetime(2026, 3, 2, 0, 0, 1, tzinfo=UTC)
    website_id = site["website_id"]
    uses = [
        (website_id, "buy", first_day),
        (website_id, "buy", second_day),
        (website_id, "nope", second_day),
        (website_id, "other", first_day),
        (website_id, "buy", second_day.replace(second=2)),
    ]
    database = open_database(settings)
    try:
        counts = await database.write(repository.record_usage.batch, uses)
    finally:
        await database.dispose()
    stored = await through_sqlalchemy(
        settings.database_url,
        lambda connection: (
            connection.execute(
                select(actions.c.action_id, actions.c.usage_count, actions.c.last_used)
            ).all(),
            connection.execute(
                select(actions.c.action_id, usage_days.c.day, usage_days.c.count)
                .join(actions, actions.c.id == usage_days.c.action_pk)
                .order_by(actions.c.action_id, usage_days.c.day)
            ).all(),
        ),
    )

    assert counts == [1, 2, None, 1, 3]
    assert sorted(stored[0]) == [
        ("buy", 3, second_day.replace(second=2)),
        ("other", 1, first_day),
    ]
    assert stored[1] == [
        ("buy", date(2026, 3, 1), 1),
        ("buy", date(2026, 3, 2), 2),
        ("other", date(2026, 3, 1), 1),
    ]
