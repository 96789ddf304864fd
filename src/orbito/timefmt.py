"""The contract's one timestamp format: UTC, milliseconds, and a `Z`."""

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Now, truncated to the millisecond so that what is stored is what is shown."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def iso_utc(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"
