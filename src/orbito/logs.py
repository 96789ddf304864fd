"""Structured logging: dotted event names, fields as extras, the request id on every line."""

import asyncio
import logging
import math
import re
import sys
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import NamedTuple, TextIO

import orjson

from orbito.settings import Settings

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# Access lines held for the loop's next turn are written at once past this many.
MAX_HELD_LINES = 512

# Attributes every LogRecord has; anything else on a record was passed as a field.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}


def _fields(record: logging.LogRecord) -> dict[str, object]:
    fields = {key: value for key, value in record.__dict__.items() if key not in _STANDARD}
    request_id = getattr(record, "request_id", None)
    if request_id:
        fields["request_id"] = request_id
    return fields


class Throttle:
    """Says when an event that repeats on every request is due to be logged again."""

    def __init__(self, interval_seconds: float) -> None:
        self.interval = interval_seconds
        self._last = -math.inf

    def due(self) -> bool:
        now = time.monotonic()
        if now - self._last < self.interval:
            return False
        self._last = now
        return True

    def reset(self) -> None:
        self._last = -math.inf


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def _moment(created: float) -> str:
    """The time as `datetime.isoformat` writes it to the millisecond, in UTC."""
    global _last_second
    # Rounded to the microsecond as `datetime.fromtimestamp` rounds it.
    fraction, whole = math.modf(created)
    second, within = divmod(int(whole) * 1_000_000 + round(fraction * 1_000_000), 1_000_000)
    # The lines of one second share its date and time of day, written once: they cost 2 µs.
    # One tuple, replaced whole, so that a thread never reads one second's text for another.
    last = _last_second
    if last[0] != second:
        last = _last_second = (
            second,
            datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        )
    return f"{last[1]}.{within // 1000:03d}+00:00"


_last_second: tuple[int | None, str] = (None, "")


class LogLine(NamedTuple):
    """What a line says: a record's parts, or the access log's, which it makes without one."""

    created: float
    level: str
    logger: str
    event: str
    fields: dict[str, object]
    exception: str | None = None


class LineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        exception = self.formatException(record.exc_info) if record.exc_info else None
        line = LogLine(
            record.created,
            record.levelname,
            record.name,
            record.getMessage(),
            _fields(record),
            exception,
        )
        return self.render(line)

    def render(self, line: LogLine) -> str:
        raise NotImplementedError


class JSONFormatter(LineFormatter):
    def render(self, line: LogLine) -> str:
        document: dict[str, object] = {
            "time": _moment(line.created),
            "level": line.level,
            "logger": line.logger,
            "event": line.event,
            **line.fields,
        }
        if line.exception:
            document["exception"] = line.exception
        return _json_line(orjson.dumps(document, default=str).decode())


# JSON may hold these raw, but some readers of logs end a line at each of them.
_LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def _json_line(text: str) -> str:
    """JSON text with the line breaks it may hold raw written as escapes."""
    return text if text.isascii() else text.translate(_LINE_BREAKS)


def _text_value(text: str) -> str:
    """A value for a key=value line, quoted and escaped when it could break or forge a line."""
    if text and not _NEEDS_QUOTES.search(text):
        return text
    return _json_line(orjson.dumps(text).decode())


# Anything but visible ASCII, and of that `"`, `=` and `\`: one class, which searches five
# times faster than the same set written as alternatives.
_NEEDS_QUOTES = re.compile(r"[^!#-<>-\[\]-~]")


class TextFormatter(LineFormatter):
    def render(self, line: LogLine) -> str:
        fields = line.fields
        texts = [str(value) for value in fields.values()]
        # Usually no value needs quoting, which one search of them all together tells: the
        # pattern matches single characters, so it finds one in the whole if it is in a part.
        if all(texts) and not _NEEDS_QUOTES.search("".join(texts)):
            pairs = " ".join([f"{key}={text}" for key, text in zip(fields, texts, strict=True)])
        else:
            pairs = " ".join(
                [f"{key}={_text_value(text)}" for key, text in zip(fields, texts, strict=True)]
            )
        text = f"{_moment(line.created)} {line.level:<7} {line.logger} {line.event} {pairs}"
        text = text.rstrip()
        return f"{text}\n{line.exception}" if line.exception else text


class _OrbitoHandler(logging.StreamHandler):
    """Ours, so that configuring again replaces it and leaves other handlers alone.

    Access lines written from the event loop are held until the loop's next turn and then
    written together: one system call for all the requests the turn answered, where one each
    was a sixth of a cached request's cost. A turn lasts milliseconds at most, and a record
    logged meanwhile writes the held lines before its own, so the order stays true.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._held: list[str] = []
        self._held_for: asyncio.AbstractEventLoop | None = None

    def write_line(self, line: str) -> None:
        """Write a line made without a record, as `emit` writes a record's."""
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        with self.lock:  # type: ignore[union-attr]
            if loop is not self._held_for or len(self._held) >= MAX_HELD_LINES:
                # A loop that ended before its turn came leaves its lines for the next writer.
                self._write_held()
            self._held.append(line)
            if loop is None:
                self._write_held()
            elif self._held_for is None:
                self._held_for = loop
                loop.call_soon(self.flush)

    def emit(self, record: logging.LogRecord) -> None:
        self._write_held()
        super().emit(record)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._write_held()
            super().flush()

    def _write_held(self) -> None:
        """Write the held lines; the caller holds the lock, or is the only thread left."""
        lines, self._held, self._held_for = self._held, [], None
        if not lines:
            return
        try:
            self.stream.write(self.terminator.join(lines) + self.terminator)
            super().flush()
        except Exception:
            self.handleError(logging.makeLogRecord({"msg": lines[0]}))


def direct_handler(logger: logging.Logger, level: int) -> _OrbitoHandler | None:
    """Our handler, when a record of `logger` at `level` would reach it and nothing else.

    The access log writes a line a request; made without a LogRecord and the logging module's
    dispatch, it costs half as much. Anything else listening (a test's capture, an added
    handler or filter) takes the ordinary way.
    """
    parent = logger.parent
    if (
        parent is None
        or not logger.isEnabledFor(level)
        or logger.handlers
        or logger.filters
        or not logger.propagate
        or parent.filters
        or parent.propagate
        or len(parent.handlers) != 1
    ):
        return None
    handler = parent.handlers[0]
    if (
        type(handler) is not _OrbitoHandler
        or handler.level > level
        or len(handler.filters) != 1
        or not isinstance(handler.formatter, LineFormatter)
    ):
        return None
    return handler


def configure_logging(settings: Settings) -> None:
    # Records need no thread, process or caller details; gathering them costs every request.
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    # Python 3.12 added this one; on 3.11 setting it does nothing.
    logging.logAsyncioTasks = False  # type: ignore[attr-defined,unused-ignore]
    # Nor do they need the calling file and line, which the logging module finds by walking the
    # stack for every record unless this is None (as its source says it may be).
    logging._srcfile = None
    handler = _OrbitoHandler(sys.stderr)
    handler.setFormatter(JSONFormatter() if settings.log_format == "json" else TextFormatter())
    handler.addFilter(_RequestIdFilter())
    for name in ("orbito", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [h for h in logger.handlers if not isinstance(h, _OrbitoHandler)]
        logger.addHandler(handler)
        logger.propagate = False
    logging.getLogger("orbito").setLevel(settings.log_level)
    logging.getLogger("uvicorn.access").disabled = True
